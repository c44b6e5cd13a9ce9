import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * What the installed Apache says it is (`apache2 -v` / `httpd -v`: "Server
 * version: Apache/2.4.62 (Debian)"), for SERVER_SOFTWARE in a traced request.
 * A child process bounded by a timer and an output cap: a binary that hangs or
 * floods costs at most that, and any failure means "unknown", never a guess.
 */
export const APACHE_BINARIES = ['/usr/sbin/apache2', '/usr/sbin/httpd', '/usr/local/apache2/bin/httpd'] as const;

export interface ServerVersionOptions {
  binaries?: readonly string[];
  timeoutMs?: number;
}

/** "Apache/2.4.62 (Debian)" from `-v`'s output; undefined when the line is not there or not plausible. */
export function parseServerVersion(output: string): string | undefined {
  const m = /^Server version:[ \t]*([!-~][ -~]{0,199})$/m.exec(output.slice(0, 4096));
  return m?.[1]?.trim() || undefined;
}

export function apacheServerVersion(opts: ServerVersionOptions = {}): string | undefined {
  const binary = (opts.binaries ?? APACHE_BINARIES).find((b) => existsSync(b));
  if (!binary) return undefined;
  try {
    const out = execFileSync(binary, ['-v'], {
      timeout: opts.timeoutMs ?? 1000,
      maxBuffer: 64 * 1024,
      encoding: 'latin1',
      stdio: ['ignore', 'pipe', 'ignore'],
      // Debian's apache2 reads nothing from the environment for -v; a clean one keeps it that way.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
    });
    return parseServerVersion(out);
  } catch {
    return undefined;
  }
}
