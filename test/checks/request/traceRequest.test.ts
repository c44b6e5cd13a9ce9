/**
 * trace's request step on hand-built routes, against the real echo app
 * (src/server): the backend receives exactly the route's params, and an
 * answer or a failure is classified as ping classifies it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestRoute } from '../../../src/checks/request/traceRequest.js';
import { traceExitStatus } from '../../../src/cli/exitStatus.js';
import { startServer, type RunningServer } from '../../../src/server/listen.js';
import { makeTempDir, type TempDir } from '../../client/support.js';
import { fastcgiRoute, staticRoute, statusRoute } from '../../report/routeSupport.js';

let dir: TempDir;
let app: RunningServer;
let sock: string;
beforeAll(async () => {
  dir = makeTempDir('trace-request');
  sock = dir.join('echo.sock');
  app = await startServer({ kind: 'unix', path: sock });
});
afterAll(async () => {
  await app.close();
  dir.remove();
});

describe('requestRoute', () => {
  it('sends exactly the route params, in their order, and nothing else', async () => {
    const route = fastcgiRoute({ QUERY_STRING: 'format=json', HTTP_X_ODD: 'a=b; c\u0000d' }, `unix:${sock}`);
    const r = await requestRoute(route, { timeoutMs: 5000 });
    expect(r.skipped).toBeUndefined();
    expect(r.where).toBe(sock);
    const echoed = JSON.parse(r.response!.body.toString('utf8')) as { params: Record<string, string> };
    expect(echoed.params).toEqual(route.backend!.params);
    expect(Object.keys(echoed.params)).toEqual(Object.keys(route.backend!.params));
    expect(r.findings).toEqual([]);
    expect(r.browser).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(traceExitStatus(route, r.findings, 'error', r.browser?.status)).toBe(0);
  });

  it('an error status from the backend: the finding ping gives, and exit 1', async () => {
    const route = fastcgiRoute({ QUERY_STRING: 'status=500' }, `unix:${sock}`);
    const r = await requestRoute(route, { timeoutMs: 5000 });
    expect(r.findings.map((f) => f.id)).toEqual(['backend-error-status']);
    expect(r.browser?.status).toBe(500);
    expect(traceExitStatus(route, r.findings, 'error', r.browser?.status)).toBe(1);
  });

  it('a socket that does not exist: socket-missing, and a browser would get 503', async () => {
    const route = fastcgiRoute({}, `unix:${dir.join('absent.sock')}`);
    const r = await requestRoute(route, { timeoutMs: 2000 });
    expect(r.findings.map((f) => f.id)).toEqual(['socket-missing']);
    expect(r.browser?.status).toBe(503);
    expect(r.error?.code).toBe('connect-missing');
  });

  it('no request where Apache starts the process, or the route ends in Apache', async () => {
    const fcgid = await requestRoute(fastcgiRoute({}, null), { timeoutMs: 1000 });
    expect(fcgid.skipped).toMatch(/mod_fcgid starts the application itself.*no endpoint/);
    expect(fcgid.findings).toEqual([]);
    for (const route of [staticRoute(), statusRoute(404)]) {
      const r = await requestRoute(route, { timeoutMs: 1000 });
      expect(r.skipped).toBeDefined();
      expect(r.response).toBeUndefined();
    }
  });
});

describe('traceExitStatus', () => {
  it('0 for static and redirects, 1 for Apache error statuses', () => {
    expect(traceExitStatus(staticRoute(), [], 'error')).toBe(0);
    expect(traceExitStatus(statusRoute(301, '/x'), [], 'error')).toBe(0);
    for (const s of [403, 404, 500]) expect(traceExitStatus(statusRoute(s), [], 'error')).toBe(1);
  });
  it('a backend route offline is 0; a browser status of 4xx/5xx is 1', () => {
    expect(traceExitStatus(fastcgiRoute(), [], 'error')).toBe(0);
    expect(traceExitStatus(fastcgiRoute(), [], 'error', 302)).toBe(0);
    expect(traceExitStatus(fastcgiRoute(), [], 'error', 404)).toBe(1);
  });
});
