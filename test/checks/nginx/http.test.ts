/**
 * `check --http` for nginx, the comparison alone (the real nginx is in
 * test/integration/nginxCheck.test.ts): only a certain prediction that nginx
 * contradicts is a route-mismatch.
 */
import { describe, expect, it } from 'vitest';
import { isNginxErrorPage, routeMismatch } from '../../../src/checks/nginx/http.js';
import type { Route } from '../../../src/routing/types.js';

const NGINX_404 =
  '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n';

function route(r: Partial<Route>): Route {
  return { url: 'http://x/a.php', outcome: 'fastcgi', steps: [], uncertain: [], ...r } as Route;
}

describe('route-mismatch for nginx', () => {
  it("fires on nginx's own 404 where FastCGI was predicted, and on another status than a return", () => {
    expect(routeMismatch(route({}), { status: 404, head: NGINX_404 }, false)?.saw).toContain('its own error page');
    expect(routeMismatch(route({ outcome: 'status', status: 403 }), { status: 200, head: 'hi' }, false)?.saw).toBe(
      'answered 200',
    );
  });
  it("stays quiet on the backend's own 404, with fastcgi_intercept_errors, and on an answer as predicted", () => {
    expect(isNginxErrorPage('File not found.\n')).toBe(false);
    expect(routeMismatch(route({}), { status: 404, head: 'File not found.\n' }, false)).toBeUndefined();
    expect(routeMismatch(route({}), { status: 404, head: NGINX_404 }, true)).toBeUndefined();
    expect(routeMismatch(route({ outcome: 'status', status: 403 }), { status: 403, head: '' }, false)).toBeUndefined();
  });
  it('stays quiet where the model was unsure where the request goes (a map, a variable), not for unknown params', () => {
    const unsure = route({
      outcome: 'status',
      status: 403,
      uncertain: ['if ($deny): $deny comes from a map of $http_x_mode'],
    });
    expect(routeMismatch(unsure, { status: 200, head: '' }, false)).toBeUndefined();
    const params = route({
      outcome: 'status',
      status: 403,
      uncertain: ['fastcgi_param REMOTE_ADDR $remote_addr: unknown here'],
    });
    expect(routeMismatch(params, { status: 200, head: '' }, false)).toBeDefined();
  });
});
