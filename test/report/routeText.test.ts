/**
 * The trace reporters on hand-built routes: every outcome, what was not
 * decided, hostile paths, params and backend answers escaped, and the JSON
 * envelope valid against schema/fcgi-doctor.schema.json.
 */
import { describe, expect, it } from 'vitest';
import { apacheAnswerForClientError, apacheAnswerForResponse } from '../../src/checks/request/apacheAnswer.js';
import type { TraceRequestResult } from '../../src/checks/request/traceRequest.js';
import { FcgiClientError } from '../../src/client/errors.js';
import { buildEnvelope, formatJson } from '../../src/report/envelope.js';
import { formatRouteText } from '../../src/report/routeText.js';
import { createStyle } from '../../src/report/style.js';
import { traceJsonExtras } from '../../src/report/traceJson.js';
import type { Route } from '../../src/routing/types.js';
import { answer, fastcgiRoute, staticRoute, statusRoute } from './routeSupport.js';
import { errorsText, outputValidator } from './support.js';

const style = createStyle();
const validate = outputValidator();
const text = (route: Route, live?: TraceRequestResult, offline = false) =>
  formatRouteText(style, route, live, [], { offline });

function liveOf(stdout: string, stderr = ''): TraceRequestResult {
  const response = answer(stdout, stderr);
  return {
    target: { kind: 'unix', path: '/run/php/php8.2-fpm.sock' },
    where: '/run/php/php8.2-fpm.sock',
    response,
    expectations: [],
    findings: [],
    browser: apacheAnswerForResponse(response),
  };
}

function expectValid(route: Route, live?: TraceRequestResult) {
  const json = JSON.parse(
    formatJson(buildEnvelope('0.0.0-test', 'trace', route.url, [], traceJsonExtras(route, live))),
  ) as Record<string, unknown>;
  expect(validate(json), errorsText(validate.errors)).toBe(true);
  return json;
}

describe('trace text report', () => {
  it('fastcgi: the steps with file:line, the file, the handler, the backend and the params in send order', () => {
    const t = text(fastcgiRoute({ ZZZ: 'last', AAA: 'after' }), undefined, true);
    expect(t).toContain('GET http://blog.example.org/index.php/foo?x=1');
    expect(t).toContain('vhost /etc/apache2/sites-enabled/blog.conf:1 (ServerName blog.example.org)');
    expect(t).toContain('/etc/apache2/conf-enabled/php8.2-fpm.conf:8');
    expect(t).toContain('file     /srv/blog/index.php');
    expect(t).toContain('PATH_INFO /foo');
    expect(t).toContain('FastCGI: mod_proxy_fcgi (proxy) → unix:/run/php/php8.2-fpm.sock');
    // Send order, as the backend receives them.
    expect(t.indexOf('SCRIPT_FILENAME = /srv/blog/index.php')).toBeLessThan(t.indexOf('ZZZ = last'));
    expect(t.indexOf('ZZZ = last')).toBeLessThan(t.indexOf('AAA = after'));
    expect(t).toContain('--offline: no request sent');
  });

  it('static, a redirect and Apache statuses', () => {
    expect(text(staticRoute())).toContain('static: Apache sends the file itself');
    expect(text(statusRoute(302, 'https://blog.example.org/'))).toContain(
      'redirect: Apache answers 302 Found → https://blog.example.org/',
    );
    for (const s of [403, 404, 500]) expect(text(statusRoute(s))).toMatch(new RegExp(`✗ Apache answers ${s} \\w`));
    expect(text(statusRoute(404))).toContain('file     none');
  });

  it('--quiet: findings only, or the verdict when no finding carries it', () => {
    const q = formatRouteText(style, statusRoute(404), undefined, [], { offline: true, quiet: true, exitCode: 1 });
    expect(q).toBe('✗ Apache answers 404 Not Found itself\n');
    const ok = formatRouteText(style, staticRoute(), undefined, [], { offline: true, quiet: true, exitCode: 0 });
    expect(ok.trim()).toBe('');
  });

  it('uncertain, and .htaccess problems with file:line', () => {
    const route: Route = {
      ...statusRoute(500),
      uncertain: ["RewriteCond %{HTTP_COOKIE} depends on the request's cookies"],
      htaccess: [
        {
          file: '/srv/blog/.htaccess',
          line: 3,
          directive: 'php_value',
          kind: 'unknown',
          message:
            "Invalid command 'php_value', perhaps misspelled or defined by a module not included in the server configuration",
        },
      ],
    };
    const t = text(route);
    expect(t).toContain('not decided statically:');
    expect(t).toContain("? RewriteCond %{HTTP_COOKIE} depends on the request's cookies");
    expect(t).toContain("/srv/blog/.htaccess:3 php_value: Invalid command 'php_value'");
  });

  it('Apache starts the process: no request, and why', () => {
    const route = fastcgiRoute({}, null);
    const t = text(route, {
      expectations: [],
      findings: [],
      skipped:
        'mod_fcgid starts the application itself and talks to it over a socket it makes up: there is no endpoint fcgi-doctor could ask directly',
    });
    expect(t).toContain('a process Apache starts itself');
    expect(t).toContain('no request sent: mod_fcgid starts the application itself');
  });

  it('the live answer beside what a browser would see', () => {
    const t = text(fastcgiRoute(), liveOf('Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\nFile not found.\n'));
    expect(t).toContain('The backend answered:');
    expect(t).toContain('✗ 404 Not Found from /run/php/php8.2-fpm.sock');
    expect(t).toContain('✗ A browser would see 404 Not Found  Content-Type: text/html');
    const down = text(fastcgiRoute(), {
      target: { kind: 'unix', path: '/run/php/php8.2-fpm.sock' },
      where: '/run/php/php8.2-fpm.sock',
      error: new FcgiClientError('connect-missing', 'no such socket', { phase: 'connect' }),
      expectations: [],
      findings: [],
      browser: apacheAnswerForClientError(new FcgiClientError('connect-missing', 'x', { phase: 'connect' })),
    });
    expect(down).toContain('✗ no such socket');
    expect(down).toContain('A browser would see 503 Service Unavailable');
  });

  it("nginx's words: server and server_name, fastcgi_pass and its upstream, nginx's own statuses and source", () => {
    const base = fastcgiRoute({}, 'unix:/run/php/php8.2-fpm.sock');
    const route: Route = {
      ...base,
      vhost: { file: '/etc/nginx/sites-enabled/shop', line: 1, serverName: 'shop.example.org' },
      handler: 'fastcgi_pass',
      backend: {
        ...base.backend!,
        module: 'nginx',
        mode: 'proxy',
        upstream: {
          name: 'php',
          file: '/etc/nginx/conf.d/php.conf',
          line: 1,
          servers: ['unix:/run/php/php8.2-fpm.sock'],
        },
      },
    };
    const live = {
      ...liveOf('Status: 502\r\n\r\n'),
      browser: { status: 504, why: 'the backend did not answer in time', basis: 'source' as const },
    };
    const t = formatRouteText(style, route, live, [], { offline: false, server: 'nginx' });
    expect(t).toContain('server /etc/nginx/sites-enabled/shop:1 (server_name shop.example.org)');
    expect(t).toContain('FastCGI: fastcgi_pass → unix:/run/php/php8.2-fpm.sock (upstream php)');
    expect(t).not.toMatch(/^ {2}handler {2}/m);
    expect(t).toContain("(read from nginx's source)");
    const s = formatRouteText(style, { ...statusRoute(404), vhost: route.vhost }, undefined, [], {
      offline: true,
      server: 'nginx',
    });
    expect(s).toContain('nginx answers 404 Not Found itself');
    expect(s).not.toContain('Apache answers 404 Not Found itself');
  });

  it('escapes hostile paths, params and answers', () => {
    const evil = 'a\u001b]0;pwned\u0007b\rc\u202ed\ne';
    const route: Route = {
      ...fastcgiRoute({ [`HTTP_X_${evil}`]: evil }),
      url: `http://x/${evil}`,
      file: `/srv/${evil}`,
      handler: `proxy:${evil}`,
      steps: [{ what: evil, file: `/etc/${evil}`, line: 2, text: evil }],
      uncertain: [evil],
    };
    const t = text(
      route,
      liveOf(
        `Content-Type: text/${evil.replace(/\n/g, '')}\r\nX-Evil: \u001b[2J\r\n\r\n\u001b]0;title\u0007body\u009b31m`,
        `\u001b[31mred`,
      ),
    );
    expect(t).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(t).toContain('\\e]0;pwned\\x07b\\rc\\u202ed\\ne');
    expectValid(route, liveOf('Content-Type: text/plain\r\n\r\n\u009b31m'));
  });
});

