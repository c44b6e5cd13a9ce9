/**
 * fcgiwrap on a Unix socket (`fcgiwrap -s unix:<path>`) running CGI scripts
 * from the temp dir. fcgiwrap has no option to change user: as on Debian
 * (where systemd starts it as www-data), we spawn it directly as www-data,
 * with its socket in a `run/` directory owned by www-data.
 */
import { harnessServer, type HarnessServer } from './server.js';
import { chmodSync, chownSync } from 'node:fs';
import type { Endpoint } from './endpoint.js';
import { startProcess } from './process.js';
import { lookupGroup, lookupUser, makeDir, makeTempDir, writeFiles, type FileSpec } from './tempdir.js';
import { waitForEndpoint } from './waitFor.js';

export const FCGIWRAP_BINARY = '/usr/sbin/fcgiwrap';

/** A shell CGI script that prints its environment as `NAME=value` lines and the request body length. */
export const CGI_ENV_SCRIPT = `#!/bin/sh
body=$(head -c "\${CONTENT_LENGTH:-0}" | wc -c)
printf 'Content-Type: text/plain\\r\\n'
printf 'X-Body-Length: %s\\r\\n' "$body"
printf '\\r\\n'
env | sort
`;

/** A Perl CGI script that says hello. */
export const CGI_HELLO_PERL = `#!/usr/bin/perl
print "Content-Type: text/plain\\r\\n\\r\\n";
print "Hello from perl CGI\\n";
`;

export interface StartFcgiwrapOptions {
  /** CGI scripts by relative name (mode 0755 unless given): `{ 'env.sh': CGI_ENV_SCRIPT }`. */
  scripts?: Record<string, FileSpec>;
  /** Socket path (default `<dir>/run/fcgiwrap.sock`). */
  socketPath?: string;
  /** Run as (default 'www-data'); `null` runs as root. */
  user?: string | null;
  /** Group (default the user's primary group). */
  group?: string;
  /** chmod the socket once it exists (e.g. 0o660); default leaves fcgiwrap's (umask 022: 0755). */
  socketMode?: number;
  /** `-c N` pre-forked children (default 1). */
  children?: number;
  /** `-f`: send the scripts' stderr over FastCGI instead of fcgiwrap's stderr. */
  stderrOverFastcgi?: boolean;
  timeoutMs?: number;
}

export interface FcgiwrapServer extends HarnessServer {
  endpoint: Endpoint & { kind: 'unix' };
  /** Where the scripts are (SCRIPT_FILENAME = join(scriptDir, name)). */
  scriptDir: string;
  /** Absolute path of each script by name. */
  scripts: Record<string, string>;
}

export async function startFcgiwrap(opts: StartFcgiwrapOptions = {}): Promise<FcgiwrapServer> {
  const tmp = makeTempDir('fcgiwrap');
  try {
    const scriptDir = makeDir(tmp.join('cgi-bin'));
    const scripts = writeFiles(scriptDir, opts.scripts ?? {}, 0o755);
    const user = opts.user === undefined ? 'www-data' : opts.user;
    const runDir = makeDir(tmp.join('run'));
    const socketPath = opts.socketPath ?? `${runDir}/fcgiwrap.sock`;
    let ids: { uid?: number; gid?: number } = {};
    if (user !== null) {
      const u = lookupUser(user);
      const gid = opts.group !== undefined ? lookupGroup(opts.group) : u.gid;
      ids = { uid: u.uid, gid };
      chownSync(runDir, u.uid, gid);
    }
    const logPath = tmp.join('fcgiwrap.log');
    const args = ['-s', `unix:${socketPath}`, '-c', String(opts.children ?? 1)];
    if (opts.stderrOverFastcgi) args.unshift('-f');
    const proc = startProcess(FCGIWRAP_BINARY, args, {
      name: 'fcgiwrap',
      outputPath: logPath,
      cwd: tmp.path,
      ownedPaths: [tmp.path],
      ...ids,
    });
    const endpoint = { kind: 'unix' as const, path: socketPath };
    const stop = async () => {
      await proc.stop();
      tmp.remove();
    };
    try {
      await waitForEndpoint(endpoint, { process: proc, timeoutMs: opts.timeoutMs ?? 20_000 });
      if (opts.socketMode !== undefined) chmodSync(socketPath, opts.socketMode);
    } catch (e) {
      await stop();
      throw e;
    }
    return { ...harnessServer(tmp.path, logPath, proc, stop), endpoint, scriptDir, scripts };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}
