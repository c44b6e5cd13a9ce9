import { describe, expect, it } from 'vitest';
import {
  compareAnswer,
  isApacheErrorPage,
  looksLikeSource,
  webRequests,
  type SetupUrl,
  type WebAnswer,
} from '../../../src/checks/http/webRequest.js';
import { urlForSetup } from '../../../src/checks/http/setupUrl.js';
import { vhostAddress, webTargets, type WebTarget } from '../../../src/checks/http/webTargets.js';
import type { DiscoveredScript, Discovery } from '../../../src/checks/discovery/discover.js';
import type { SetupRequestResult } from '../../../src/checks/request/setupRequest.js';
import type { Route } from '../../../src/routing/types.js';
import { analyzeStrict as analyzeConfig } from '../strict.js';
import { MemoryFileSource } from '../../../src/apache/source.js';

function model(vhost: string, root = '') {
  const files: Record<string, string> = { '/srv/site.conf': vhost };
  if (root) files['/srv/httpd.conf'] = `${root}Include /srv/site.conf\n`;
  const source = new MemoryFileSource(files);
  return analyzeConfig(
    root
      ? { root: '/srv/httpd.conf', target: '/srv/site.conf', source, env: {} }
      : { target: '/srv/site.conf', source, env: {} },
  ).model;
}

const PHP_VHOST =
  '<VirtualHost *:8080>\nServerName site.test\nDocumentRoot /var/www/site\n<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php/php.sock|fcgi://localhost"\n</FilesMatch>\n</VirtualHost>\n';

describe('urlForSetup (the fallback for a setup discovery found no script of)', () => {
  it('takes an existing file a <FilesMatch> handler serves, on the vhost port, with its ServerName', () => {
    const m = model(PHP_VHOST);
    const url = urlForSetup(m, m.setups[0]!, (p) => p === '/var/www/site/index.php');
    expect(url).toEqual({ host: '127.0.0.1', port: 8080, path: '/index.php', hostHeader: 'site.test' });
  });
  it('gives up rather than guess a file that does not exist', () => {
    const m = model(PHP_VHOST);
    expect(urlForSetup(m, m.setups[0]!, () => false)).toBeUndefined();
  });
  it("takes a mod_fastcgi app's place under DocumentRoot (the seed's /app.py)", () => {
    const m = model(
      '<VirtualHost *:80>\nServerName test\nDocumentRoot /var/www/test/htdocs/\n<Files app.py>\nSetHandler fastcgi-script\n</Files>\nFastCgiExternalServer /var/www/test/htdocs/app.py -socket /run/app.sock\n</VirtualHost>\n',
    );
    expect(urlForSetup(m, m.setups[0]!, () => false)).toMatchObject({ port: 80, path: '/app.py', hostHeader: 'test' });
  });
  it('takes a ProxyPass path', () => {
    const m = model(
      '<VirtualHost *:80>\nServerName api.test\nProxyPass /api/ fcgi://127.0.0.1:9000/srv/api/\n</VirtualHost>\n',
    );
    expect(urlForSetup(m, m.setups[0]!, () => false)?.path).toBe('/api/');
  });
});

describe("the vhost's own address", () => {
  it('a vhost bound to an address is asked there; a "*" one at the Listen address of its port, else the loopback', () => {
    const m = model(
      '<VirtualHost 10.1.2.3:8080>\nServerName a.test\n</VirtualHost>\n<VirtualHost *:8081>\nServerName b.test\n</VirtualHost>\n<VirtualHost *:8082>\nServerName c.test\n</VirtualHost>\n',
      'Listen 8080\nListen 192.0.2.7:8081\nListen 0.0.0.0:8082\n',
    );
    const [a, b, c] = m.vhosts;
    expect(vhostAddress(m, a, 8080)).toBe('10.1.2.3');
    expect(vhostAddress(m, b, 8081)).toBe('192.0.2.7');
    expect(vhostAddress(m, c, 8082)).toBe('127.0.0.1');
    expect(vhostAddress(m, undefined, 80)).toBe('127.0.0.1');
  });
});

