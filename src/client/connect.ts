import { statSync } from 'node:fs';
import net from 'node:net';
import { FcgiClientError } from './errors.js';
import { formatTarget, type Target } from './target.js';

/**
 * Opens a stream socket to the target within `timeoutMs`, and turns the
 * errno of a failure into words: refused, denied, missing, not a socket,
 * listen queue full.
 */
export function openSocket(target: Target, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      target.kind === 'unix' ? net.createConnection({ path: target.path }) : net.createConnection({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new FcgiClientError('connect-timeout', `timed out after ${seconds(timeoutMs)} connecting to ${formatTarget(target)}`, {
          phase: 'connect',
          hint:
            target.kind === 'tcp'
              ? 'a firewall may be dropping packets, or the host is down'
              : 'the backend accepts no connections: is it stuck?',
        }),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(describeConnectError(target, err));
    });
  });
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function isSocketFile(path: string): boolean | undefined {
  try {
    return statSync(path).isSocket();
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
        if (isSocketFile(target.path) === false) {
          return new FcgiClientError('connect-not-socket', `${where} is not a socket (it is a regular file or directory)`, details(
            'the backend never created its socket there; remove the file and restart the backend',
          ));
        }
        return new FcgiClientError('connect-refused', `connection refused (nobody listens on ${where} — stale socket file?)`, details(
          'the socket file exists but its process is gone: restart the backend (it recreates the socket)',
        ));
      }
      return new FcgiClientError('connect-refused', `connection refused: nobody listens on ${where}`, details(
        'start the backend, or check the port it listens on',
      ));
    case 'EACCES':
    case 'EPERM':
      return new FcgiClientError('connect-denied', `permission denied connecting to ${where}`, details(
        'the socket needs write permission, and every parent directory search (x) permission, for the connecting user',
      ));
    case 'ENOENT':
      return new FcgiClientError('connect-missing', `no such socket: ${where}`, details(
        'the backend is not running, or listens on another path',
      ));
    case 'ENOTDIR':
      return new FcgiClientError('connect-missing', `no such socket: a component of ${where} is not a directory`, details(
        'check the socket path',
      ));
    case 'EAGAIN':
      return new FcgiClientError('connect-overloaded', `${where} refused the connection: its listen queue is full`, details(
        'the backend is overloaded (every worker busy and the backlog full): raise pm.max_children or listen.backlog',
      ));
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FcgiClientError('dns', `cannot resolve host "${target.kind === 'tcp' ? target.host : where}"`, details(
        'check the host name, or use an IP address',
      ));
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new FcgiClientError('connect-failed', `host unreachable: ${where}`, details('check the address and the route to it'));
    case 'ETIMEDOUT':
      return new FcgiClientError('connect-timeout', `timed out connecting to ${where}`, details('a firewall may be dropping packets'));
    default:
      return new FcgiClientError('connect-failed', `cannot connect to ${where}: ${err.message}`, details(''));
  }
}
