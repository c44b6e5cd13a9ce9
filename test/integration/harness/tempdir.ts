/**
 * Temporary directories for the integration harness.
 *
 * Every server runs under a private directory in os.tmpdir() named
 * `fcgi-doctor-it-<label>-XXXXXX`. Directories are made 0755 so that the
 * unprivileged workers (www-data) that the servers drop to can reach the
 * sockets and scripts inside; files are 0644 unless told otherwise.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { registerCleanup } from './process.js';

export const TEMP_PREFIX = 'fcgi-doctor-it-';

export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** `join(path, ...parts)`. */
  join(...parts: string[]): string;
  /** Removes the directory (idempotent). */
  remove(): void;
}

/** Creates `os.tmpdir()/fcgi-doctor-it-<label>-XXXXXX`, mode 0755, removed at process exit at the latest. */
export function makeTempDir(label: string): TempDir {
  const safe = label.replace(/[^A-Za-z0-9_-]/g, '-');
  const path = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${safe}-`));
  chmodSync(path, 0o755);
  let removed = false;
  const unregister = registerCleanup(() => {
    if (!removed) rmSync(path, { recursive: true, force: true });
  });
  return {
    path,
    join: (...parts: string[]) => join(path, ...parts),
    remove() {
      if (removed) return;
      removed = true;
      unregister();
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** mkdir -p with an explicit mode (applied to the last component even if umask interferes). */
export function makeDir(path: string, mode = 0o755): string {
  mkdirSync(path, { recursive: true, mode });
  chmodSync(path, mode);
  return path;
}

/** Writes a file (creating its directory 0755) with an explicit mode. */
export function writeFile(path: string, content: string | Buffer, mode = 0o644): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** A file to write: plain content (mode 0644, or 0755 for `writeScripts`), or content with a mode. */
export type FileSpec = string | { content: string | Buffer; mode?: number };

/** Writes `{relativeName: content}` under `dir`; returns absolute paths by name. */
export function writeFiles(dir: string, files: Record<string, FileSpec>, defaultMode = 0o644): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(files)) {
    const content = typeof spec === 'string' ? spec : spec.content;
    const mode = typeof spec === 'string' ? defaultMode : (spec.mode ?? defaultMode);
    out[name] = writeFile(join(dir, name), content, mode);
  }
  return out;
}

export interface UnixUser {
  name: string;
  uid: number;
  gid: number;
}

/** Looks a user up in /etc/passwd (no NSS: the test machines are plain Debian). */
export function lookupUser(name: string): UnixUser {
  if (/^\d+$/.test(name)) return { name, uid: Number(name), gid: Number(name) };
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined && f[3] !== undefined) {
      return { name, uid: Number(f[2]), gid: Number(f[3]) };
    }
  }
  throw new Error(`user ${name} not found in /etc/passwd`);
}

/** Looks a group up in /etc/group; returns its gid. */
export function lookupGroup(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined) return Number(f[2]);
  }
  throw new Error(`group ${name} not found in /etc/group`);
}

/** chown by names (`user`, optionally `group`; the group defaults to the user's primary group). */
export function chownByName(path: string, user: string, group?: string): void {
  const u = lookupUser(user);
  chownSync(path, u.uid, group === undefined ? u.gid : lookupGroup(group));
}
