/**
 * Does the backend speak TLS? A TLS server built on OpenSSL 3 or node reads a
 * FastCGI record as a TLS record of an unknown version and closes without a
 * byte ("wrong version number"), so the first bytes cannot tell. A ClientHello
 * on a fresh connection can: a ServerHello back is TLS. Only a handshake is
 * made, never a request, and the socket is closed at once.
 */
import tls from 'node:tls';
import { openSocket } from './connect.js';
import type { Target } from './target.js';

export interface TlsAnswer {
  /** the protocol version the server chose: "TLSv1.3" */
  version: string;
  /** the certificate's subject CN, when it sent one (untrusted: reporters escape it) */
  subject?: string;
}

/** The server's TLS answer within `timeoutMs`, or undefined when it does not speak TLS (or cannot be reached). */
export async function probeTls(target: Target, timeoutMs: number): Promise<TlsAnswer | undefined> {
  let socket;
  try {
    socket = await openSocket(target, timeoutMs);
  } catch {
    return undefined;
  }
  return new Promise((resolve) => {
    // Certificates are not checked: the question is only whether TLS answers.
    const secure = tls.connect({
      socket,
      rejectUnauthorized: false,
      ...(target.kind === 'tcp' && !/^[\d.:]+$/.test(target.host) ? { servername: target.host } : {}),
    });
    const done = (answer: TlsAnswer | undefined) => {
      clearTimeout(timer);
      secure.destroy();
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    secure.once('secureConnect', () => {
      const cn = secure.getPeerCertificate()?.subject?.CN;
      const subject = Array.isArray(cn) ? cn[0] : cn;
      done({ version: secure.getProtocol() ?? 'TLS', ...(subject ? { subject: String(subject).slice(0, 200) } : {}) });
    });
    secure.once('error', () => done(undefined));
    secure.once('close', () => done(undefined));
  });
}
