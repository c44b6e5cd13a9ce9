/**
 * nginx's worker sees the files as nginx's `user`, not as root: a real nginx
 * with a root master (`master_process on`) whose worker drops to www-data, a
 * site under a directory of another user (nobody:nogroup), a real PHP-FPM.
 * With the directory 0750 the real nginx answers 404 (try_files) and 403
 * (index, static file) although the files exist; `trace --offline` predicts
 * those statuses and `check` reports server-user-denied. With 0755 nginx
 * serves the site and nothing fires; with 0750 and `setfacl -m u:www-data:x`
 * nginx serves it too, and the doctor, asking the kernel as www-data, agrees.
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeNginxForCheck } from '../../src/checks/nginx/index.js';
import { runProbes } from '../../src/checks/probes/index.js';
import { runCheck } from '../../src/checks/run.js';
import { liveSystem } from '../../src/system/index.js';
import { startNginx, type NginxServer } from './harness/nginx.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, requireBinary, requireBuiltCli } from './harness/requireServer.js';
import { makeTempDir, type TempDir } from './harness/tempdir.js';
import { errorsText, outputValidator } from '../report/support.js';

const has = (b: { name: string; path: string; pkg: string }) => requireBinary(b.name, b.path, b.pkg);
// A worker that drops privileges needs a root master.
const isRoot = process.getuid?.() === 0;
const ready = requireBuiltCli() && has(BINARIES.nginx) && has(BINARIES.phpFpm) && isRoot;
const hasSetfacl = ready && has(BINARIES.setfacl);

/** nobody:nogroup on Debian: a user www-data is not, with a group www-data is not in. */
const OTHER = { uid: 65534, gid: 65534 };

