/**
 * runNginxTrace on nginx trees in memory (MemoryNginxSource) and a fixture
 * machine: the root located, the route, and the two findings trace adds
 * (nginx-config-error, fastcgi-param-missing), each where it fires and where
 * it must stay quiet; the answer model's edges that no real request reaches
 * cheaply (a header block at the edge of the buffer, fastcgi_intercept_errors).
 */
import { describe, expect, it } from 'vitest';
import { FcgiClientError } from '../../src/client/errors.js';
import {
  nginxAnswerForClientError,
  nginxAnswerForResponse,
  parseNginxSize,
} from '../../src/checks/request/nginxAnswer.js';
import { scriptFilenameFindings } from '../../src/checks/nginx/routeFindings.js';
import { answerContext, runNginxTrace } from '../../src/checks/traceNginx.js';
import { MemoryNginxSource } from '../../src/nginx/index.js';
import { parseRouteUrl } from '../../src/routing/url.js';
import { fixtureSystem } from '../../src/system/fixture.js';
import type { RouteRequest } from '../../src/routing/types.js';
import { answer } from '../report/routeSupport.js';

const FASTCGI_PARAMS = `fastcgi_param QUERY_STRING $query_string;
fastcgi_param REQUEST_METHOD $request_method;
fastcgi_param SCRIPT_NAME $fastcgi_script_name;
fastcgi_param REQUEST_URI $request_uri;
`;

function tree(location: string, extra = ''): MemoryNginxSource {
  return new MemoryNginxSource({
    '/etc/nginx/fastcgi_params': FASTCGI_PARAMS,
    '/etc/nginx/fastcgi.conf': `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n${FASTCGI_PARAMS}`,
    '/etc/nginx/nginx.conf': `events { }\nhttp {\n  server {\n    listen 80;\n    server_name shop.example.org;\n    root /srv/shop;\n${extra}    location ~ \\.php$ {\n${location}    }\n  }\n}\n`,
  });
}

const system = fixtureSystem({ files: { '/srv/shop/index.php': '<?php echo 1;' } });

function request(url: string): RouteRequest {
  const r = parseRouteUrl(url, {});
  if ('error' in r) throw new Error(r.error);
  return r;
}

async function trace(location: string, extra = '') {
  const out = await runNginxTrace(request('http://shop.example.org/index.php?x=1'), {
    offline: true,
    timeoutMs: 1000,
    system,
    source: tree(location, extra),
    asRoot: true,
    nginxVersion: () => '1.22.1',
  });
  if (!out.ok) throw new Error(out.why);
  return out;
}

