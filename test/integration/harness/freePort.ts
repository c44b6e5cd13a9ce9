/**
 * Free TCP ports for servers under test. The kernel picks an ephemeral port
 * (always above 1024); ports handed out earlier in this process are never
 * handed out again, so two servers started back to back cannot collide with
 * each other (a foreign process can still take the port between our probe
 * and the server's bind: callers that pick a port for a server retry once on
 * "address in use").
 */
import { createServer } from 'node:net';

const handedOut = new Set<number>();

function probe(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A TCP port above 1024 that nothing listens on at `host` (default 127.0.0.1) right now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await probe(host === '0.0.0.0' ? '0.0.0.0' : host);
    if (port > 1024 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: no free port found after 50 tries');
}