describe.skipIf(!ready)("nginx's worker (www-data) and a site it may not search", () => {
  let fpm: PhpFpmServer;
  let nginx: NginxServer;
  let tmp: TempDir;
  let home: string;
  const validate = outputValidator();

  beforeAll(async () => {
    fpm = await startPhpFpm({});
    tmp = makeTempDir('worker-site');
    home = tmp.join('home');
    const site = `${home}/site`;
    mkdirSync(site, { recursive: true });
    writeFileSync(`${site}/index.php`, '<?php echo "hello from the site";', { mode: 0o644 });
    writeFileSync(`${site}/a.txt`, 'static text', { mode: 0o644 });
    for (const p of [home, site, `${site}/index.php`, `${site}/a.txt`]) chownSync(p, OTHER.uid, OTHER.gid);
    chmodSync(site, 0o755);
    const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    nginx = await startNginx({
      main: 'user www-data;',
      masterProcess: true,
      http: (ctx) => `
    server {
        listen 127.0.0.1:${ctx.port} default_server;
        server_name _;
        root ${site};
        index index.php index.html;
        location / {
            try_files $uri $uri/ =404;
        }
        location ~ \\.php$ {
            include snippets/fastcgi-php.conf;
            fastcgi_pass unix:${sock};
        }
        location /static/ {
            alias ${site}/;
        }
    }`,
    });
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await fpm?.stop();
    tmp?.remove();
  });

  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${nginx.port}${path}`, { redirect: 'manual' });
    return { status: res.status, body: await res.text() };
  };

  const traceOffline = async (path: string) => {
    const r = await execa(
      process.execPath,
      [
        BIN,
        'trace',
        `http://127.0.0.1:${nginx.port}${path}`,
        '--offline',
        '--server',
        'nginx',
        '--root',
        nginx.confPath,
        '--format',
        'json',
      ],
      { reject: false },
    );
    const doc: unknown = JSON.parse(r.stdout);
    // The route's new member (refused) and the finding are in the JSON contract.
    expect(validate(doc), errorsText(validate.errors)).toBe(true);
    const out = doc as {
      trace: { outcome: string; status?: number; refused?: unknown[]; steps: { text: string }[] };
      findings: { id: string; message: string; fix?: string }[];
    };
    return out;
  };

  const check = async (since?: Date) => {
    const analysis = analyzeNginxForCheck({ root: nginx.confPath });
    if (!analysis) throw new Error('no nginx configuration');
    const system = liveSystem({ fpmConfigs: [fpm.confPath] });
    const report = await runCheck(
      { env: {}, offline: false, timeoutMs: 5000, toolVersion: 'test', analysis, ...(since ? { since } : {}) },
      (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: 2000 }),
    );
    expect(report.internalErrors).toEqual([]);
    return report;
  };

  it('0750: the real nginx answers 404 (try_files) and 403 (index, static); trace --offline says the same; check reports server-user-denied', async () => {
    chmodSync(home, 0o750);
    // The worker really is www-data: the master is root, nginx's own error log says why it refused.
    // try_files in `location /` and in the PHP snippet: 404; the alias location has none, so the index
    // module and the static module meet the EACCES themselves: 403.
    const answers = {
      php: await get('/index.php'),
      root: await get('/'),
      index: await get('/static/'),
      text: await get('/static/a.txt'),
    };
    expect(answers.php.status).toBe(404);
    expect(answers.root.status).toBe(404);
    expect(answers.index.status).toBe(403);
    expect(answers.text.status).toBe(403);
    // The lines the finding quotes, as nginx wrote them.
    const log = nginx.errorLog();
    expect(log).toContain(`stat() "${home}/site/index.php" failed (13: Permission denied)`);
    expect(log).toContain(`"${home}/site/index.php" is forbidden (13: Permission denied)`);
    expect(log).toContain(`open() "${home}/site/a.txt" failed (13: Permission denied)`);

    const php = await traceOffline('/index.php');
    expect(php.trace).toMatchObject({ outcome: 'status', status: 404 });
    expect(php.trace.steps.map((s) => s.text).join('\n')).toContain(
      `nginx's worker (www-data) may not search ${home} (13: Permission denied)`,
    );
    expect(php.findings.map((f) => f.id)).toContain('server-user-denied');
    expect((await traceOffline('/')).trace).toMatchObject({ outcome: 'status', status: 404 });
    expect((await traceOffline('/static/')).trace).toMatchObject({ outcome: 'status', status: 403 });
    expect((await traceOffline('/static/a.txt')).trace).toMatchObject({ outcome: 'status', status: 403 });

    const report = await check();
    const f = report.findings.find((x) => x.id === 'server-user-denied');
    expect(f?.severity).toBe('error');
    expect(f?.message).toContain(
      `who lacks search (x) permission on the directory ${home} (drwxr-x--- nobody:nogroup)`,
    );
    expect(f?.message).toContain('nginx answers 404');
    expect(f?.fix).toContain(`chmod o+x ${home}`);
    // nginx's own lines of those requests, read from its error_log against the catalog, join the finding.
    const logged =
      f?.evidence
        .filter((e) => e.kind === 'log')
        .map((e) => e.text)
        .join('\n') ?? '';
    expect(logged).toContain('[rule nginx-file-permission-denied]');
    expect(logged).toContain(`stat() "${home}/site/index.php" failed (13: Permission denied)`);
    // The kernel, asked as www-data, refuses too.
    expect(f?.evidence.map((e) => e.text)).toContain(
      `confirmed by the kernel: access(2) as www-data is refused search (x) on ${home}`,
    );
  });

  it('0755: the real nginx serves the script through PHP-FPM and the files; trace agrees; nothing fires', async () => {
    chmodSync(home, 0o755);
    // The first case's lines stay in nginx's error log: read only what comes after the fix (check --since).
    const fixedAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000);
    await new Promise((r) => setTimeout(r, fixedAt.getTime() - Date.now()));
    const php = await get('/index.php');
    expect(php).toEqual({ status: 200, body: 'hello from the site' });
    expect((await get('/')).status).toBe(200);
    expect(await get('/a.txt')).toEqual({ status: 200, body: 'static text' });
    expect(await get('/static/a.txt')).toEqual({ status: 200, body: 'static text' });

    const traced = await traceOffline('/index.php');
    expect(traced.trace.outcome).toBe('fastcgi');
    expect(traced.trace.refused).toBeUndefined();
    expect(traced.findings.map((f) => f.id)).not.toContain('server-user-denied');
    expect((await traceOffline('/a.txt')).trace.outcome).toBe('static');
    expect((await traceOffline('/static/a.txt')).trace.outcome).toBe('static');

    const report = await check(fixedAt);
    expect(report.findings.map((f) => f.id)).not.toContain('server-user-denied');
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.id}: ${f.message}`)).toEqual([]);
  });

  it.skipIf(!hasSetfacl)(
    '0750 with setfacl -m u:www-data:x: the real nginx serves the site; trace --offline and check agree (the kernel allows what the bits refuse)',
    async () => {
      chmodSync(home, 0o750);
      await execa(BINARIES.setfacl.path, ['-m', 'u:www-data:x', home]);
      try {
        const fixedAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000);
        await new Promise((r) => setTimeout(r, fixedAt.getTime() - Date.now()));
        expect(await get('/index.php')).toEqual({ status: 200, body: 'hello from the site' });
        expect(await get('/static/a.txt')).toEqual({ status: 200, body: 'static text' });

        const traced = await traceOffline('/index.php');
        expect(traced.trace.outcome).toBe('fastcgi');
        expect(traced.trace.refused).toBeUndefined();
        expect(traced.findings.map((f) => f.id)).not.toContain('server-user-denied');
        expect((await traceOffline('/static/a.txt')).trace.outcome).toBe('static');

        const report = await check(fixedAt);
        expect(report.findings.map((f) => f.id)).not.toContain('server-user-denied');
        expect(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.id}: ${f.message}`)).toEqual([]);
      } finally {
        await execa(BINARIES.setfacl.path, ['-b', home]);
      }
    },
  );
});
