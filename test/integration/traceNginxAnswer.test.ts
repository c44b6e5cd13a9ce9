/**
 * The browser's view in `trace` through nginx (src/checks/request/nginxAnswer.ts)
 * held to the real nginx: for each kind of answer a backend can give, our
 * client asks the backend itself (as trace does), and the status (and
 * Location) we predict from that answer must be what nginx sent a client for
 * the same answer.
 */
import { connect as netConnect } from 'node:net';
import type net from 'node:net';
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type NginxAnswerContext,
  nginxAnswerForClientError,
  nginxAnswerForResponse,
} from '../../src/checks/request/nginxAnswer.js';
import { requestRoute } from '../../src/checks/request/traceRequest.js';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import { afterRequest, hostileServer, type Hostile } from '../client/support.js';
import { fastcgiRoute } from '../report/routeSupport.js';
import { startNginx, type NginxServer } from './harness/nginx.js';
import { BINARIES, hasBinary } from './harness/requireServer.js';
import { makeTempDir, type TempDir } from './harness/tempdir.js';

const haveNginx = hasBinary(BINARIES.nginx);

type Behaviour =
  | { stdout: string; bufferSize?: string }
  | { records: (id: number) => Buffer[] }
  | { close: true }
  | { silent: true }
  | { missing: true };

const bigHeader = (bytes: number) => `Content-Type: text/plain\r\nX-Big: ${'a'.repeat(bytes)}\r\n\r\nbody`;

const CASES: Record<string, Behaviour> = {
  plain: { stdout: 'Content-Type: text/plain\r\n\r\nhello' },
  notfound: { stdout: 'Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\nnope' },
  servererror: { stdout: 'Status: 500 Internal Server Error\r\n\r\n' },
  location: { stdout: 'Location: http://elsewhere.example/\r\n\r\n' },
  locallocation: { stdout: 'Location: /plain\r\n\r\n' },
  status302: { stdout: 'Status: 302 Found\r\nLocation: http://elsewhere.example/\r\n\r\n' },
  movedstatus: { stdout: 'Status: 301 Moved Permanently\r\nLocation: /elsewhere\r\n\r\n' },
  badstatus: { stdout: 'Status: abc\r\n\r\n' },
  empty: { stdout: '' },
  headerless: { stdout: 'Content-Type: text/plain\r\n' },
  malformed: { stdout: 'this is no header\r\n\r\nbody' },
  nocolon: { stdout: 'X-No-Colon\r\nContent-Type: text/plain\r\n\r\nbody' },
  underscore: { stdout: 'X_Under: 1\r\nContent-Type: text/plain\r\n\r\nbody' },
  blankfirst: { stdout: '\r\nbody without headers' },
  httpline: { stdout: 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nbody' },
  spacename: { stdout: 'Bad Name: x\r\n\r\nbody' },
  oddname: { stdout: 'X(odd): x\r\n\r\nbody' },
  small: { stdout: bigHeader(3000) },
  toobig: { stdout: bigHeader(5000) },
  biggerbuffer: { stdout: bigHeader(5000), bufferSize: '16k' },
  stderrfirst: {
    records: (id) => [
      ...encodeStream(RecordType.STDERR, id, Buffer.from('PHP Warning: something'), false),
      ...encodeStream(RecordType.STDOUT, id, Buffer.from('Content-Type: text/plain\r\n\r\nok')),
      encodeEndRequest(id, 0, 0),
    ],
  },
  endonly: { records: (id) => [encodeEndRequest(id, 0, 0)] },
  close: { close: true },
  silent: { silent: true },
  missing: { missing: true },
};

/** The nginx settings each location has (fastcgi_buffer_size, a short read timeout for the silent backend). */
function contextOf(b: Behaviour): NginxAnswerContext {
  return {
    bufferSize: 'bufferSize' in b && b.bufferSize ? 16 * 1024 : 4096,
    readTimeout: '1s',
    interceptErrors: false,
  };
}

/**
 * One GET through nginx over a raw socket: nginx passes on header names (a
 * "(" in one) that every HTTP client library refuses; only the status line and
 * Location are read here.
 */
function get(port: number, path: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // write, not end: nginx takes a half-closed client as gone (499) and answers nothing.
    const s = netConnect({ host: '127.0.0.1', port }, () => s.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
    s.setTimeout(15_000, () => s.destroy(new Error('nginx did not answer')));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const head = Buffer.concat(chunks).toString('latin1').split('\r\n\r\n')[0] ?? '';
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const location = /^location:[ \t]*(.*)$/im.exec(head)?.[1];
      resolve({ status, ...(location !== undefined ? { location } : {}) });
    });
  });
}

describe.skipIf(!haveNginx)('what a browser gets through nginx, on the real nginx', () => {
  let dir: TempDir;
  let nginx: NginxServer;
  const backends: Hostile[] = [];
  const sockets: Record<string, string> = {};
  beforeAll(async () => {
    dir = makeTempDir('trace-nginx-answer');
    for (const [name, b] of Object.entries(CASES)) {
      const path = dir.join(`${name}.sock`);
      sockets[name] = path;
      if ('missing' in b) continue;
      backends.push(
        await hostileServer({ path }, (s: net.Socket) =>
          afterRequest(s, (id) => {
            if ('silent' in b) return;
            if ('close' in b) {
              s.destroy();
              return;
            }
            const records =
              'records' in b
                ? b.records(id)
                : [
                    ...(b.stdout ? encodeStream(RecordType.STDOUT, id, Buffer.from(b.stdout, 'latin1'), false) : []),
                    ...encodeStream(RecordType.STDOUT, id, Buffer.alloc(0)),
                    encodeEndRequest(id, 0, 0),
                  ];
            s.end(Buffer.concat(records));
          }),
        ),
      );
      chmodSync(path, 0o666);
    }
    nginx = await startNginx({
      http: (ctx) => `server {
        listen 127.0.0.1:${ctx.port};
        server_name _;
${Object.entries(CASES)
  .map(
    ([name, b]) => `        location = /${name} {
            include fastcgi_params;
            fastcgi_read_timeout 1s;
            ${'bufferSize' in b && b.bufferSize ? `fastcgi_buffer_size ${b.bufferSize}; fastcgi_buffers 8 ${b.bufferSize};` : ''}
            fastcgi_pass unix:${sockets[name]};
        }`,
  )
  .join('\n')}
    }`,
    });
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    for (const b of backends) await b.close();
    dir?.remove();
  });

  for (const [name, b] of Object.entries(CASES)) {
    it(`${name}: the predicted answer is nginx's`, async () => {
      const seen = await get(nginx.port, `/${name}`);
      const ctx = contextOf(b);
      const live = await requestRoute(fastcgiRoute({}, `unix:${sockets[name]}`), {
        timeoutMs: 1500,
        answers: {
          forResponse: (r, records) => nginxAnswerForResponse(r, records, ctx),
          forError: (e, records) => nginxAnswerForClientError(e, records, ctx),
        },
      });
      const predicted = live.browser;
      expect(predicted?.status, `${name}: nginx sent ${seen.status}; we said ${predicted?.why}`).toBe(seen.status);
      if (seen.location !== undefined) expect(predicted?.location).toBe(seen.location);
      expect(predicted?.basis).toBe('observed');
    }, 20_000);
  }
});
