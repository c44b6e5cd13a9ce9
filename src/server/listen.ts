import { chmodSync, chownSync, fstatSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { ConnectionTable, type CloseReason } from './connections.js';
import { DEFAULT_LIMITS, HeldBytes, type ServeLimits } from './limits.js';
import { serveConnection, type ResponderEvents } from './responder.js';
import { socketPathProblem } from './socketPath.js';

export type ListenTarget =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'fd'; fd: number };

export interface ListenOptions extends ResponderEvents {
  /** Unix socket mode, e.g. 0o660 */
  mode?: number;
  /** Unix socket group id */
  gid?: number;
  /** What clients may hold and for how long (defaults: DEFAULT_LIMITS). */
  limits?: Partial<ServeLimits>;
  /** A connection we closed: idle, stalled or evicted to make room for a new one. */
  onConnectionClosed?: (reason: CloseReason) => void;
}

export interface RunningServer {
  /** where it listens, as a person would write it */
  address: string;
  /** the TCP port actually bound (port 0 picks one) */
  port?: number;
  /** Open connections, and the bytes held for them (parameters and answers not yet sent). */
  stats(): { connections: number; heldBytes: number };
  close(): Promise<void>;
}

export class ServeError extends Error {
  override name = 'ServeError';
}

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createConnection({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Refuses to take over a socket someone still listens on; a stale socket file
 * (nobody listening) is removed, as FastCGI libraries do before they bind.
 */
async function prepareSocketPath(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new ServeError(`${path} exists and is not a socket: refusing to replace it`);
  if (await isListening(path)) throw new ServeError(`${path} is in use: another process listens on it`);
  unlinkSync(path);
}

/** Whether file descriptor `fd` is a socket: what a process manager passes as FCGI_LISTENSOCK_FILENO. */
export function isListeningSocketFd(fd: number): boolean {
  try {
    return fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}

export async function startServer(target: ListenTarget, options: ListenOptions = {}): Promise<RunningServer> {
  let createdPath: string | undefined;
  if (target.kind === 'unix') {
    const problem = socketPathProblem(target.path);
    if (problem) throw new ServeError(problem);
    await prepareSocketPath(target.path);
  }
  const notListening = (fd: number) =>
    new ServeError(
      `file descriptor ${fd} is not a listening socket: give a socket path or host:port, or let a process manager (mod_fcgid, mod_fastcgi, spawn-fcgi) start this command`,
    );
  if (target.kind === 'fd' && !isListeningSocketFd(target.fd)) throw notListening(target.fd);
  const limits: ServeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const held = new HeldBytes(limits.maxHeldBytes);
  const table = new ConnectionTable(limits, options.onConnectionClosed);
  const server = net.createServer((socket) => {
    table.makeRoom();
    const connection = serveConnection(socket, options, { limits, held });
    table.add(connection);
    socket.on('close', () => table.remove(connection));
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => {
      table.closeAll();
      reject(err);
    };
    server.once('error', (err: NodeJS.ErrnoException) => {
      // A connected socket on fd 0 (a parent's socketpair for stdin) passes the isSocket test; listen() on it fails with EINVAL.
      if (target.kind === 'fd' && err.code === 'EINVAL') return failed(notListening(target.fd));
      const where =
        target.kind === 'unix'
          ? target.path
          : target.kind === 'tcp'
            ? `${target.host}:${target.port}`
            : `fd ${target.fd}`;
      failed(
        new ServeError(
          `cannot listen on ${where}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? `permission denied${target.kind === 'unix' ? ` (creating a socket in ${dirname(target.path)} takes write access to it)` : ''}` : err.message}`,
        ),
      );
    });
    if (target.kind === 'unix') server.listen({ path: target.path, backlog: 511 }, resolve);
    else if (target.kind === 'tcp') server.listen({ host: target.host, port: target.port, backlog: 511 }, resolve);
    else server.listen({ fd: target.fd }, resolve);
  });
  let address: string;
  let port: number | undefined;
  if (target.kind === 'unix') {
    createdPath = target.path;
    if (options.mode !== undefined) chmodSync(target.path, options.mode);
    if (options.gid !== undefined) chownSync(target.path, -1, options.gid);
    address = target.path;
  } else if (target.kind === 'tcp') {
    const a = server.address() as net.AddressInfo;
    port = a.port;
    address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  } else {
    address = `fd ${target.fd}`;
  }
  return {
    address,
    port,
    stats: () => ({ connections: table.size, heldBytes: held.total }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        table.closeAll();
        if (createdPath) {
          try {
            unlinkSync(createdPath);
          } catch {
            // already gone
          }
          createdPath = undefined;
        }
      }),
  };
}
