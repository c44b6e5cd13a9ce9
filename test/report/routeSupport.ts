/** Hand-built routes and backend answers for the trace reporters' tests: one per outcome. */
import { toResponse, type FcgiResponse } from '../../src/client/request.js';
import type { Route, RouteRequest } from '../../src/routing/types.js';

export function request(url = 'http://blog.example.org/index.php/foo?x=1'): RouteRequest {
  return {
    url,
    scheme: 'http',
    host: 'blog.example.org',
    port: 80,
    method: 'GET',
    path: '/index.php/foo',
    query: 'x=1',
    headers: {},
  };
}

export function fastcgiRoute(
  params: Record<string, string> = {},
  target: string | null = 'unix:/run/php/php8.2-fpm.sock',
): Route {
  return {
    url: 'http://blog.example.org/index.php/foo?x=1',
    request: request(),
    vhost: { file: '/etc/apache2/sites-enabled/blog.conf', line: 1, serverName: 'blog.example.org' },
    steps: [
      {
        what: 'vhost',
        file: '/etc/apache2/sites-enabled/blog.conf',
        line: 1,
        text: 'ServerName blog.example.org matches the Host',
      },
      {
        what: 'documentroot',
        file: '/etc/apache2/sites-enabled/blog.conf',
        line: 3,
        text: 'DocumentRoot /srv/blog: /index.php/foo → /srv/blog/index.php/foo',
      },
      { what: 'pathinfo', text: '/srv/blog/index.php exists: PATH_INFO /foo' },
      {
        what: 'handler',
        file: '/etc/apache2/conf-enabled/php8.2-fpm.conf',
        line: 8,
        text: 'SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"',
      },
    ],
    file: '/srv/blog/index.php',
    pathInfo: '/foo',
    handler: 'proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost',
    outcome: 'fastcgi',
    backend: {
      module: target === null ? 'fcgid' : 'proxy_fcgi',
      mode: target === null ? 'fcgid' : 'proxy',
      target,
      params: {
        SCRIPT_FILENAME: '/srv/blog/index.php',
        PATH_INFO: '/foo',
        QUERY_STRING: 'x=1',
        REQUEST_METHOD: 'GET',
        ...params,
      },
    },
    uncertain: [],
    htaccess: [],
  };
}

export function staticRoute(): Route {
  return {
    ...fastcgiRoute(),
    url: 'http://blog.example.org/logo.png',
    file: '/srv/blog/logo.png',
    pathInfo: undefined,
    handler: null,
    outcome: 'static',
    backend: undefined,
    steps: [
      { what: 'documentroot', file: '/etc/apache2/sites-enabled/blog.conf', line: 3, text: 'DocumentRoot /srv/blog' },
    ],
  };
}

export function statusRoute(status: number, location?: string): Route {
  return {
    ...staticRoute(),
    file: status === 404 ? null : '/srv/blog/private',
    outcome: 'status',
    status,
    ...(location ? { location } : {}),
    steps: [
      {
        what: status >= 300 && status < 400 ? 'redirect' : 'access',
        file: '/etc/apache2/sites-enabled/blog.conf',
        line: 9,
        text: `Apache answers ${status}`,
      },
    ],
  };
}

/** A CGI answer on FCGI_STDOUT, as the client parses it. */
export function answer(stdout: string | Buffer, stderr = ''): FcgiResponse {
  return toResponse(
    {
      requestId: 1,
      stdout: Buffer.isBuffer(stdout) ? stdout : Buffer.from(stdout, 'latin1'),
      stderr: Buffer.from(stderr),
      stderrDropped: 0,
      appStatus: 0,
      protocolStatus: 0,
      protocolStatusName: 'REQUEST_COMPLETE',
      firstByteMs: 1,
      totalMs: 2,
    },
    0.5,
  );
}
