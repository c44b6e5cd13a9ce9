/**
 * `check` on real servers, the way Debian wires PHP-FPM: a server-wide
 * <FilesMatch> + SetHandler to the pool's socket, and a vhost whose
 * DocumentRoot is elsewhere (/srv/blog on a real machine; a directory of the
 * test here). The check must find the vhost's own index.php, ask FPM for it
 * with the params Apache sends, and stay quiet when the site works; when the
 * pool's user may not enter the docroot it must say so, naming that user.
 * A .htaccess on the route that Apache cannot run (php_value under FPM) must
 * be found too; when a POSIX ACL grants the pool's user what the mode bits
 * refuse, the kernel (asked as that user) has the last word and nothing
 * fires. Missing servers skip locally, fail on CI.
 */
import { chownSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { execaSync } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbes } from '../../src/checks/probes/index.js';
import { runCheck, type CheckReport } from '../../src/checks/run.js';
import { summarizeCheck } from '../../src/report/checkSummary.js';
import { formatCheckText } from '../../src/report/checkText.js';
import { loadStyle } from '../../src/report/style.js';
import { liveSystem } from '../../src/system/index.js';
import { startApache } from './harness/apache.js';
import { startPhpFpm } from './harness/phpFpm.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';

const has = (b: { name: string; path: string; pkg: string }) => requireBinary(b.name, b.path, b.pkg);
const haveFpm = has(BINARIES.apache) && has(BINARIES.modProxyFcgi) && has(BINARIES.phpFpm);
// Asking the kernel as the pool's user needs root (setpriv); the ACL itself needs setfacl.
const haveAcl = haveFpm && process.getuid?.() === 0 && has(BINARIES.setfacl);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const WWW_DATA = 33;

/** Debian's conf-available/php8.2-fpm.conf, with the test pool's socket. */
const debianPhp = (sock: string) => `<FilesMatch ".+\\.ph(?:ar|p|tml)$">
    SetHandler "proxy:unix:${sock}|fcgi://localhost"
</FilesMatch>
DirectoryIndex index.html index.php
`;

async function blogCheck(pool: { user: string; group: string }, blogMode: number, htaccess?: string, acl?: string) {
  const fpm = await startPhpFpm({ user: pool.user, group: pool.group });
  cleanups.push(() => fpm.stop());
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  let vhostPath = '';
  const apache = await startApache({
    modules: ['proxy_fcgi'],
    config: (ctx) => {
      const blog = `${ctx.extraDir}/blog`;
      mkdirSync(blog);
      writeFileSync(`${blog}/index.php`, '<?php echo "blog ok";');
      chownSync(blog, WWW_DATA, WWW_DATA);
      chownSync(`${blog}/index.php`, WWW_DATA, WWW_DATA);
      if (htaccess !== undefined) writeFileSync(`${blog}/.htaccess`, htaccess, { mode: 0o644 });
      chmodSync(blog, blogMode);
      if (acl) execaSync(BINARIES.setfacl.path, ['-m', acl, blog]);
      vhostPath = `${ctx.extraDir}/blog.conf`;
      writeFileSync(
        vhostPath,
        `<VirtualHost *:${ctx.port}>\n  ServerName blog.example.org\n  DocumentRoot ${blog}\n  <Directory ${blog}>\n    Require all granted\n    AllowOverride All\n  </Directory>\n</VirtualHost>\n`,
      );
      return `${debianPhp(sock)}Include ${vhostPath}\n`;
    },
  });
  cleanups.push(() => apache.stop());
  const system = liveSystem({ fpmConfigs: [fpm.confPath] });
  const report = await runCheck(
    { root: apache.confPath, target: vhostPath, env: {}, offline: false, timeoutMs: 5000, toolVersion: 'test' },
    (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: 2000 }),
  );
  const http = await apache.http('/index.php', { headers: { Host: 'blog.example.org' } });
  return { report, http, apache };
}

async function text(report: CheckReport): Promise<string> {
  return formatCheckText(await loadStyle(false), summarizeCheck(report), report.findings, { exitCode: 0 });
}

