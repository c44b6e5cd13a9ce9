/**
 * The live Connector: a bare connect() to a Unix socket or TCP port, closed
 * at once. It tells "refused" (nobody listening: a stale socket file) from
 * "missing" and "timed out". It never sends a FastCGI request: that is the
 * request step's job.
 */
import { createConnection } from 'node:net';
import type { ConnectOutcome, Connector } from './types.js';
import { unixRoute } from '../util/unixPath.js';

function attempt(
  opts: { path: string } | { host: string; port: number },
  timeoutMs: number,
  release: () => void = () => undefined,
): Promise<ConnectOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const sock = createConnection(opts);
    let done = false;
    const finish = (o: ConnectOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      release();
      resolve(o);
    };
    const timer = setTimeout(
      () =>
        finish({ ok: false, code: 'ETIMEDOUT', message: `no answer within ${timeoutMs} ms`, ms: Date.now() - started }),
      timeoutMs,
    );
    sock.once('connect', () => finish({ ok: true, ms: Date.now() - started }));
    sock.once('error', (e: NodeJS.ErrnoException) =>
      finish({ ok: false, code: e.code ?? 'ERROR', message: e.message, ms: Date.now() - started }),
    );
  });
}

export function liveConnector(): Connector {
  return {
    connectUnix: (path, timeoutMs) => {
      // A path longer than a socket address holds goes through its directory (see src/util/unixPath.ts).
      const route = unixRoute(path);
      if ('error' in route) return Promise.resolve({ ok: false, code: route.error, message: route.message, ms: 0 });
      return attempt({ path: route.path }, timeoutMs, route.release);
    },
    connectTcp: (host, port, timeoutMs) => attempt({ host, port }, timeoutMs),
  };
}