// Hand-built routes and discoveries: the comparison, not the routing model, is under test here.
const m = model(PHP_VHOST);
const setup = m.setups[0]!;
const SCRIPT = '/var/www/site/index.php';
const PHP_SOURCE = '<html><body><?php echo "hi"; ?></body></html>\n';

function route(over: Partial<Route> = {}): Route {
  const url = 'http://site.test:8080/index.php';
  return {
    url,
    request: { url, scheme: 'http', host: 'site.test', port: 8080, method: 'GET', path: '/index.php', headers: {} },
    vhost: { file: '/srv/site.conf', line: 1, serverName: 'site.test' },
    steps: [
      { what: 'vhost', file: '/srv/site.conf', line: 1, text: 'ServerName site.test' },
      {
        what: 'handler',
        file: '/srv/site.conf',
        line: 5,
        text: 'SetHandler "proxy:unix:/run/php/php.sock|fcgi://localhost"',
      },
    ],
    file: SCRIPT,
    handler: 'proxy:unix:/run/php/php.sock|fcgi://localhost',
    outcome: 'fastcgi',
    backend: {
      module: 'proxy_fcgi',
      mode: 'external',
      target: 'unix:/run/php/php.sock',
      params: { SCRIPT_FILENAME: `proxy:fcgi://localhost${SCRIPT}` },
    },
    uncertain: [],
    htaccess: [],
    ...over,
  } as Route;
}

function discovered(r: Route): DiscoveredScript {
  return {
    site: {
      vhost: m.vhosts[0],
      label: 'vhost site.test',
      scheme: 'http',
      host: 'site.test',
      port: 8080,
      roots: [],
      directoryIndex: ['index.php'],
    },
    setup,
    file: SCRIPT,
    url: r.url,
    why: 'directory-index',
    route: r,
  };
}

const URL8080: SetupUrl = {
  scheme: 'http',
  host: '127.0.0.1',
  port: 8080,
  path: '/index.php',
  hostHeader: 'site.test:8080',
};

function direct(status: number, extra: Partial<SetupRequestResult> = {}): SetupRequestResult {
  return {
    setup,
    target: { kind: 'unix', path: '/run/php/php.sock' },
    script: SCRIPT,
    scriptKnown: true,
    url: 'http://site.test:8080/index.php',
    findings: [],
    response: { status, statusText: '', headers: [], body: Buffer.from(''), stderr: '' },
    ...extra,
  } as SetupRequestResult;
}

function target(r: Route | undefined, d?: SetupRequestResult): WebTarget {
  return { url: URL8080, setup, ...(r ? { route: r, script: discovered(r) } : {}), ...(d ? { direct: d } : {}) };
}

const readHead = (p: string, n: number) => (p === SCRIPT ? Buffer.from(PHP_SOURCE).subarray(0, n) : undefined);
const APACHE_404 =
  '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n';
const APACHE_403 = APACHE_404.replace(/404 Not Found/, '403 Forbidden').replace('<h1>Not Found', '<h1>Forbidden');

function ids(t: WebTarget, a: WebAnswer) {
  return compareAnswer(t, a, { readHead }).map((f) => `${f.id}/${f.severity}`);
}

