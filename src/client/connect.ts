import { statSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { FcgiClientError } from './errors.js';
import { formatTarget, type Target } from './target.js';
import { SUN_PATH_MAX, unixRoute, type UnixRoute } from '../util/unixPath.js';

/**
 * Opens a stream socket to the target within `timeoutMs`, and turns the
 * errno of a failure into words: refused, denied, missing, not a socket,
 * listen queue full.
 */
export function openSocket(target: Target, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let route: Extract<UnixRoute, { path: string }> | undefined;
    if (target.kind === 'unix') {
      try {
        route = routeOrThrow(target.path);
      } catch (err) {
        reject(err);
        return;
      }
    }
    const socket =
      target.kind === 'unix'
        ? net.createConnection({ path: route!.path })
        : net.createConnection({ host: target.host, port: target.port });
    socket.once('close', () => route?.release());
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new FcgiClientError(
          'connect-timeout',
          `timed out after ${seconds(timeoutMs)} connecting to ${formatTarget(target)}`,
          {
            phase: 'connect',
            hint:
              target.kind === 'tcp'
                ? 'a firewall may be dropping packets, or the host is down'
                : 'the backend accepts no connections: is it stuck?',
          },
        ),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      route?.release();
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      route?.release();
      socket.destroy();
      reject(describeConnectError(target, err));
    });
  });
}

/**
 * The path to connect to (src/util/unixPath.ts): a path too long for sun_path
 * is reached through its opened directory; when that fails, a client error in
 * ping's words.
 */
function routeOrThrow(path: string): Extract<UnixRoute, { path: string }> {
  const route = unixRoute(path);
  if (!('error' in route)) return route;
  if (route.error === 'ENOENT' || route.error === 'ENOTDIR') {
    throw new FcgiClientError('connect-missing', `no such socket: the directory ${dirname(path)} does not exist`, {
      phase: 'connect',
      errno: route.error,
      hint: 'check the socket path',
    });
  }
  const why =
    route.error === 'ENAMETOOLONG'
      ? 'its file name alone is too long to reach it through its directory'
      : `its directory cannot be opened to reach it another way (${route.error === 'EACCES' ? 'permission denied' : route.detail})`;
  throw new FcgiClientError(
    'connect-path-too-long',
    `the socket path is ${Buffer.byteLength(path)} bytes, longer than the ${SUN_PATH_MAX} a Unix socket address holds, and ${why}`,
    {
      phase: 'connect',
      hint: 'use a shorter path for the socket (or a symbolic link to its directory with a short name)',
    },
  );
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function fileType(path: string): 'socket' | 'directory' | 'regular file' | 'special file' | undefined {
  try {
    const st = statSync(path);
    if (st.isSocket()) return 'socket';
    if (st.isDirectory()) return 'directory';
    return st.isFile() ? 'regular file' : 'special file';
  } catch {
    return undefined;
  }
}

export function describeConnectError(target: Target, err: NodeJS.ErrnoException): FcgiClientError {
  const where = formatTarget(target);
  const errno = err.code ?? 'unknown';
  const details = (hint: string) => ({ phase: 'connect' as const, errno, hint });
  switch (errno) {
    case 'ECONNREFUSED':
      if (target.kind === 'unix') {
        const type = fileType(target.path);
        if (type === 'directory') {
          return new FcgiClientError(
            'connect-is-directory',
            `${where} is a directory, not a socket`,
            details('name the socket inside it'),
          );
        }
        if (type !== undefined && type !== 'socket') {
          return new FcgiClientError(
            'connect-not-socket',
            `${where} is not a socket (it is a ${type})`,
            details('the backend never created its socket there'),
          );
        }
        return new FcgiClientError(
          'connect-refused',
          `connection refused (nobody listens on ${where} — stale socket file?)`,
          details('the socket file exists but its process is gone: restart the backend (it recreates the socket)'),
        );
      }
      return new FcgiClientError(
        'connect-refused',
        `connection refused: nobody listens on ${where}`,
        details('start the backend, or check the port it listens on'),
      );
    case 'EACCES':
    case 'EPERM':
      return new FcgiClientError(
        'connect-denied',
        `permission denied connecting to ${where}`,
        details(
          'the socket needs write permission, and every parent directory search (x) permission, for the connecting user',
        ),
      );
    case 'ENOENT':
      return new FcgiClientError(
        'connect-missing',
        `no such socket: ${where}`,
        details('the backend is not running, or listens on another path'),
      );
    case 'ENOTDIR':
      return new FcgiClientError(
        'connect-missing',
        `no such socket: a component of ${where} is not a directory`,
        details('check the socket path'),
      );
    case 'EAGAIN':
      return new FcgiClientError(
        'connect-overloaded',
        `${where} refused the connection: its listen queue is full`,
        details(
          'the backend is overloaded (every worker busy and the backlog full): raise pm.max_children or listen.backlog',
        ),
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FcgiClientError(
        'dns',
        `cannot resolve host "${target.kind === 'tcp' ? target.host : where}"`,
        details('check the host name, or use an IP address'),
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new FcgiClientError(
        'connect-failed',
        `host unreachable: ${where}`,
        details('check the address and the route to it'),
      );
    case 'ETIMEDOUT':
      return new FcgiClientError(
        'connect-timeout',
        `timed out connecting to ${where}`,
        details('a firewall may be dropping packets'),
      );
    default:
      return new FcgiClientError('connect-failed', `cannot connect to ${where}: ${err.message}`, details(''));
  }
}
