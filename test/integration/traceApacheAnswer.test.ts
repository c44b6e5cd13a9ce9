/**
 * The browser's view in `trace` (src/checks/request/apacheAnswer.ts) held to a
 * real Apache 2.4 with mod_proxy_fcgi: for each kind of CGI answer a backend
 * can give, the status Apache sends must be the one we predict.
 */
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheAnswerForResponse } from '../../src/checks/request/apacheAnswer.js';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import { chmodSync } from 'node:fs';
import { afterRequest, hostileServer, type Hostile } from '../client/support.js';
import { makeTempDir, type TempDir } from './harness/tempdir.js';
import { answer } from '../report/routeSupport.js';
import { startApache, type ApacheServer } from './harness/apache.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';

const haveApache =
  requireBinary(BINARIES.apache.name, BINARIES.apache.path, BINARIES.apache.pkg) &&
  requireBinary(BINARIES.modProxyFcgi.name, BINARIES.modProxyFcgi.path, BINARIES.modProxyFcgi.pkg);

/** Each case: what the backend writes on FCGI_STDOUT. */
const CASES: Record<string, string> = {
  plain: 'Content-Type: text/plain\r\n\r\nhello',
  notfound: 'Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\nnope',
  servererror: 'Status: 500 Internal Server Error\r\n\r\n',
  location: 'Location: http://elsewhere.example/\r\n\r\n',
  locallocation: 'Location: /plain\r\n\r\n',
  status302: 'Status: 302 Found\r\nLocation: http://elsewhere.example/\r\n\r\n',
  movedstatus: 'Status: 301 Moved Permanently\r\nLocation: http://elsewhere.example/\r\n\r\n',
  empty: '',
  headerless: 'Content-Type: text/plain\r\n',
  malformed: 'this is no header\r\n\r\nbody',
};

describe.skipIf(!haveApache)('what a browser gets from mod_proxy_fcgi, on a real Apache', () => {
  let dir: TempDir;
  let apache: ApacheServer;
  const backends: Hostile[] = [];
  beforeAll(async () => {
    dir = makeTempDir('trace-answer');
    const sockets: Record<string, string> = {};
    for (const [name, stdout] of Object.entries(CASES)) {
      const path = dir.join(`${name}.sock`);
      sockets[name] = path;
      backends.push(
        await hostileServer({ path }, (s: net.Socket) =>
          afterRequest(s, (id) => {
            s.end(
              Buffer.concat([
                ...(stdout ? encodeStream(RecordType.STDOUT, id, Buffer.from(stdout, 'latin1')) : []),
                ...encodeStream(RecordType.STDOUT, id, Buffer.alloc(0)),
                encodeEndRequest(id, 0, 0),
              ]),
            );
          }),
        ),
      );
      // Apache's children (www-data) connect: the socket must let them.
      chmodSync(path, 0o666);
    }
    apache = await startApache({
      modules: ['proxy', 'proxy_fcgi'],
      config: Object.entries(sockets)
        .map(([name, path]) => `ProxyPass /${name} "unix:${path}|fcgi://${name}/"\n`)
        .join(''),
    });
  }, 60_000);
  afterAll(async () => {
    await apache?.stop();
    for (const b of backends) await b.close();
    dir?.remove();
  });

  for (const [name, stdout] of Object.entries(CASES)) {
    it(`${name}: the predicted status is Apache's`, async () => {
      const r = await apache.http(`/${name}`);
      const predicted = apacheAnswerForResponse(answer(stdout));
      expect(predicted.status, `${name}: Apache sent ${r.status}`).toBe(r.status);
      expect(predicted.basis).toBe('observed');
    });
  }
});