describe('source served as text', () => {
  it('PHP source or a #! script with status 200, whatever the prediction', () => {
    expect(ids(target(undefined), { status: 200, head: '<?php echo "x";' })).toEqual(['source-served-as-text/error']);
    expect(ids(target(route()), { status: 200, head: '\uFEFF  #!/usr/bin/python3\nprint(1)' })).toEqual([
      'source-served-as-text/error',
    ]);
    expect(ids(target(route({ outcome: 'static' })), { status: 200, head: '<?= $x ?>' })).toEqual([
      'source-served-as-text/error',
    ]);
    expect(looksLikeSource('<?= $x ?>')).toBeDefined();
  });
  it("by a PHP file's own Content-Type (AddType left from mod_php), even when the body starts with HTML", () => {
    for (const type of ['application/x-httpd-php', 'text/x-php; charset=utf-8'])
      expect(ids(target(route({ outcome: 'static' })), { status: 200, head: PHP_SOURCE, contentType: type })).toEqual([
        'source-served-as-text/error',
      ]);
  });
  it('by the bytes of the script itself where the route sends it to a backend; the message blames the running Apache', () => {
    const [f] = compareAnswer(
      target(route()),
      { status: 200, head: PHP_SOURCE, contentType: 'text/html' },
      { readHead },
    );
    expect(f?.id).toBe('source-served-as-text');
    expect(f?.message).toMatch(
      /configuration on disk sends this URL to a FastCGI backend .*does not run this configuration/,
    );
    expect(f?.fix).toContain('apachectl configtest && systemctl reload apache2');
  });
  it('a .php file with no PHP tag prints itself through PHP: its bytes alone are no source', () => {
    const plain = '<html><body>plain</body></html>\n';
    const plainHead = (p: string, n: number) => (p === SCRIPT ? Buffer.from(plain).subarray(0, n) : undefined);
    expect(
      compareAnswer(target(route()), { status: 200, head: plain, contentType: 'text/html' }, { readHead: plainHead }),
    ).toEqual([]);
  });
  it("stays quiet for the script's output, an error page, or a static route serving the file it predicted", () => {
    expect(
      ids(target(route()), { status: 200, head: '<!doctype html><p>&lt;?php</p>', contentType: 'text/html' }),
    ).toEqual([]);
    expect(ids(target(route({ outcome: 'status', status: 404 })), { status: 404, head: '<?php' })).toEqual([]);
    const readme = route({ outcome: 'static', file: SCRIPT });
    expect(ids(target(readme), { status: 200, head: PHP_SOURCE, contentType: 'text/html' })).toEqual([]);
  });
});

