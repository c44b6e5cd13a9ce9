/**
 * `check` for nginx on a real nginx (Debian's /usr/sbin/nginx under a private
 * prefix) in front of a real PHP-FPM: Debian's default site with the PHP
 * snippet stays free of errors and warnings, and each check that depends on
 * the machine or on a live answer fires where the configuration is broken the
 * way it describes. Missing servers skip locally, fail on CI.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeNginxForCheck } from '../../src/checks/nginx/index.js';
import { runProbes } from '../../src/checks/probes/index.js';
import { runCheck, type CheckReport } from '../../src/checks/run.js';
import { nginxWebRequests } from '../../src/checks/nginx/http.js';
import { httpGet } from '../../src/checks/http/webGet.js';
import { liveSystem } from '../../src/system/index.js';
import { summarizeCheck } from '../../src/report/checkSummary.js';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Debian's www-data (uid and gid 33). */
const WWW_DATA = 33;
import { NGINX_BINARY, startNginx, type NginxServer } from './harness/nginx.js';
import { makeTempDir } from './harness/tempdir.js';
import { startPhpFpm, type StartPhpFpmOptions } from './harness/phpFpm.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';

const has = (b: { name: string; path: string; pkg: string }) => requireBinary(b.name, b.path, b.pkg);
const haveServers = has(BINARIES.nginx) && has(BINARIES.phpFpm);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SCRIPTS = { 'index.php': '<?php echo "hello from php";', 'uploads/avatar.jpg': 'GIF89a <?php echo "ran"; ?>' };

/** A pool, an nginx whose server block is `server(sock, docRoot, port)`, and `check` of that nginx run as the CLI runs it. */
async function site(
  server: (sock: string, docRoot: string, port: number) => string,
  pool: StartPhpFpmOptions = {},
  opts: { http?: boolean; before?: (nginx: NginxServer) => Promise<void> } = {},
): Promise<{ report: CheckReport; nginx: NginxServer; sock: string }> {
  const fpm = await startPhpFpm({ scripts: SCRIPTS, ...pool });
  cleanups.push(() => fpm.stop());
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  const nginx = await startNginx({
    main: 'user www-data;',
    http: (ctx) => server(sock, fpm.docRoot, ctx.port),
  });
  cleanups.push(() => nginx.stop());
  await opts.before?.(nginx);
  const analysis = analyzeNginxForCheck({ root: nginx.confPath });
  if (!analysis) throw new Error('no nginx configuration');
  const system = liveSystem({ fpmConfigs: [fpm.confPath] });
  const report = await runCheck(
    { env: {}, offline: false, timeoutMs: 5000, toolVersion: 'test', analysis },
    (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: 2000 }),
    opts.http ? (model, traced) => nginxWebRequests(model, traced, { get: httpGet, timeoutMs: 5000 }) : undefined,
  );
  expect(report.internalErrors).toEqual([]);
  return { report, nginx, sock };
}

const debianSite = (sock: string, docRoot: string, port: number) => `
server {
    listen ${port} default_server;
    root ${docRoot};
    index index.php index.html;
    server_name _;
    location / {
        try_files $uri $uri/ =404;
    }
    location ~ \\.php$ {
        include snippets/fastcgi-php.conf;
        fastcgi_pass unix:${sock};
    }
}
`;

/** A GET through nginx with headers fetch() would not send as written (Proxy:), the body as text. */
function getThrough(port: number, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, headers }, (m) => {
      let body = '';
      m.setEncoding('utf8');
      m.on('data', (c: string) => {
        body += c;
      });
      m.on('end', () => resolve(body));
    });
    r.on('error', reject);
    r.setTimeout(5000, () => r.destroy(new Error('no answer within 5 s')));
    r.end();
  });
}