describe.skipIf(!haveFpm)('check: the scripts a vhost really serves (Debian PHP-FPM wiring)', () => {
  it("a healthy blog whose DocumentRoot is not the main server's: no `!`, no warning", async () => {
    const { report, http } = await blogCheck({ user: 'www-data', group: 'www-data' }, 0o755);
    expect(http.status).toBe(200);
    expect(http.body).toContain('blog ok');
    expect(report.internalErrors).toEqual([]);
    // The test pool's socket lives under TMPDIR (Debian's is /run/php): socket-in-private-tmp is the harness's, not the site's.
    const harness = (id: string) => id === 'socket-in-private-tmp';
    expect(report.findings.filter((f) => f.severity !== 'info' && !harness(f.id)).map((f) => f.id)).toEqual([]);
    const r = report.requests[0];
    expect(r?.url).toMatch(/^http:\/\/blog\.example\.org:\d+\/index\.php$/);
    expect(r?.level).toBe('script');
    expect(r?.response?.status).toBe(200);
    expect(r?.response?.body.toString('utf8')).toContain('blog ok');
    const out = await text(report);
    expect(out.split('\n').filter((l) => /^\s*! /.test(l) && !l.includes('[socket-in-private-tmp]'))).toEqual([]);
    expect(out).toMatch(/✓ request {3}GET http:\/\/blog\.example\.org:\d+\/index\.php → 200 OK/);
  });

  it('the pool user may not enter the docroot: script-unreadable naming the pool user and the directory', async () => {
    const { report } = await blogCheck({ user: 'nobody', group: 'nogroup' }, 0o750);
    const f = report.findings.filter((x) => x.id === 'script-unreadable');
    expect(f.length).toBeGreaterThanOrEqual(1);
    expect(f[0]?.message).toContain('nobody');
    expect(f[0]?.message).toMatch(/the directory \S+\/blog/);
    expect(f[0]?.evidence.map((e) => e.text).join('\n')).toContain('user = nobody');
    if (process.getuid?.() === 0)
      expect(f[0]?.evidence.map((e) => e.text).join('\n')).toMatch(
        /confirmed by the kernel: access\(2\) as nobody is refused search \(x\) on \S+\/blog/,
      );
  });

  it.skipIf(!haveAcl)(
    'setfacl -m u:nobody:rx on the 0750 docroot: PHP-FPM serves it, and no script-unreadable (the kernel allows what the bits refuse)',
    async () => {
      const { report, http } = await blogCheck({ user: 'nobody', group: 'nogroup' }, 0o750, undefined, 'u:nobody:rx');
      expect(http.status).toBe(200);
      expect(http.body).toContain('blog ok');
      expect(report.internalErrors).toEqual([]);
      expect(report.findings.map((x) => x.id)).not.toContain('script-unreadable');
      expect(report.notices.join('\n')).toMatch(/nobody may use \S+\/blog\/index\.php: allowed by an ACL/);
    },
  );

  it('a .htaccess with php_value under PHP-FPM: Apache answers 500, and the check says why at the .htaccess line', async () => {
    const { report, http } = await blogCheck(
      { user: 'www-data', group: 'www-data' },
      0o755,
      '# from the old mod_php days\nphp_value memory_limit 256M\n',
    );
    expect(http.status).toBe(500);
    const f = report.findings.filter((x) => x.id === 'htaccess-invalid-command');
    expect(f).toHaveLength(1);
    expect(f[0]?.location).toMatchObject({ line: 2 });
    expect(f[0]?.location?.file).toMatch(/\/blog\/\.htaccess$/);
    expect(f[0]?.fix).toContain('php_value[memory_limit]');
  });

  it('a valid .htaccess (AllowOverride All, Options and Require): Apache answers 200, no .htaccess finding', async () => {
    const { report, http } = await blogCheck(
      { user: 'www-data', group: 'www-data' },
      0o755,
      'Options -Indexes\nRequire all granted\n',
    );
    expect(http.status).toBe(200);
    expect(report.findings.map((x) => x.id)).not.toContain('htaccess-invalid-command');
  });
});