describe('route-mismatch', () => {
  it('a status other than the predicted one', () => {
    const denied = route({ outcome: 'status', status: 403, backend: undefined });
    expect(ids(target(denied), { status: 200, head: 'hello', contentType: 'text/html' })).toEqual([
      'route-mismatch/warning',
    ]);
    expect(ids(target(denied), { status: 403, head: APACHE_403 })).toEqual([]);
    const redirect = route({ outcome: 'status', status: 301, backend: undefined });
    expect(ids(target(redirect), { status: 302, head: '' })).toEqual(['route-mismatch/warning']);
    expect(ids(target(redirect), { status: 301, head: '', location: 'http://x/' })).toEqual([]);
  });
  it('a configuration file changed after the running Apache loaded it: said as a fact, with both times, and no doubt about the model', () => {
    const notReloaded = {
      file: '/srv/site.conf',
      changedAtMs: Date.UTC(2026, 11, 6, 15, 0, 0),
      loadedBeforeMs: Date.UTC(2026, 11, 6, 9, 30, 0),
      how: 'pid 100 from /run/apache2/apache2.pid',
    };
    const denied = route({ outcome: 'status', status: 403, backend: undefined });
    const [f] = compareAnswer(
      target(denied),
      { status: 200, head: 'hello', contentType: 'text/html' },
      { readHead, notReloaded },
    );
    expect(f?.id).toBe('route-mismatch');
    expect(f?.message).toContain(
      '/srv/site.conf was changed at 2026-12-06 15:00:00 UTC, after the running Apache (pid 100 from /run/apache2/apache2.pid) loaded its configuration (its oldest worker started at 2026-12-06 09:30:00 UTC): the change is not live, Apache was not reloaded.',
    );
    expect(f?.message).not.toContain("fcgi-doctor's model");
    expect(f?.fix).toContain('systemctl reload apache2');
  });
  it("a FastCGI route that Apache answers 403/404 itself (its own error page); not the backend's 404", () => {
    const [f] = compareAnswer(
      target(route()),
      { status: 404, head: APACHE_404, contentType: 'text/html' },
      { readHead },
    );
    expect(f?.id).toBe('route-mismatch');
    expect(f?.message).toMatch(/answered 404 itself.*unix:\/run\/php\/php\.sock.*not run this configuration/s);
    expect(f?.location).toEqual({ file: '/srv/site.conf', line: 5 });
    expect(f?.fix).toContain('apachectl configtest && systemctl reload apache2');
    expect(ids(target(route()), { status: 403, head: APACHE_403 })).toEqual(['route-mismatch/warning']);
    // PHP-FPM's own 404 ("File not found."): the backend answered, the request step says why.
    expect(ids(target(route()), { status: 404, head: 'File not found.\n' })).toEqual([]);
    // ProxyErrorOverride: Apache's page over the backend's 404, which the direct request saw too.
    expect(ids(target(route(), direct(404)), { status: 404, head: APACHE_404 })).toEqual([]);
    expect(ids(target(route()), { status: 200, head: 'hi', contentType: 'text/html' })).toEqual([]);
  });
  it('a static route that Apache runs as a script, or answers 404 for', () => {
    const stat = route({ outcome: 'static', backend: undefined, handler: null });
    expect(ids(target(stat), { status: 200, head: 'hi', contentType: 'text/html' })).toEqual([
      'route-mismatch/warning',
    ]);
    expect(ids(target(stat), { status: 404, head: APACHE_404 })).toEqual(['route-mismatch/warning']);
    // 403: a permission of the file, likelier than a routing difference.
    expect(ids(target(stat), { status: 403, head: APACHE_403 })).toEqual([]);
  });
  it('is info, and says the prediction was uncertain and why, where the model said so', () => {
    const r = route({
      outcome: 'status',
      status: 403,
      uncertain: ["RewriteCond %{HTTP_COOKIE} depends on the request's cookies"],
    });
    const [f] = compareAnswer(target(r), { status: 200, head: 'hi' }, { readHead });
    expect(f?.severity).toBe('info');
    expect(f?.message).toMatch(/prediction was uncertain \(RewriteCond %\{HTTP_COOKIE\}/);
    expect(f?.message).not.toMatch(/not run this configuration/);
  });
});

describe('5xx through the web server', () => {
  it('backend-error-status only where the backend answered the same request directly', () => {
    expect(ids(target(route(), direct(200)), { status: 503, head: 'Service Unavailable' })).toEqual([
      'backend-error-status/error',
    ]);
    const [f] = compareAnswer(target(route(), direct(200)), { status: 502, head: '' });
    expect(f?.message).toMatch(/answered the same request sent to it directly with 200/);
    // The direct request failed too: the request step has said it.
    expect(ids(target(route(), direct(500)), { status: 500, head: '' })).toEqual([]);
    expect(
      ids(target(route(), { ...direct(200), response: undefined, error: new Error('refused') as never }), {
        status: 503,
        head: '',
      }),
    ).toEqual([]);
    // Made as root on a socket www-data may not use: socket-permission-denied says it.
    expect(
      ids(target(route(), direct(200, { madeAs: { user: 'root', webUser: 'www-data', why: '' } })), {
        status: 503,
        head: '',
      }),
    ).toEqual([]);
  });
  it("another URL's direct request to the same backend: succeeded → this script fails; failed → already said", () => {
    const other = { ...direct(200), url: 'http://site.test:8080/other.php' } as SetupRequestResult;
    const [f] = compareAnswer({ ...target(route()), sameBackend: other }, { status: 500, head: '' });
    expect(f?.id).toBe('backend-error-status');
    expect(f?.message).toMatch(/direct request for another script with 200/);
    expect(compareAnswer({ ...target(route()), sameBackend: direct(503) }, { status: 503, head: '' })).toEqual([]);
    expect(compareAnswer({ ...target(undefined), sameBackend: direct(503) }, { status: 503, head: '' })).toEqual([]);
  });
  it('webTargets finds the request to the same backend by setup id', () => {
    const other = { ...direct(200), url: 'http://site.test:8080/other.php' } as SetupRequestResult;
    const r = route({ backend: { ...route().backend!, setupId: setup.id } });
    const t = webTargets(m, {
      discovery: { scripts: [discovered(r)], notices: [] },
      requests: [other],
      exists: () => true,
    });
    expect(t.targets[0]?.direct).toBeUndefined();
    expect(t.targets[0]?.sameBackend).toBe(other);
  });
  it('a process Apache starts (no direct request possible) is reported; a guessed URL too, as before', () => {
    const fcgid = route({ backend: { module: 'fcgid', mode: 'dynamic', target: null, params: {} } });
    expect(ids(target(fcgid), { status: 500, head: '' })).toEqual(['backend-error-status/error']);
    expect(ids(target(undefined), { status: 503, head: '' })).toEqual(['backend-error-status/error']);
    expect(ids(target(undefined), { status: 404, head: '<?php' })).toEqual([]);
  });
  it('a 500 the model predicted (an .htaccess Apache cannot run) is no finding of this step', () => {
    expect(
      ids(target(route({ outcome: 'status', status: 500, backend: undefined })), { status: 500, head: '' }),
    ).toEqual([]);
  });
});

describe("Apache's own error page", () => {
  it('is told from a backend page by the body ap_send_error_response writes', () => {
    expect(isApacheErrorPage(APACHE_404, 404)).toBe(true);
    expect(isApacheErrorPage(APACHE_404, 403)).toBe(false);
    expect(isApacheErrorPage('File not found.\n', 404)).toBe(false);
  });
});

describe('which URLs are asked', () => {
  const disc = (r: Route): Discovery => ({ scripts: [discovered(r)], notices: [] });

  it("the traced URLs at the vhost's address with the URL's host; the guess only for a setup with none", async () => {
    const calls: SetupUrl[] = [];
    const r = await webRequests(m, {
      timeoutMs: 1000,
      exists: () => true,
      discovery: disc(route()),
      requests: [direct(200)],
      get: async (u) => {
        calls.push(u);
        return { status: 200, head: 'ok', contentType: 'text/html' };
      },
    });
    expect(calls).toEqual([URL8080]);
    expect(r.findings).toEqual([]);
    const t = webTargets(m, { discovery: disc(route()), requests: [direct(200)], exists: () => true });
    expect(t.targets[0]?.direct?.url).toBe('http://site.test:8080/index.php');
  });
  it('without discovery: the guessed URL of each setup, asked once; a note for a setup with none', async () => {
    const calls: string[] = [];
    const r = await webRequests(m, {
      timeoutMs: 1000,
      exists: () => true,
      get: async (u) => {
        calls.push(`${u.host} ${u.hostHeader} ${u.path}`);
        return { status: 200, head: 'ok' };
      },
    });
    expect(calls).toEqual(['127.0.0.1 site.test /index.php']);
    expect(r.findings).toEqual([]);
    const none = await webRequests(m, {
      timeoutMs: 1000,
      exists: () => false,
      get: async () => ({ status: 200, head: '' }),
    });
    expect(none.notices[0]).toMatch(/no URL is known/);
  });
  it('at most maxUrls, said in a notice; a failed request is a notice, not a finding', async () => {
    const scripts = Array.from({ length: 30 }, (_, i) => {
      const r = route({ url: `http://site.test:8080/d${i}/index.php` });
      return { ...discovered(r), url: r.url };
    });
    let n = 0;
    const r = await webRequests(m, {
      timeoutMs: 1000,
      exists: () => true,
      discovery: { scripts, notices: [] },
      get: async () => {
        n++;
        throw new Error('connect ECONNREFUSED');
      },
    });
    // One failure per address: the other 19 are not asked, and a notice says so.
    expect(n).toBe(1);
    expect(r.findings).toEqual([]);
    expect(r.notices.some((x) => /30 URLs were traced; the first 20/.test(x))).toBe(true);
    expect(r.notices.filter((x) => /ECONNREFUSED/.test(x))).toHaveLength(1);
    expect(r.notices).toContain('--http: 19 more URLs at 127.0.0.1:8080 not asked after that failure.');
    let asked = 0;
    await webRequests(m, {
      timeoutMs: 1000,
      exists: () => true,
      discovery: { scripts, notices: [] },
      get: async () => {
        asked++;
        return { status: 200, head: 'ok' };
      },
    });
    expect(asked).toBe(20);
  });
});
