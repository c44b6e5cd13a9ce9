/**
 * nginxAnswerAfterBackend on configurations in memory: what nginx sends once
 * the backend answered (the integration test holds the cases to the real
 * nginx; these pin the ones it cannot show: the doubts and the recursion).
 */
import { describe, expect, it } from 'vitest';
import { MemoryNginxSource, readNginxConfig } from '../../../src/nginx/index.js';
import { nginxAnswerAfterBackend } from '../../../src/routing/nginx/index.js';
import type { RouteRequest } from '../../../src/routing/types.js';
import { parseRouteUrl } from '../../../src/routing/url.js';
import { fixtureSystem } from '../../../src/system/fixture.js';

function answerAfter(server: string, url: string, status: number, byNginx = false) {
  const config = readNginxConfig('/etc/nginx/nginx.conf', {
    source: new MemoryNginxSource({ '/etc/nginx/nginx.conf': `events {}\nhttp {\nserver {\n${server}\n}\n}\n` }),
  });
  const request = parseRouteUrl(url) as RouteRequest;
  const fs = fixtureSystem({ files: { '/srv/www/errors/404.html': 'x', '/srv/www/50x.html': 'x' } }).fs;
  return nginxAnswerAfterBackend(config, { ...request, localAddress: '127.0.0.1' }, { fs }, { status, byNginx });
}

const BASE = `listen 80; root /srv/www; error_page 404 /errors/404.html;`;

describe('what nginx sends after the backend answered', () => {
  it('intercept on with an error_page for the status: the page, with the status', () => {
    const a = answerAfter(
      `${BASE} location /x { fastcgi_intercept_errors on; fastcgi_pass unix:/run/a.sock; }`,
      'http://h/x',
      404,
    );
    expect(a).toMatchObject({ kind: 'error_page', status: 404, file: '/srv/www/errors/404.html', uncertain: [] });
    expect(a?.why).toMatch(/drops the backend's page/);
  });

  it('intercept off: the backend answer passes, however many error_pages there are', () => {
    const a = answerAfter(`${BASE} location /x { fastcgi_pass unix:/run/a.sock; }`, 'http://h/x', 404);
    expect(a).toMatchObject({ kind: 'passthrough', status: 404 });
    expect(a?.why).toMatch(/fastcgi_intercept_errors off/);
  });

  it('a status below 300 is never intercepted', () => {
    const a = answerAfter(
      `${BASE} location /x { fastcgi_intercept_errors on; fastcgi_pass unix:/run/a.sock; }`,
      'http://h/x',
      200,
    );
    expect(a).toMatchObject({ kind: 'passthrough', status: 200, why: '' });
  });

  it("nginx's own 502 without an error_page: nothing to change", () => {
    expect(
      answerAfter(`${BASE} location /x { fastcgi_pass unix:/run/a.sock; }`, 'http://h/x', 502, true),
    ).toBeUndefined();
  });

  it("nginx's own 504 with error_page = : the page's own status", () => {
    const a = answerAfter(
      `${BASE} error_page 504 = /50x.html; location /x { fastcgi_pass unix:/run/a.sock; }`,
      'http://h/x',
      504,
      true,
    );
    expect(a).toMatchObject({ kind: 'error_page', status: 200, file: '/srv/www/50x.html' });
  });

  it('error_page = to another FastCGI URI: the status is that answer, said as uncertain', () => {
    const a = answerAfter(
      `${BASE} location /x { fastcgi_intercept_errors on; error_page 404 = /app; fastcgi_pass unix:/run/a.sock; } location = /app { fastcgi_pass unix:/run/b.sock; }`,
      'http://h/x',
      404,
    );
    expect(a?.status).toBeUndefined();
    expect(a?.uncertain.join()).toMatch(/unix:\/run\/b.sock/);
  });

  it("reached by an error_page already: an intercepted status gets nginx's built-in page (recursive_error_pages off)", () => {
    const a = answerAfter(
      `${BASE} location /missing/ { error_page 404 /app; } location = /app { fastcgi_intercept_errors on; error_page 500 /errors/404.html; fastcgi_pass unix:/run/b.sock; }`,
      'http://h/missing/x',
      500,
    );
    expect(a).toMatchObject({ kind: 'nginx_page', status: 500 });
  });

  it('reached by an error_page already: the backend answer goes out with the error status', () => {
    const a = answerAfter(
      `${BASE} location /missing/ { error_page 404 /app; } location = /app { fastcgi_pass unix:/run/b.sock; }`,
      'http://h/missing/x',
      200,
    );
    expect(a).toMatchObject({ kind: 'passthrough', status: 404 });
  });

  it('a route that does not reach FastCGI has nothing to say', () => {
    expect(answerAfter(`${BASE} location /x { return 204; }`, 'http://h/x', 404)).toBeUndefined();
  });

  it('an error page that itself fails: its own status, and why', () => {
    const a = answerAfter(
      `${BASE} location /x { fastcgi_intercept_errors on; error_page 500 /errors/500.html; fastcgi_pass unix:/run/a.sock; }`,
      'http://h/x',
      500,
    );
    expect(a).toMatchObject({ kind: 'error_page', status: 404 });
    expect(a?.file).toBeUndefined();
    expect(a?.why).toMatch(/the error page \/errors\/500.html itself answers 404 \(404: .*not found\)/);
    expect(a?.route?.steps.some((s) => s.what === 'error_page')).toBe(true);
  });

  it("a 401 intercepted keeps the backend's WWW-Authenticate", () => {
    const a = answerAfter(
      `${BASE} location /x { fastcgi_intercept_errors on; error_page 401 /errors/404.html; fastcgi_pass unix:/run/a.sock; }`,
      'http://h/x',
      401,
    );
    expect(a?.status).toBe(401);
    expect(a?.why).toContain('WWW-Authenticate header is kept');
  });
});
