/**
 * Bare Unix sockets for socket checks, without a FastCGI server behind them:
 * a listening socket with chosen owner and mode (e.g. root:root 0660, which
 * www-data may not connect to), and a stale socket file nobody listens on.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { lookupGroup, lookupUser } from './tempdir.js';

export interface ListeningSocket {
  path: string;
  server: Server;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export interface ListenUnixOptions {
  /** Default 0o660. */
  mode?: number;
  /** Owner and group by name (default root:root). */
  owner?: string;
  group?: string;
  /** What to do with a connection: default close it at once (no FastCGI answer). */
  onConnection?: (socket: Socket) => void;
}

/** Listens on `path` in this process with the given owner and mode. */
export function listenUnixSocket(path: string, opts: ListenUnixOptions = {}): Promise<ListeningSocket> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    count++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    if (opts.onConnection) opts.onConnection(sock);
    else sock.destroy();
  });
  server.unref();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      try {
        const owner = opts.owner ?? 'root';
        chownSync(path, lookupUser(owner).uid, lookupGroup(opts.group ?? owner));
        chmodSync(path, opts.mode ?? 0o660);
      } catch (e) {
        server.close();
        reject(e);
        return;
      }
      resolve({
        path,
        server,
        accepted: () => count,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

/**
 * Leaves a socket file at `path` that nothing listens on (connect: ECONNREFUSED),
 * as a crashed server does: bound by a process that then exited.
 */
export function makeStaleSocket(path: string, mode = 0o660): string {
  try {
    unlinkSync(path);
  } catch {
    /* not there */
  }
  execFileSync('/usr/bin/perl', [
    '-MIO::Socket::UNIX',
    '-e',
    'IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die "$!\\n"',
    path,
  ]);
  chmodSync(path, mode);
  return path;
}
