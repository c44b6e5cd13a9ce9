/**
 * Apache's side against the pool's side, on a real Apache 2.4 and a real
 * PHP-FPM (the installed version, whatever it is): the check reads the pool
 * file through src/fpm and traces the URL offline; the request through Apache
 * proves what the check says (the status page answers to anyone; a .phtml
 * file is refused by security.limit_extensions). Missing servers skip
 * locally, fail on CI.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbes } from '../../src/checks/probes/index.js';
import { runCheck } from '../../src/checks/run.js';
import { liveSystem } from '../../src/system/index.js';
import { startApache } from './harness/apache.js';
import { startPhpFpm, type StartPhpFpmOptions } from './harness/phpFpm.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';

const has = (b: { name: string; path: string; pkg: string }) => requireBinary(b.name, b.path, b.pkg);
const haveFpm = has(BINARIES.apache) && has(BINARIES.modProxyFcgi) && has(BINARIES.phpFpm);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A pool and an Apache whose config is `apacheConf(sock)`, checked as `check` does; `path` requested through Apache. */
async function site(pool: StartPhpFpmOptions, apacheConf: (sock: string) => string, path: string, files = {}) {
  const fpm = await startPhpFpm(pool);
  cleanups.push(() => fpm.stop());
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  const apache = await startApache({ modules: ['proxy_fcgi'], config: apacheConf(sock), files });
  cleanups.push(() => apache.stop());
  const system = liveSystem({ fpmConfigs: [fpm.confPath] });
  const report = await runCheck(
    { root: apache.confPath, env: {}, offline: false, timeoutMs: 5000, toolVersion: 'test' },
    (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: 2000 }),
  );
  const http = await apache.http(path);
  return { report, http, fpm };
}

describe.skipIf(!haveFpm)('status-page-exposed on a real Apache and PHP-FPM', () => {
  const pool: StartPhpFpmOptions = { statusPath: '/fpm-status', pingPath: null };

  it('ProxyPass /fpm-status to the pool, no Require: Apache serves the status page, and the check names the pool line', async () => {
    const { report, http, fpm } = await site(
      pool,
      (sock) => `ProxyPass /fpm-status unix:${sock}|fcgi://localhost/fpm-status\n`,
      '/fpm-status',
    );
    expect(http.status).toBe(200);
    expect(http.body).toMatch(/^pool:\s+www$/m);
    expect(report.internalErrors).toEqual([]);
    const f = report.findings.filter((x) => x.id === 'status-page-exposed');
    expect(f).toHaveLength(1);
    expect(f[0]?.location?.file).toBe(fpm.poolConfPath);
    expect(f[0]?.evidence.map((e) => e.text).join('\n')).toContain('pm.status_path = /fpm-status');
    expect(f[0]?.evidence.map((e) => e.text).join('\n')).toMatch(/ProxyPass \/fpm-status/);
  });

  it('the same ProxyPass behind Require ip of another host: Apache answers 403, and the check stays quiet', async () => {
    const { report, http } = await site(
      pool,
      (sock) =>
        `ProxyPass /fpm-status unix:${sock}|fcgi://localhost/fpm-status\n<Location /fpm-status>\n  Require ip 192.0.2.1\n</Location>\n`,
      '/fpm-status',
    );
    expect(http.status).toBe(403);
    expect(report.findings.filter((x) => x.id === 'status-page-exposed')).toEqual([]);
  });

  it('only a FilesMatch \\.php$ handler: /fpm-status never reaches FPM (404), and the check stays quiet', async () => {
    const { report, http } = await site(
      pool,
      (sock) => `<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`,
      '/fpm-status',
    );
    expect(http.status).toBe(404);
    expect(report.findings.filter((x) => x.id === 'status-page-exposed')).toEqual([]);
  });
});