describe('trace through nginx', () => {
  it('routes the request with the params of fastcgi.conf, and no finding', async () => {
    const t = await trace('      include fastcgi.conf;\n      fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n');
    expect(t.route.outcome).toBe('fastcgi');
    expect(t.route.backend?.target).toBe('unix:/run/php/php8.2-fpm.sock');
    expect(t.route.backend?.params.SCRIPT_FILENAME).toBe('/srv/shop/index.php');
    expect(t.route.steps.some((s) => s.file === '/etc/nginx/nginx.conf' && s.what === 'backend')).toBe(true);
    expect(t.findings).toEqual([]);
    expect(t.how).toBe('/etc/nginx/nginx.conf');
  });

  it('fastcgi_params alone: fastcgi-param-missing at the fastcgi_pass line', async () => {
    const t = await trace('      include fastcgi_params;\n      fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n');
    const f = t.findings.find((x) => x.id === 'fastcgi-param-missing');
    expect(f?.severity).toBe('error');
    expect(f?.location).toMatchObject({ file: '/etc/nginx/nginx.conf', line: 9 });
    expect(f?.message).toContain('Primary script unknown');
  });

  it('a Python app behind fastcgi_params needs no SCRIPT_FILENAME: quiet, unless the backend says Primary script unknown', async () => {
    const source = new MemoryNginxSource({
      '/etc/nginx/fastcgi_params': FASTCGI_PARAMS,
      '/etc/nginx/nginx.conf':
        'events { }\nhttp {\n  server {\n    listen 80;\n    location / {\n      include fastcgi_params;\n      fastcgi_param PATH_INFO $fastcgi_script_name;\n      fastcgi_pass 127.0.0.1:8000;\n    }\n  }\n}\n',
    });
    const out = await runNginxTrace(request('http://app.example.org/hello'), {
      offline: true,
      timeoutMs: 1000,
      system,
      source,
      asRoot: true,
    });
    if (!out.ok) throw new Error(out.why);
    expect(out.route.outcome).toBe('fastcgi');
    expect(out.findings).toEqual([]);
    expect(scriptFilenameFindings(out.route, 'Primary script unknown').map((f) => f.id)).toEqual([
      'fastcgi-param-missing',
    ]);
  });

  it('a configuration nginx refuses: nginx-config-error with its file:line, and the route still shown', async () => {
    const t = await trace(
      '      include fastcgi.conf;\n      fastcgi_pas unix:/x.sock;\n      fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n',
    );
    const f = t.findings.find((x) => x.id === 'nginx-config-error');
    expect(f).toMatchObject({ severity: 'error', location: { file: '/etc/nginx/nginx.conf', line: 9 } });
    expect(f?.message).toContain('unknown directive "fastcgi_pas"');
    expect(t.route.outcome).toBe('fastcgi');
  });

  it('trace and check word the same cause the same way (one source per finding)', async () => {
    const { analyzeNginx, runNginxConfigChecks } = await import('../../src/checks/nginx/index.js');
    const body =
      '      include fastcgi_params;\n      fastcgi_buffer_size 16k;\n      fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n';
    const t = await trace(body);
    const a = analyzeNginx({ root: '/etc/nginx/nginx.conf', source: tree(body) });
    if (!a) throw new Error('no configuration');
    const checked = runNginxConfigChecks(a).findings;
    const pick = (fs: typeof checked, id: string) => fs.find((f) => f.id === id);
    // nginx refuses the buffer sizes: the very same finding from both commands.
    expect(pick(t.findings, 'nginx-config-error')).toEqual(pick(checked, 'nginx-config-error'));
    expect(pick(t.findings, 'nginx-config-error')?.message).toContain('minus one buffer');
    // No SCRIPT_FILENAME: the same title, cause and fix; the subject is the URL for trace, the location for check.
    const traced = pick(t.findings, 'fastcgi-param-missing');
    const found = pick(checked, 'fastcgi-param-missing');
    expect(traced?.title).toBe(found?.title);
    expect(traced?.fix?.replace(/^In [^,]*,/, '')).toBe(found?.fix?.replace(/^In [^,]*,/, ''));
    const cause = (m = '') => m.slice(m.indexOf(' without a SCRIPT_FILENAME')).replace(/\(.*?\):/, ':');
    expect(cause(traced?.message)).toBe(cause(found?.message));
    expect(traced?.location).toEqual(found?.location);
  });

  it("--root of a running master's -c takes the master's -p for relative paths", async () => {
    const source = new MemoryNginxSource({
      '/srv/app/nginx.conf': 'events { }\nhttp {\n  server {\n    listen 80;\n    root html;\n  }\n}\n',
    });
    const running = fixtureSystem({
      processes: [
        {
          pid: 7,
          comm: 'nginx',
          cmdline: ['nginx: master process /usr/sbin/nginx -c /srv/app/nginx.conf -p /srv/app/'],
        },
      ],
    });
    const out = await runNginxTrace(request('http://x/a.txt'), {
      root: '/srv/app/nginx.conf',
      offline: true,
      timeoutMs: 1000,
      system: running,
      source,
      asRoot: true,
    });
    if (!out.ok) throw new Error(out.why);
    expect(out.config.prefix).toBe('/srv/app/');
    expect(out.route.steps.map((s) => s.text).join('\n')).toContain('/srv/app/html/a.txt');
  });

  it("asks the version of the binary that owns the configuration: the master's, else a source build's sbin/nginx", async () => {
    const asked: Array<string | undefined> = [];
    const nginxVersion = (b: string | undefined) => {
      asked.push(b);
      return '1.25.3';
    };
    const conf = 'events { }\nhttp {\n  server {\n    listen 80;\n    return 200 $nginx_version;\n  }\n}\n';
    const built = new MemoryNginxSource({
      '/usr/local/nginx/conf/nginx.conf': conf,
      '/usr/local/nginx/sbin/nginx': 'ELF',
    });
    await runNginxTrace(request('http://x/'), {
      offline: true,
      timeoutMs: 1000,
      system,
      source: built,
      asRoot: true,
      nginxVersion,
    });
    const running = fixtureSystem({
      processes: [
        { pid: 9, comm: 'nginx', cmdline: ['nginx: master process /opt/nginx/bin/nginx -c /etc/nginx/nginx.conf'] },
      ],
    });
    const debian = new MemoryNginxSource({ '/etc/nginx/nginx.conf': conf });
    await runNginxTrace(request('http://x/'), {
      offline: true,
      timeoutMs: 1000,
      system: running,
      source: debian,
      asRoot: true,
      nginxVersion,
    });
    await runNginxTrace(request('http://x/'), {
      offline: true,
      timeoutMs: 1000,
      system,
      source: debian,
      asRoot: true,
      nginxVersion,
    });
    expect(asked).toEqual(['/usr/local/nginx/sbin/nginx', '/opt/nginx/bin/nginx', undefined]);
  });

  it("a fastcgi_pass address the route cannot know: no request, said in nginx's terms", async () => {
    const { requestRoute } = await import('../../src/checks/request/traceRequest.js');
    const t = await trace('      include fastcgi.conf;\n      fastcgi_pass $backend_from_map;\n');
    expect(t.route.backend?.target ?? null).toBeNull();
    const live = await requestRoute(t.route, { timeoutMs: 500 });
    expect(live.skipped).toContain("fastcgi_pass's address is not known here");
    expect(live.skipped).not.toContain('Apache');
  });

  it('no configuration at all: says where it looked', async () => {
    const out = await runNginxTrace(request('http://x/'), {
      offline: true,
      timeoutMs: 1000,
      system,
      source: new MemoryNginxSource({}),
    });
    expect(out).toMatchObject({ ok: false });
    expect(out.ok ? '' : out.why).toContain('--root');
  });

  it('the answer context comes from the level of fastcgi_pass', async () => {
    const t = await trace(
      '      include fastcgi.conf;\n      fastcgi_buffer_size 16k;\n      fastcgi_intercept_errors on;\n      fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n',
      '    fastcgi_read_timeout 300s;\n',
    );
    const ctx = answerContext(t.config, t.route);
    expect(ctx).toMatchObject({ bufferSize: 16384, bufferSizeAt: '/etc/nginx/nginx.conf:10', readTimeout: '300s' });
    expect(ctx.interceptErrors).toBe(true);
  });
});