describe('trace JSON', () => {
  it('every outcome validates against the schema and carries the contract members', () => {
    for (const route of [
      fastcgiRoute(),
      staticRoute(),
      statusRoute(404),
      statusRoute(301, '/new'),
      fastcgiRoute({}, null),
    ]) {
      const json = expectValid(route);
      const trace = json.trace as Record<string, unknown>;
      for (const k of ['url', 'vhost', 'steps', 'file', 'handler', 'outcome', 'uncertain'])
        expect(trace).toHaveProperty(k);
      if (route.outcome === 'status') expect(trace.status).toBe(route.status);
      if (route.outcome === 'fastcgi')
        expect((trace.backend as Record<string, unknown>).params).toEqual(route.backend!.params);
    }
  });

  it('the main server (vhost null) and a live answer with browser and response members', () => {
    const json = expectValid({ ...fastcgiRoute(), vhost: null }, liveOf('Location: /x\r\n\r\n'));
    expect((json.trace as Record<string, unknown>).vhost).toBeNull();
    expect(json.response).toMatchObject({ status: 302 });
    expect(json.browser).toMatchObject({ status: 200, location: '/x', basis: 'observed' });
  });

  it('a request that was not sent says why', () => {
    const json = expectValid(fastcgiRoute({}, null), {
      expectations: [],
      findings: [],
      skipped: 'mod_fcgid starts it',
    });
    expect(json.notSent).toBe('mod_fcgid starts it');
  });

  it('the schema refuses a status outcome without a status, and a fastcgi outcome without a backend', () => {
    const bad = (trace: Record<string, unknown>) =>
      validate({ ...buildEnvelope('0', 'trace', 'u', []), trace: JSON.parse(JSON.stringify(trace)) });
    const { status: _s, ...noStatus } = statusRoute(404);
    expect(bad(noStatus)).toBe(false);
    const { backend: _b, ...noBackend } = fastcgiRoute();
    expect(bad(noBackend)).toBe(false);
  });
});