describe.skipIf(!haveFpm)('script-extension-denied from the configuration on a real Apache and PHP-FPM', () => {
  const handler = (sock: string) =>
    `<FilesMatch "\\.ph(?:p|tml)$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`;
  const files = { 'legacy/report.phtml': '<?php echo "report ok";' };

  it('a .phtml the handler sends to a pool limited to .php: FPM answers 403 through Apache, and the check names both lines', async () => {
    const { report, http, fpm } = await site({ limitExtensions: ['.php'] }, handler, '/legacy/report.phtml', files);
    expect(http.status).toBe(403);
    expect(http.body).toContain('Access denied.');
    expect(report.internalErrors).toEqual([]);
    // One cause, one finding: FPM's live refusal (the request step) joins the configuration's finding.
    const f = report.findings.filter((x) => x.id === 'script-extension-denied');
    expect(f).toHaveLength(1);
    expect(f[0]?.location?.file).toBe(fpm.poolConfPath);
    expect(f[0]?.message).toContain('does not allow ".phtml"');
    const evidence = f[0]?.evidence.map((e) => e.text).join('\n') ?? '';
    expect(evidence).toContain('security.limit_extensions = .php');
    expect(evidence).toMatch(/SetHandler "proxy:unix:/);
    expect(evidence).toContain('has been denied (see security.limit_extensions)');
  });

  it('the pool allows .phtml: Apache serves the script, and the check stays quiet', async () => {
    const { report, http } = await site(
      { limitExtensions: ['.php', '.phtml'] },
      handler,
      '/legacy/report.phtml',
      files,
    );
    expect(http.status).toBe(200);
    expect(http.body).toContain('report ok');
    expect(report.findings.filter((x) => x.id === 'script-extension-denied')).toEqual([]);
  });
});

describe.skipIf(!haveFpm)('timeouts-inverted on a real Apache and PHP-FPM', () => {
  const handler = (timeout: number) => (sock: string) =>
    `ProxyTimeout ${timeout}\n<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`;
  const files = { 'slow.php': '<?php sleep(3); echo "slow ok";' };

  it('ProxyTimeout 1 in front of request_terminate_timeout 20s: a 3 s script gets 504 from Apache, and the check says Apache gives up first', async () => {
    const { report, http, fpm } = await site({ requestTerminateTimeout: '20s' }, handler(1), '/slow.php', files);
    expect(http.status).toBe(504);
    const f = report.findings.filter((x) => x.id === 'timeouts-inverted');
    expect(f).toHaveLength(1);
    expect(f[0]?.location?.file).toBe(fpm.poolConfPath);
    expect(f[0]?.message).toContain('lets a script run 20 s (request_terminate_timeout)');
    expect(f[0]?.evidence.map((e) => e.text).join('\n')).toMatch(/ProxyTimeout 1 → 1 s/);
  });

  it('ProxyTimeout 10 above request_terminate_timeout 5s: the 3 s script answers 200, and the check stays quiet', async () => {
    const { report, http } = await site({ requestTerminateTimeout: '5s' }, handler(10), '/slow.php', files);
    expect(http.status).toBe(200);
    expect(http.body).toContain('slow ok');
    expect(report.findings.filter((x) => x.id === 'timeouts-inverted')).toEqual([]);
  });
});

describe.skipIf(!haveFpm)('script-outside-open-basedir on a real Apache and PHP-FPM', () => {
  const handler = (sock: string) =>
    `<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`;
  const files = { 'a.php': '<?php echo "a ok";' };

  it("open_basedir that names another directory: 404 through Apache, and the check names the pool's line", async () => {
    const { report, http, fpm } = await site(
      { phpAdminValues: { open_basedir: '/nonexistent/' } },
      handler,
      '/a.php',
      files,
    );
    expect(http.status).toBe(404);
    expect(fpm.errorLog()).toContain('open_basedir restriction in effect');
    const f = report.findings.filter((x) => x.id === 'script-outside-open-basedir');
    expect(f).toHaveLength(1);
    expect(f[0]?.location?.file).toBe(fpm.poolConfPath);
    expect(f[0]?.evidence.map((e) => e.text).join('\n')).toContain('php_admin_value[open_basedir] = /nonexistent/');
  });

  it('open_basedir that holds the document root: 200, and the check stays quiet', async () => {
    const tmp = process.env['TMPDIR'] ?? '/tmp';
    const { report, http } = await site({ phpAdminValues: { open_basedir: tmp } }, handler, '/a.php', files);
    expect(http.status).toBe(200);
    expect(report.findings.filter((x) => x.id === 'script-outside-open-basedir')).toEqual([]);
  });
});

const isRoot = process.getuid?.() === 0;

// FPM's chroot needs a root master.
describe.skipIf(!haveFpm || !isRoot)('primary-script-unknown from a pool chroot on a real Apache and PHP-FPM', () => {
  /** A jail with the site in <jail>/www; Apache's DocumentRoot is that directory, as the host sees it. */
  function jail(): string {
    const dir = mkdtempSync(`${process.env['TMPDIR'] ?? '/tmp'}/jail-`);
    mkdirSync(`${dir}/www`);
    writeFileSync(`${dir}/www/index.php`, '<?php echo "jail ok";', { mode: 0o644 });
    chmodSync(dir, 0o755);
    chmodSync(`${dir}/www`, 0o755);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
  const conf = (dir: string, setEnv: boolean) => (sock: string) =>
    `DocumentRoot ${dir}/www\n<Directory ${dir}/www>\n  Require all granted\n</Directory>\n<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n${setEnv ? 'ProxyFCGISetEnvIf "true" SCRIPT_FILENAME "/www%{reqenv:SCRIPT_NAME}"\n' : ''}`;

  it('the host path sent into the jail: 404 through Apache, and the check names the chroot line', async () => {
    const dir = jail();
    const { report, http, fpm } = await site({ extra: `chroot = ${dir}` }, conf(dir, false), '/index.php');
    expect(http.status).toBe(404);
    const f = report.findings.filter((x) => x.id === 'primary-script-unknown' && x.location?.file === fpm.poolConfPath);
    expect(f).toHaveLength(1);
    expect(f[0]?.evidence.map((e) => e.text).join('\n')).toContain(`chroot = ${dir}`);
  });

  it('the fix the finding gives (ProxyFCGISetEnvIf SCRIPT_FILENAME as the jail sees it): 200, and the check stays quiet', async () => {
    const dir = jail();
    const { report, http } = await site({ extra: `chroot = ${dir}` }, conf(dir, true), '/index.php');
    expect(http.status).toBe(200);
    expect(http.body).toContain('jail ok');
    expect(report.findings.filter((x) => x.id === 'primary-script-unknown')).toEqual([]);
  });
});
