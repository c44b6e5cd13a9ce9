/**
 * `fcgi-doctor serve` (the stand-in app, the built bin) as a harness server:
 * on a Unix socket of its own, or on file descriptor 0 under spawn-fcgi
 * (`spawn-fcgi -n -s <sock> -u www-data … -- node bin serve`).
 */
import { readFileSync } from 'node:fs';
import type { Endpoint } from './endpoint.js';
import { SPAWN_FCGI_BINARY } from './perlFcgi.js';
import { startProcess } from './process.js';
import { BIN } from './requireServer.js';
import { freePort } from './freePort.js';
import { harnessServer, type HarnessServer } from './server.js';
import { makeDir, makeTempDir } from './tempdir.js';
import { waitFor, waitForEndpoint } from './waitFor.js';

export interface ServeAppServer extends HarnessServer {
  endpoint: Endpoint & { kind: 'unix' };
}

export interface StartServeAppOptions {
  /** Arguments after the socket path (e.g. `--mode 0660 --group www-data`). */
  args?: string[];
  /** Start under spawn-fcgi, which binds the socket and hands it over as fd 0, as this user (and group). */
  spawnFcgiUser?: string;
  /** The socket's directory under the app's temp dir (default "run"); e.g. "Run/PHP" for a path with capitals. */
  socketDir?: string;
  timeoutMs?: number;
}

/** The pid whose /proc/PID/cmdline runs our bin: the app itself, once spawn-fcgi has exec'd it. */
function runsServe(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(BIN);
  } catch {
    return false;
  }
}

export async function startServeApp(opts: StartServeAppOptions = {}): Promise<ServeAppServer> {
  const tmp = makeTempDir('serve-app');
  try {
    const socketDir = opts.socketDir ?? 'run';
    for (let i = 1, parts = socketDir.split('/'); i <= parts.length; i++) makeDir(tmp.join(...parts.slice(0, i)));
    const socketPath = tmp.join(socketDir, 'serve.sock');
    const logPath = tmp.join('serve.log');
    const user = opts.spawnFcgiUser;
    const [command, args] =
      user === undefined
        ? [process.execPath, [BIN, 'serve', socketPath, ...(opts.args ?? [])]]
        : [
            SPAWN_FCGI_BINARY,
            [
              '-n',
              '-s',
              socketPath,
              '-M',
              '0660',
              '-u',
              user,
              '-g',
              user,
              '-U',
              user,
              '-G',
              user,
              '--',
              process.execPath,
              BIN,
              'serve',
              ...(opts.args ?? []),
            ],
          ];
    const proc = startProcess(command, args, {
      name: user === undefined ? 'fcgi-doctor serve' : 'spawn-fcgi fcgi-doctor serve',
      outputPath: logPath,
      ownedPaths: [tmp.path],
    });
    const endpoint = { kind: 'unix' as const, path: socketPath };
    const stop = async () => {
      await proc.stop();
      tmp.remove();
    };
    try {
      await waitForEndpoint(endpoint, { process: proc, timeoutMs: opts.timeoutMs ?? 20_000 });
      // Under spawn-fcgi the socket accepts before the app runs: wait for its start-up line.
      await waitFor(() => runsServe(proc.pid) && proc.output().includes('listening on'), {
        what: 'serve to say it listens',
        process: proc,
        timeoutMs: opts.timeoutMs ?? 20_000,
      });
    } catch (e) {
      await stop();
      throw e;
    }
    return { ...harnessServer(tmp.path, logPath, proc, stop), endpoint };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}

export interface TcpServeAppServer extends HarnessServer {
  port: number;
  /** "127.0.0.1:PORT", as a FastCGI target and as Apache's fcgi:// authority. */
  address: string;
}

/** `fcgi-doctor serve 127.0.0.1:PORT`: the stand-in app on TCP, on a free port. */
export async function startTcpServeApp(timeoutMs = 20_000): Promise<TcpServeAppServer> {
  const tmp = makeTempDir('serve-tcp');
  try {
    const port = await freePort();
    const logPath = tmp.join('serve.log');
    const proc = startProcess(process.execPath, [BIN, 'serve', `127.0.0.1:${port}`], {
      name: 'fcgi-doctor serve (tcp)',
      outputPath: logPath,
      ownedPaths: [tmp.path],
    });
    const stop = async () => {
      await proc.stop();
      tmp.remove();
    };
    try {
      await waitForEndpoint({ kind: 'tcp', host: '127.0.0.1', port }, { process: proc, timeoutMs });
    } catch (e) {
      await stop();
      throw e;
    }
    return { ...harnessServer(tmp.path, logPath, proc, stop), port, address: `127.0.0.1:${port}` };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}
