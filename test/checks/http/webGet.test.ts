/**
 * httpGet on local servers: what it sends (Host, SNI), what it keeps (status,
 * Content-Type, Location, the head of the body) and its bounds (no redirect
 * followed, the body read only up to HEAD_BYTES, a timeout).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { HEAD_BYTES, httpGet } from '../../../src/checks/http/webGet.js';

const servers: (http.Server | https.Server)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function listen(s: http.Server | https.Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

describe('httpGet', () => {
  it("sends the vhost's Host, keeps status, type and Location, and never follows a redirect", async () => {
    const seen: string[] = [];
    const port = await listen(
      http.createServer((req, res) => {
        seen.push(`${req.headers.host} ${req.url}`);
        res.writeHead(302, { Location: '/elsewhere.php', 'Content-Type': 'text/html' });
        res.end('moved');
      }),
    );
    const a = await httpGet({ host: '127.0.0.1', port, path: '/index.php?x=1', hostHeader: 'site.test:8080' }, 2000);
    expect(a).toEqual({ status: 302, head: 'moved', contentType: 'text/html', location: '/elsewhere.php' });
    expect(seen).toEqual(['site.test:8080 /index.php?x=1']);
  });

  it('reads only the head of an endless body', async () => {
    const port = await listen(
      http.createServer((_req, res) => {
        res.writeHead(200);
        const chunk = Buffer.alloc(1024, 'a');
        const timer = setInterval(() => res.write(chunk), 1);
        res.on('close', () => clearInterval(timer));
      }),
    );
    const a = await httpGet({ host: '127.0.0.1', port, path: '/', hostHeader: 'x' }, 5000);
    expect(a.status).toBe(200);
    expect(a.head.length).toBe(HEAD_BYTES);
  });

  it('gives up after the timeout', async () => {
    const port = await listen(http.createServer(() => {}));
    await expect(httpGet({ host: '127.0.0.1', port, path: '/', hostHeader: 'x' }, 200)).rejects.toThrow(
      /no answer within 200 ms/,
    );
  });

  it('speaks TLS to an https vhost, presenting its name (SNI), whatever its certificate', async () => {
    let sni: string | false | null | undefined;
    const port = await listen(
      https.createServer(
        {
          key: readFileSync(new URL('../../../fixtures/tls/site-test-selfsigned.key', import.meta.url)),
          cert: readFileSync(new URL('../../../fixtures/tls/site-test-selfsigned.crt', import.meta.url)),
        },
        (req, res) => {
          sni = (req.socket as TLSSocket).servername;
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(`host ${req.headers.host}`);
        },
      ),
    );
    const a = await httpGet(
      { scheme: 'https', host: '127.0.0.1', port, path: '/', hostHeader: `site.test:${port}` },
      2000,
    );
    expect(a).toMatchObject({ status: 200, head: `host site.test:${port}` });
    expect(sni).toBe('site.test');
  });
});