describe("nginx's answer at the edges", () => {
  const ctx = { bufferSize: 4096, readTimeout: '60s', interceptErrors: false };
  const head = (n: number) => `X-Pad: ${'a'.repeat(n - 'X-Pad: \r\n\r\n'.length)}\r\n\r\n`;

  it('sizes: k, m, plain bytes', () => {
    expect(parseNginxSize('16k')).toBe(16384);
    expect(parseNginxSize('1M')).toBe(1048576);
    expect(parseNginxSize('512')).toBe(512);
    expect(parseNginxSize('big')).toBeUndefined();
  });

  it('a header block within the buffer is 200; past it 502; at its edge said so', () => {
    const stdout = (n: number) => [{ type: 'STDOUT', contentLength: n }];
    expect(nginxAnswerForResponse(answer(head(3000)), stdout(3000), ctx).status).toBe(200);
    expect(nginxAnswerForResponse(answer(head(4100)), stdout(4100), ctx).status).toBe(502);
    const edge = nginxAnswerForResponse(answer(head(4086)), stdout(4086), ctx);
    expect(edge.status).toBe(200);
    expect(edge.why).toContain('at the edge');
  });

  it('an empty header block (a blank first line) is 200 with the rest as the body', () => {
    expect(nginxAnswerForResponse(answer('\r\nbody\n\nmore'), [], ctx).status).toBe(200);
    expect(nginxAnswerForResponse(answer('\nbody'), [], ctx).status).toBe(200);
  });

  it('a header name that is no HTTP token: nginx sends it on, and the answer says strict clients refuse it', () => {
    const a = nginxAnswerForResponse(answer('X(odd): 1\r\nContent-Type: text/plain\r\n\r\nx'), [], ctx);
    expect(a.status).toBe(200);
    expect(a.why).toContain('"x(odd)"');
    expect(nginxAnswerForResponse(answer('X_Under: 1\r\n\r\nx'), [], ctx).why).toBe('no Status header: 200');
  });

  it('fastcgi_intercept_errors is said for an error status, not for a 200', () => {
    const on = { ...ctx, interceptErrors: true };
    expect(nginxAnswerForResponse(answer('Status: 404\r\n\r\n'), [], on).why).toContain('fastcgi_intercept_errors');
    expect(nginxAnswerForResponse(answer('Content-Type: text/plain\r\n\r\n'), [], on).why).not.toContain('intercept');
  });

  it('a close after some output is 502 from the source, with the caveat', () => {
    const a = nginxAnswerForClientError(
      new FcgiClientError('closed-early', 'closed'),
      [{ type: 'STDOUT', contentLength: 10 }],
      ctx,
    );
    expect(a).toMatchObject({ status: 502, basis: 'source' });
  });
});