const ids = (r: CheckReport) => r.findings.map((f) => f.id);
const serious = (r: CheckReport) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.id}: ${f.message}`);

describe.skipIf(!haveServers)('check on a real nginx and PHP-FPM', () => {
  it("Debian's default site with the PHP snippet: no error, no warning, and a real script asked with nginx's params", async () => {
    const { report, nginx } = await site(debianSite);
    expect(serious(report)).toEqual([]);
    const r = report.requests[0];
    expect(r?.level).toBe('script');
    expect(r?.response?.status).toBe(200);
    expect(r?.response?.body.toString()).toContain('hello from php');
    expect(r?.route?.backend?.params['SCRIPT_FILENAME']).toMatch(/\/index\.php$/);
    expect(report.logsScanned).toContain(`${nginx.prefix}logs/error.log`);
  });

  it('fastcgi-param-missing: include fastcgi_params alone, and PHP-FPM answers "File not found." to the real request', async () => {
    const { report, nginx } = await site(
      (sock, docRoot, port) =>
        debianSite(sock, docRoot, port).replace('include snippets/fastcgi-php.conf;', 'include fastcgi_params;'),
      {},
      // A visitor's request first: nginx's error log then holds FPM's "Primary script unknown".
      { before: async (n) => void (await (await fetch(`http://127.0.0.1:${n.port}/index.php`)).text()) },
    );
    expect(ids(report)).toContain('fastcgi-param-missing');
    expect(report.requests[0]?.response?.status).toBe(404);
    // The report says the request carried no SCRIPT_FILENAME, as nginx's would not.
    expect(summarizeCheck(report).setups[0]?.request?.scriptSent).toBe(false);
    expect(ids(report)).toContain('primary-script-unknown');
    // The error log nginx's configuration names, read against the catalog.
    const fromLog = report.findings.filter((f) => f.evidence.some((e) => e.kind === 'log'));
    const logText = fromLog.flatMap((f) => f.evidence.filter((e) => e.kind === 'log').map((e) => e.text)).join('\n');
    expect(logText).toContain('FastCGI sent in stderr: "Primary script unknown"');
    expect(logText).toContain('[rule fpm-primary-script-unknown]');
    expect(report.logsScanned).toContain(`${nginx.prefix}logs/error.log`);
  });

  it('split-path-info-unchecked: the CVE-2019-11043 preconditions (the Debian snippet case above stays quiet)', async () => {
    const broken = (sock: string, docRoot: string, port: number) =>
      debianSite(sock, docRoot, port).replace(
        'include snippets/fastcgi-php.conf;',
        'fastcgi_split_path_info ^(.+?\\.php)(/.*)$;\n        include fastcgi.conf;\n        fastcgi_param PATH_INFO $fastcgi_path_info;',
      );
    const { report } = await site(broken);
    expect(ids(report)).toContain('split-path-info-unchecked');
  });

  it("fix-pathinfo-exec: location ~ \\.php$ without try_files, PHP's default cgi.fix_pathinfo=1, limit_extensions emptied", async () => {
    const bare = (sock: string, docRoot: string, port: number) =>
      debianSite(sock, docRoot, port).replace('include snippets/fastcgi-php.conf;', 'include fastcgi.conf;');
    const { report, nginx } = await site(bare, { limitExtensions: [] });
    const f = report.findings.find((x) => x.id === 'fix-pathinfo-exec');
    expect(f?.severity).toBe('error');
    // What the finding says, shown on the real servers: the uploaded "image" runs as PHP.
    const res = await fetch(`http://127.0.0.1:${nginx.port}/uploads/avatar.jpg/x.php`);
    expect(await res.text()).toContain('GIF89a ran');
  });

  it('fix-pathinfo-guarded: the same location with FPM\'s default security.limit_extensions, which the real FPM holds to (403 "Access denied.")', async () => {
    const bare = (sock: string, docRoot: string, port: number) =>
      debianSite(sock, docRoot, port).replace('include snippets/fastcgi-php.conf;', 'include fastcgi.conf;');
    const { report, nginx } = await site(bare);
    expect(ids(report)).not.toContain('fix-pathinfo-exec');
    expect(report.findings.find((x) => x.id === 'fix-pathinfo-guarded')?.severity).toBe('info');
    // What the note says, shown on the real servers: PHP falls back to the image, the pool refuses to run it.
    const res = await fetch(`http://127.0.0.1:${nginx.port}/uploads/avatar.jpg/x.php`);
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('Access denied.');
    expect(body).not.toContain('ran');
  });

  it('script-filename-mismatch: a SCRIPT_FILENAME written out for an old root, and the live 404 it causes', async () => {
    const { report } = await site((sock, docRoot, port) =>
      debianSite(sock, docRoot, port).replace(
        'fastcgi_pass unix:',
        'fastcgi_param SCRIPT_FILENAME /srv/old-root$fastcgi_script_name;\n        fastcgi_pass unix:',
      ),
    );
    expect(ids(report)).toContain('script-filename-mismatch');
    expect(report.requests[0]?.response?.status).toBe(404);
  });

  it('upstream-header-too-big: 6 KB of headers in 4k, nginx answers 502; quiet with fastcgi_buffer_size 16k', async () => {
    const big = { scripts: { 'index.php': '<?php header("X-Big: " . str_repeat("a", 6000)); echo "big";' } };
    const { report, nginx } = await site(debianSite, big);
    expect(report.findings.find((x) => x.id === 'upstream-header-too-big')?.message).toContain(
      "nginx's default fastcgi_buffer_size 4k",
    );
    expect((await fetch(`http://127.0.0.1:${nginx.port}/index.php`)).status).toBe(502);
    const roomy = await site(
      (sock, docRoot, port) =>
        debianSite(sock, docRoot, port).replace(
          'fastcgi_pass unix:',
          'fastcgi_buffer_size 16k;\n        fastcgi_buffers 16 16k;\n        fastcgi_pass unix:',
        ),
      big,
    );
    expect(ids(roomy.report)).not.toContain('upstream-header-too-big');
    expect((await fetch(`http://127.0.0.1:${roomy.nginx.port}/index.php`)).status).toBe(200);
  });

  it('--http: source-served-as-text where a PHP location matches only index.php (Laravel style) and try_files serves other .php files', async () => {
    const laravel = (sock: string, docRoot: string, port: number) => `
server {
    listen ${port};
    root ${docRoot};
    index index.php;
    location / {
        try_files $uri $uri/ /index.php?$query_string;
    }
    location ~ ^/index\\.php(/|$) {
        fastcgi_pass unix:${sock};
        fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;
        include fastcgi_params;
    }
}
`;
    const scripts = { scripts: { ...SCRIPTS, 'other.php': '<?php $password = "secret";' } };
    const { report } = await site(laravel, scripts, { http: true });
    const f = report.findings.filter((x) => x.id === 'source-served-as-text');
    expect(f.map((x) => x.message).join('\n')).toContain('/other.php');
    // The healthy Debian site asked the same way: nothing served as text.
    const healthy = await site(debianSite, scripts, { http: true });
    expect(serious(healthy.report)).toEqual([]);
  });

  // The harness's nginx runs as root (master_process off), so a file its workers may not read cannot be
  // staged; the contradiction staged is the commonest real one: the file on disk changed, nginx not reloaded.
  it('--http route-mismatch: nginx answers otherwise than the configuration on disk says (not reloaded)', async () => {
    const { report } = await site(
      debianSite,
      {},
      {
        http: true,
        before: async (nginx) => {
          const text = readFileSync(nginx.confPath, 'utf8');
          writeFileSync(
            nginx.confPath,
            text.replace('    location / {', '    location = /index.php { return 403; }\n    location / {'),
          );
        },
      },
    );
    const f = report.findings.filter((x) => x.id === 'route-mismatch');
    expect(f).toHaveLength(1);
    expect(f[0]?.severity).toBe('warning');
    expect(f[0]?.message).toMatch(
      /\/index\.php .*nginx answered 200; the configuration on disk says the request is answered by nginx itself with status 403/,
    );
    expect(f[0]?.fix).toContain('reload nginx');
  });

  it('--http: quiet where nginx answers as predicted, and where the prediction is uncertain (a map)', async () => {
    const healthy = await site(debianSite, {}, { http: true });
    expect(ids(healthy.report)).not.toContain('route-mismatch');
    const mapped = await site(
      (sock, docRoot, port) =>
        `map $http_x_mode $deny { default 0; block 1; }\n${debianSite(sock, docRoot, port).replace(
          '    location / {',
          '    location = /index.php { if ($deny) { return 403; } include snippets/fastcgi-php.conf; fastcgi_pass unix:' +
            sock +
            '; }\n    location / {',
        )}`,
      {},
      { http: true },
    );
    expect(ids(mapped.report)).not.toContain('route-mismatch');
  });

  it('fastcgi-params-dropped: one fastcgi_param in the PHP location drops every one the server level set; PHP-FPM then gets no SCRIPT_FILENAME and answers a blank page', async () => {
    const { report } = await site((sock, docRoot, port) =>
      debianSite(sock, docRoot, port)
        .replace('    index index.php index.html;', '    index index.php index.html;\n    include fastcgi.conf;')
        .replace('        include snippets/fastcgi-php.conf;', '        fastcgi_param APP_ENV production;'),
    );
    expect(ids(report)).toContain('fastcgi-params-dropped');
    // What the real request shows: nginx sent PHP no SCRIPT_FILENAME, and FPM answers 404.
    expect(report.requests[0]?.route?.backend?.params['SCRIPT_FILENAME']).toBeUndefined();
    // PHP-FPM 8.2 given no SCRIPT_FILENAME (nor REQUEST_METHOD) answers an empty page, not a 404.
    expect(report.requests[0]?.response?.status).toBe(200);
    expect(report.requests[0]?.response?.body.toString()).toBe('');
  });

  it('httpoxy-not-mitigated: info behind a current PHP-FPM, which drops the header itself (seen here); quiet with fastcgi_param HTTP_PROXY ""', async () => {
    const scripts = {
      ...SCRIPTS,
      'proxy.php':
        '<?php echo "proxy=", $_SERVER["HTTP_PROXY"] ?? "none"; echo " keys=", implode(",", array_filter(array_keys($_SERVER), fn($k) => str_starts_with($k, "HTTP_")));',
    };
    const open = await site(debianSite, { scripts });
    expect(open.report.findings.find((f) => f.id === 'httpoxy-not-mitigated')?.severity).toBe('info');
    const leaked = await getThrough(open.nginx.port, '/proxy.php', { Proxy: 'http://attacker.example:8080' });
    // nginx passes Proxy: as HTTP_PROXY (the routing corpus's httpoxy case, against the echo app); PHP-FPM 8.2 drops it.
    expect(leaked).toMatch(/^proxy=none keys=/);
    expect(leaked).toContain('HTTP_HOST');

    const closed = await site(
      (sock, docRoot, port) =>
        debianSite(sock, docRoot, port).replace(
          '        fastcgi_pass unix:',
          '        fastcgi_param HTTP_PROXY "";\n        fastcgi_pass unix:',
        ),
      { scripts },
    );
    expect(ids(closed.report)).not.toContain('httpoxy-not-mitigated');
    const kept = await getThrough(closed.nginx.port, '/proxy.php', { Proxy: 'http://attacker.example:8080' });
    expect(kept).toMatch(/^proxy=none/);
  });

  it("fastcgi-intercept-errors: nginx's error page replaces the backend's own 500 (quiet on the default site above)", async () => {
    const scripts = { ...SCRIPTS, 'fail.php': '<?php http_response_code(500); echo "the application says why";' };
    const { report, nginx } = await site(
      (sock, docRoot, port) =>
        debianSite(sock, docRoot, port).replace(
          '        fastcgi_pass unix:',
          '        fastcgi_intercept_errors on;\n        error_page 500 /50x.txt;\n        fastcgi_pass unix:',
        ),
      { scripts: { ...scripts, '50x.txt': 'nginx error page' } },
    );
    expect(report.findings.find((f) => f.id === 'fastcgi-intercept-errors')?.severity).toBe('info');
    const answer = await (await fetch(`http://127.0.0.1:${nginx.port}/fail.php`)).text();
    expect(answer).not.toContain('the application says why');
  });

  it('timeouts-inverted: the pool lets a script run 300s but nginx gives up after fastcgi_read_timeout 5s; quiet when nginx waits longer', async () => {
    const inverted = await site(
      (sock, docRoot, port) =>
        debianSite(sock, docRoot, port).replace(
          '        fastcgi_pass unix:',
          '        fastcgi_read_timeout 5s;\n        fastcgi_pass unix:',
        ),
      { requestTerminateTimeout: '300s' },
    );
    expect(ids(inverted.report)).toContain('timeouts-inverted');
    const fine = await site(
      (sock, docRoot, port) =>
        debianSite(sock, docRoot, port).replace(
          '        fastcgi_pass unix:',
          '        fastcgi_read_timeout 600s;\n        fastcgi_pass unix:',
        ),
      { requestTerminateTimeout: '300s' },
    );
    expect(ids(fine.report)).not.toContain('timeouts-inverted');
  });

  it('socket-permission-denied: the pool socket is root-only, nginx runs as www-data', async () => {
    const { report, sock } = await site(debianSite, { listenOwner: null, listenGroup: null, listenMode: '0600' });
    const f = report.findings.find((x) => x.id === 'socket-permission-denied');
    expect(f?.message).toContain(`www-data, the user nginx's workers run as, may not connect to ${sock}`);
  });

  it("script-unreadable: the pool's user may not enter the root nginx serves (nginx's www-data may, through its group); quiet with a pool as www-data", async () => {
    const lockedRoot = async (nginx: NginxServer) => {
      const root = /root (\S+);/.exec(readFileSync(nginx.confPath, 'utf8'))?.[1] ?? '';
      chownSync(root, 0, WWW_DATA);
      chmodSync(root, 0o750);
    };
    const { report, nginx } = await site(debianSite, { user: 'nobody', group: 'nogroup' }, { before: lockedRoot });
    const f = report.findings.find((x) => x.id === 'script-unreadable');
    expect(f?.message).toMatch(/runs \S+\/index\.php as nobody/);
    expect(f?.evidence.map((e) => e.text).join('\n')).toContain('user = nobody');
    expect(f?.evidence.map((e) => e.text).join('\n')).toContain('fastcgi_pass unix:');
    // What the visitor gets through the real nginx: PHP-FPM cannot open the script.
    const answer = await fetch(`http://127.0.0.1:${nginx.port}/index.php`);
    expect([403, 404]).toContain(answer.status);
    const fine = await site(debianSite, { user: 'www-data', group: 'www-data' }, { before: lockedRoot });
    expect(ids(fine.report)).not.toContain('script-unreadable');
    expect(serious(fine.report)).toEqual([]);
  });

  it('status-page-exposed: location = /status passed to the pool, traced through routeNginx', async () => {
    const { report } = await site(
      (sock, docRoot, port) =>
        debianSite(sock, docRoot, port).replace(
          '    location / {',
          `    location = /status { include fastcgi.conf; fastcgi_pass unix:${sock}; }\n    location / {`,
        ),
      { statusPath: '/status' },
    );
    expect(ids(report)).toContain('status-page-exposed');
  });

  it('nginx-config-error: what nginx -t refuses, at the file and line nginx names', () => {
    const tmp = makeTempDir('nginx-broken');
    cleanups.push(() => tmp.remove());
    mkdirSync(tmp.join('sites-enabled'));
    writeFileSync(
      tmp.join('nginx.conf'),
      `pid ${tmp.join('nginx.pid')};\nerror_log ${tmp.join('error.log')};\nevents {}\nhttp {\n  include ${tmp.join('sites-enabled')}/*;\n}\n`,
    );
    writeFileSync(
      tmp.join('sites-enabled', 'shop'),
      'server {\n  listen 8089;\n  location ~ \\.php$ {\n    include fastcgi.conf\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n',
    );
    const t = spawnSync(NGINX_BINARY, ['-t', '-c', tmp.join('nginx.conf'), '-p', `${tmp.path}/`], { encoding: 'utf8' });
    expect(t.status).not.toBe(0);
    const at = / in (\S+):(\d+)\s*$/m.exec(t.stderr);
    expect(at).not.toBeNull();
    const analysis = analyzeNginxForCheck({ root: tmp.join('nginx.conf') });
    const f = analysis?.findings.filter((x) => x.id === 'nginx-config-error' && x.severity === 'error') ?? [];
    expect(f.map((x) => [x.location?.file, x.location?.line])).toContainEqual([at?.[1], Number(at?.[2])]);
  });
});
