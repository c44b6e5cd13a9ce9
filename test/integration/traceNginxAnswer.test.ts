/**
 * The browser's view in `trace` through nginx (src/checks/request/nginxAnswer.ts)
 * held to the real nginx: for each kind of answer a backend can give, our
 * client asks the backend itself (as trace does), and the status (and
 * Location) we predict from that answer must be what nginx sent a client for
 * the same answer.
 */
import { connect as netConnect } from 'node:net';
import type net from 'node:net';
import { chmodSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type NginxAnswerContext,
  nginxAnswerForClientError,
  nginxAnswerForResponse,
} from '../../src/checks/request/nginxAnswer.js';
import { requestRoute } from '../../src/checks/request/traceRequest.js';
import { nginxBrowserAnswers } from '../../src/checks/traceNginx.js';
import { readNginxConfig } from '../../src/nginx/index.js';
import { routeNginx } from '../../src/routing/nginx/index.js';
import type { RouteRequest } from '../../src/routing/types.js';
import { parseRouteUrl } from '../../src/routing/url.js';
import { liveFileSystem } from '../../src/system/fileSystem.js';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import { afterRequest, hostileServer, type Hostile } from '../client/support.js';
import { fastcgiRoute } from '../report/routeSupport.js';
import { startNginx, type NginxServer } from './harness/nginx.js';
import { BINARIES, hasBinary } from './harness/requireServer.js';
import { makeDir, makeTempDir, type TempDir, writeFile } from './harness/tempdir.js';

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
function get(port: number, path: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // write, not end: nginx takes a half-closed client as gone (499) and answers nothing.
    const s = netConnect({ host: '127.0.0.1', port }, () => s.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
    s.setTimeout(15_000, () => s.destroy(new Error('nginx did not answer')));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end === -1 ? text : text.slice(0, end);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const location = /^location:[ \t]*(.*)$/im.exec(head)?.[1];
      resolve({ status, ...(location !== undefined ? { location } : {}), body: end === -1 ? '' : text.slice(end + 4) });
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

/**
 * fastcgi_intercept_errors and error_page (src/routing/nginx/answer.ts), the
 * whole trace path: the configuration nginx runs read by readNginxConfig, the
 * request routed by routeNginx, the route's backend asked, and the browser's
 * answer (status, Location, and the error page's file by its content, or the
 * backend's own body) held to what nginx sent.
 */
const BACKENDS = {
  b404: 'Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nbackend 404 body',
  b500: 'Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nbackend 500 body',
  b200: 'Content-Type: text/plain\r\n\r\nbackend 200 body',
  bclose: '',
} as const;
type BackendName = keyof typeof BACKENDS;

interface InterceptCase {
  backend: BackendName;
  /** The location's own directives besides fastcgi_pass. */
  conf: string;
  /** What the body must be: the backend's own, an error page file (the prediction names it), or another answer. */
  body: 'backend' | 'page' | 'other';
  /** The status depends on an answer the doctor does not ask for: said in `uncertain`. */
  uncertain?: true;
}

const ON = 'fastcgi_intercept_errors on;';
const INTERCEPT: Record<string, InterceptCase> = {
  // The server's error_page 404 /errors/404.html: the backend's 404 page is replaced.
  uri: { backend: 'b404', conf: ON, body: 'page' },
  code: { backend: 'b404', conf: `${ON} error_page 404 =200 /errors/404.html;`, body: 'page' },
  named: { backend: 'b404', conf: `${ON} error_page 404 @fallback;`, body: 'page' },
  url: { backend: 'b404', conf: `${ON} error_page 404 http://errors.example/404;`, body: 'other' },
  url301: { backend: 'b404', conf: `${ON} error_page 404 =301 http://errors.example/moved;`, body: 'other' },
  // A URL with a code that is no redirect: 302 all the same.
  url404: { backend: 'b404', conf: `${ON} error_page 404 =404 http://errors.example/x;`, body: 'other' },
  // error_page to a URI another backend answers: its page sent with the error's status (r->err_status).
  tophp: { backend: 'b404', conf: `${ON} error_page 404 /php-page;`, body: 'other' },
  tophpeq: { backend: 'b404', conf: `${ON} error_page 404 = /php-page;`, body: 'other', uncertain: true },
  // Intercept on, no error_page for 500 in effect: the backend's answer passes.
  nomatch: { backend: 'b500', conf: ON, body: 'backend' },
  // The location's own error_page list replaces the server's: no page for 404 here.
  inner: { backend: 'b404', conf: `${ON} error_page 500 /errors/500.html;`, body: 'backend' },
  off: { backend: 'b404', conf: '', body: 'backend' },
  offexplicit: { backend: 'b404', conf: 'fastcgi_intercept_errors off;', body: 'backend' },
  // nginx's own 502 goes through error_page, intercept or not.
  own502: { backend: 'bclose', conf: '', body: 'page' },
  // A 200 passes, intercept or not.
  ok200: { backend: 'b200', conf: ON, body: 'backend' },
};

describe.skipIf(!haveNginx)('fastcgi_intercept_errors and error_page in the browser answer, on the real nginx', () => {
  let dir: TempDir;
  let nginx: NginxServer;
  const backends: Hostile[] = [];
  const sockets = {} as Record<BackendName, string>;
  const fs = liveFileSystem();
  let config: ReturnType<typeof readNginxConfig>;
  beforeAll(async () => {
    dir = makeTempDir('trace-nginx-intercept');
    for (const [name, stdout] of Object.entries(BACKENDS) as Array<[BackendName, string]>) {
      const path = dir.join(`${name}.sock`);
      sockets[name] = path;
      backends.push(
        await hostileServer({ path }, (s: net.Socket) =>
          afterRequest(s, (id) => {
            if (stdout === '') {
              s.destroy();
              return;
            }
            s.end(
              Buffer.concat([
                ...encodeStream(RecordType.STDOUT, id, Buffer.from(stdout, 'latin1'), false),
                ...encodeStream(RecordType.STDOUT, id, Buffer.alloc(0)),
                encodeEndRequest(id, 0, 0),
              ]),
            );
          }),
        ),
      );
      chmodSync(path, 0o666);
    }
    nginx = await startNginx({
      http: (ctx) => {
        makeDir(`${ctx.docRoot}/errors`);
        for (const page of ['404', '500', '50x', 'fallback'])
          writeFile(`${ctx.docRoot}/errors/${page}.html`, `error page ${page}\n`);
        return `server {
        listen 127.0.0.1:${ctx.port};
        server_name _;
        root ${ctx.docRoot};
        error_page 404 /errors/404.html;
        error_page 502 /errors/50x.html;
        location /errors/ { }
        location @fallback { try_files /errors/fallback.html =500; }
        location = /php-page { include fastcgi_params; fastcgi_pass unix:${sockets.b200}; }
        location /static404/ { error_page 404 /php-page; }
${Object.entries(INTERCEPT)
  .map(
    ([name, c]) => `        location = /${name} {
            include fastcgi_params;
            ${c.conf}
            fastcgi_pass unix:${sockets[c.backend]};
        }`,
  )
  .join('\n')}
    }`;
      },
    });
    config = readNginxConfig(nginx.confPath, { prefix: nginx.prefix });
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    for (const b of backends) await b.close();
    dir?.remove();
  });

  for (const [name, c] of Object.entries(INTERCEPT)) {
    it(`${name}: the predicted answer is nginx's`, async () => {
      const seen = await get(nginx.port, `/${name}`);
      const request = parseRouteUrl(`http://127.0.0.1:${nginx.port}/${name}`) as RouteRequest;
      const route = routeNginx(config, request, { fs });
      expect(route.outcome).toBe('fastcgi');
      const live = await requestRoute(route, {
        timeoutMs: 1500,
        answers: nginxBrowserAnswers(config, request, route, { fs }),
      });
      const predicted = live.browser;
      if (c.uncertain) {
        expect(predicted?.uncertain?.length, `${name}: ${predicted?.why}`).toBeGreaterThan(0);
        return;
      }
      expect(predicted?.uncertain, `${name}: ${predicted?.why}`).toBeUndefined();
      expect(predicted?.status, `${name}: nginx sent ${seen.status}; we said ${predicted?.why}`).toBe(seen.status);
      expect(predicted?.location).toBe(seen.location);
      if (c.body === 'page') {
        expect(predicted?.page, `${name}: ${predicted?.why}`).toBeDefined();
        expect(seen.body).toBe(readFileSync(predicted?.page as string, 'latin1'));
      } else expect(predicted?.page).toBeUndefined();
      if (c.body === 'backend') expect(seen.body).toBe(BACKENDS[c.backend].split('\r\n\r\n')[1]);
      expect(predicted?.basis).toBe('observed');
    }, 20_000);
  }

  it('a static 404 whose error_page is a FastCGI URI: the 200 of the backend goes out as 404 (r->err_status)', async () => {
    const seen = await get(nginx.port, '/static404/missing');
    const request = parseRouteUrl(`http://127.0.0.1:${nginx.port}/static404/missing`) as RouteRequest;
    const route = routeNginx(config, request, { fs });
    expect(route.outcome).toBe('fastcgi');
    const live = await requestRoute(route, {
      timeoutMs: 1500,
      answers: nginxBrowserAnswers(config, request, route, { fs }),
    });
    expect(live.response?.status).toBe(200);
    expect(live.browser?.status, live.browser?.why).toBe(seen.status);
    expect(seen.status).toBe(404);
    expect(seen.body).toBe('backend 200 body');
    expect(live.browser?.why).toMatch(/error_page/);
  }, 20_000);
});