describe("trace through nginx as nginx's worker sees the files", () => {
  const homeTree = (main: string) =>
    new MemoryNginxSource({
      '/etc/nginx/fastcgi.conf': 'fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n',
      '/etc/nginx/nginx.conf': `${main}events { }\nhttp {\n  server {\n    listen 80;\n    root /home/app/site;\n    location ~ \\.php$ {\n      try_files $uri =404;\n      include fastcgi.conf;\n      fastcgi_pass unix:/run/php.sock;\n    }\n  }\n}\n`,
    });
  const machine = (mode: number) =>
    fixtureSystem({
      files: {
        '/home/app': { type: 'dir', uid: 1001, gid: 1001, mode },
        '/home/app/site/index.php': { uid: 1001, gid: 1001, content: '<?php' },
      },
    });
  async function traceAs(main: string, mode: number, withUsers = true) {
    const m = machine(mode);
    const out = await runNginxTrace(request('http://x/index.php'), {
      offline: true,
      timeoutMs: 1000,
      system: withUsers ? m : { fs: m.fs, processes: m.processes, network: m.network },
      source: homeTree(main),
      asRoot: true,
    });
    if (!out.ok) throw new Error(out.why);
    return out;
  }
  it('user www-data and a 0750 home: 404 predicted, server-user-denied at the try_files line', async () => {
    const t = await traceAs('user www-data;\n', 0o750);
    expect(t.route).toMatchObject({ outcome: 'status', status: 404 });
    const f = t.findings.find((x) => x.id === 'server-user-denied');
    expect(f?.location).toMatchObject({ file: '/etc/nginx/nginx.conf', line: 8 });
    expect(f?.fix).toContain('chmod o+x /home/app');
  });
  it('no user directive: the compiled-in user (nobody here) is refused the same way', async () => {
    const t = await traceAs('', 0o750);
    expect(t.route.refused?.[0]?.user).toBe('nobody');
  });
  it('quiet: a 0755 home, master_process off (nginx keeps the starting user), or no account data', async () => {
    for (const t of [
      await traceAs('user www-data;\n', 0o755),
      await traceAs('user www-data;\nmaster_process off;\n', 0o750),
      await traceAs('user www-data;\n', 0o750, false),
    ]) {
      expect(t.route.outcome).toBe('fastcgi');
      expect(t.findings.map((x) => x.id)).not.toContain('server-user-denied');
    }
  });
});

describe('server-user-denied when the name nginx tried does not exist but its directory is hidden', () => {
  it("index index.html index.php: the first name's EACCES is 403 though only index.php exists", async () => {
    const m = fixtureSystem({
      files: {
        '/home/app': { type: 'dir', uid: 1001, gid: 1001, mode: 0o750 },
        '/home/app/site/index.php': { uid: 1001, gid: 1001, content: '<?php' },
      },
    });
    const source = new MemoryNginxSource({
      '/etc/nginx/nginx.conf':
        'user www-data;\nevents { }\nhttp {\n  server {\n    listen 80;\n    root /home/app/site;\n    index index.html index.php;\n  }\n}\n',
    });
    const out = await runNginxTrace(request('http://x/'), {
      offline: true,
      timeoutMs: 1000,
      system: m,
      source,
      asRoot: true,
    });
    if (!out.ok) throw new Error(out.why);
    expect(out.route).toMatchObject({ outcome: 'status', status: 403 });
    const f = out.findings.find((x) => x.id === 'server-user-denied');
    expect(f?.message).toContain('so every file below /home/app is hidden from it');
    expect(f?.message).toContain('"/home/app/site/index.html" is forbidden (13: Permission denied)');
    expect(f?.location).toMatchObject({ line: 7 });
  });
});
