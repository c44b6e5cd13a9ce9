/** Where a FastCGI server (or Apache) listens, and how to tell when it accepts connections. */
import { connect } from 'node:net';

export type Endpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** `unix:/path` or `host:port`: the notation of fcgi-doctor targets. */
export function endpointToString(e: Endpoint): string {
  return e.kind === 'unix' ? `unix:${e.path}` : `${e.host}:${e.port}`;
}

/** The argument cgi-fcgi's `-connect` wants: a socket path or `host:port`. */
export function endpointForCgiFcgi(e: Endpoint): string {
  return e.kind === 'unix' ? e.path : `${e.host === '0.0.0.0' ? '127.0.0.1' : e.host}:${e.port}`;
}

/** True when a connection to `e` succeeds within `timeoutMs` (0.0.0.0 is probed on 127.0.0.1). */
export function canConnect(e: Endpoint, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock =
      e.kind === 'unix'
        ? connect({ path: e.path })
        : connect({ host: e.host === '0.0.0.0' ? '127.0.0.1' : e.host, port: e.port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => {});
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
