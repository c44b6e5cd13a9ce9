/**
 * Is the backend PostgreSQL? PostgreSQL reads a FastCGI record as a startup
 * packet of 16 MB and closes without a byte (its log: "invalid length of
 * startup packet"). An SSLRequest on a fresh connection (8 bytes: length 8,
 * code 80877103; PostgreSQL's protocol, "SSLRequest" message) is answered
 * with one byte, 'S' or 'N', before any authentication: no query is sent, no
 * session starts.
 */
import { openSocket } from './connect.js';
import type { Target } from './target.js';

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** 'S' (TLS offered) or 'N' (plain only) when PostgreSQL answered within `timeoutMs`; undefined otherwise. */
export async function probePostgres(target: Target, timeoutMs: number): Promise<'S' | 'N' | undefined> {
  let socket;
  try {
    socket = await openSocket(target, timeoutMs);
  } catch {
    return undefined;
  }
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    let settle: NodeJS.Timeout | undefined;
    // Exactly one byte, S or N, is PostgreSQL's answer; anything more is another protocol talking.
    const answer = (): 'S' | 'N' | undefined =>
      got.length === 1 && (got[0] === 0x53 || got[0] === 0x4e) ? (got[0] === 0x53 ? 'S' : 'N') : undefined;
    const done = () => {
      clearTimeout(timer);
      clearTimeout(settle);
      socket.destroy();
      resolve(answer());
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]).subarray(0, 16);
      clearTimeout(settle);
      // PostgreSQL then waits for the TLS handshake or the startup packet: a short pause ends the wait.
      settle = setTimeout(done, got.length > 1 ? 0 : 100);
    });
    socket.once('error', done);
    socket.once('close', done);
    socket.write(SSL_REQUEST);
  });
}
