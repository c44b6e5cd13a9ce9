import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

/**
 * One GET through the web server, as a visitor's browser sends it: to the
 * vhost's own address and port, with its Host header. Bounded: a timeout per
 * request and only the head of the body read. Redirects are answers to
 * compare with the trace, never followed (node:http does not follow them).
 */
export interface SetupUrl {
  host: string;
  port: number;
  path: string;
  /** The Host header (the URL's host, with its port when not the scheme's default). */
  hostHeader: string;
  /** Default 'http'. */
  scheme?: 'http' | 'https';
}

export interface WebAnswer {
  status: number;
  /** the first bytes of the body */
  head: string;
  /** The Content-Type header, as sent. */
  contentType?: string;
  /** The Location header of a redirect. */
  location?: string;
}

export type WebGet = (url: SetupUrl, timeoutMs: number) => Promise<WebAnswer>;

export const HEAD_BYTES = 4096;

export const httpGet: WebGet = (url, timeoutMs) =>
  new Promise((resolve, reject) => {
    const options = {
      host: url.host,
      port: url.port,
      path: url.path,
      agent: false as const,
      headers: { Host: url.hostHeader, 'User-Agent': 'fcgi-doctor' },
      timeout: timeoutMs,
    };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        // Enough to tell source from output; never read an endless body.
        if (size >= HEAD_BYTES) res.destroy();
      });
      const done = () => {
        if (settled) return;
        settled = true;
        const type = res.headers['content-type'];
        const location = res.headers.location;
        resolve({
          status: res.statusCode ?? 0,
          head: Buffer.concat(chunks).subarray(0, HEAD_BYTES).toString('utf8'),
          ...(type ? { contentType: type } : {}),
          ...(location ? { location } : {}),
        });
      };
      res.on('end', done);
      res.on('close', done);
    };
    // A diagnosis asks the site whatever its certificate: the name it presents (SNI) is the vhost's.
    const sni = url.hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const req =
      url.scheme === 'https'
        ? https.get({ ...options, rejectUnauthorized: false, ...(isIP(sni) ? {} : { servername: sni }) }, onResponse)
        : http.get(options, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
