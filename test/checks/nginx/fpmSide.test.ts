/**
 * PHP-FPM's side of an nginx site, on a fixture machine: the scripts nginx
 * really sends (discovery traced with routeNginx) as the pool's user reads
 * them, the pool's security.limit_extensions, its chroot, and a PHP-FPM in a
 * container of its own. The same checks as for Apache, their fixes worded in
 * nginx's directives; each fires once and stays quiet on the healthy case.
 */
import { describe, expect, it } from 'vitest';
import { analyzeNginxForCheck } from '../../../src/checks/nginx/index.js';
import { runProbes } from '../../../src/checks/probes/index.js';
import type { Finding } from '../../../src/findings/finding.js';
import { fixtureSystem, type FixtureData, type FixtureFile, type FixtureProcess } from '../../../src/system/fixture.js';
import { DEBIAN_POOL, FPM_PROCESSES, fpmSocket } from '../probes/helpers.js';
import { debianNginxSource, NGINX_PROCESSES } from './helpers.js';

const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';
const SITE_FILE = '/etc/nginx/sites-enabled/default';
const SOCK = '/run/php/php8.2-fpm.sock';

/** Debian's default site with the PHP snippet (try_files $fastcgi_script_name =404), root and PHP location as given. */
const debianSite = (root = '/var/www/html', phpLocation = '\\.php$') => `server {
  listen 80 default_server;
  root ${root};
  index index.php index.html;
  server_name _;
  location / {
    try_files $uri $uri/ =404;
  }
  location ~ ${phpLocation} {
    include snippets/fastcgi-php.conf;
    fastcgi_pass unix:${SOCK};
  }
}
`;

async function check(site: string, machine: FixtureData & { fpm?: FixtureProcess[] } = {}) {
  const source = debianNginxSource({
    '/etc/nginx/nginx.conf': 'user www-data;\nevents {}\nhttp {\n  include /etc/nginx/sites-enabled/*;\n}\n',
    [SITE_FILE]: site,
  });
  const analysis = analyzeNginxForCheck({ root: '/etc/nginx/nginx.conf', source });
  if (!analysis) throw new Error('no nginx configuration');
  const system = fixtureSystem({
    ...machine,
    files: { ...DEBIAN_POOL, ...fpmSocket(), ...(machine.files ?? {}) },
    processes: [...NGINX_PROCESSES, ...(machine.fpm ?? FPM_PROCESSES)],
    unixListeners: [{ path: SOCK, inode: 500 }],
  });
  const r = await runProbes(analysis.model, system, { now: 1_800_000_000_000, configFindings: analysis.findings });
  expect(r.internalErrors).toEqual([]);
  return r;
}

const ids = (fs: readonly Finding[]) => fs.map((f) => f.id);
const evidence = (f: Finding | undefined) => (f?.evidence ?? []).map((e) => e.text).join('\n');
const pool = (extra: string, base = DEBIAN_POOL[POOL_FILE]!) => ({ [POOL_FILE]: `${base}${extra}` });

describe("script-unreadable: the pool's user may not read what nginx sends", () => {
  // nginx's www-data enters the root through its group; the pool runs as app, who may not.
  const root = { '/var/www/html': { type: 'dir', uid: 0, gid: 33, mode: 0o750 } satisfies FixtureFile };
  const appPool = DEBIAN_POOL[POOL_FILE]!.replace('user = www-data\ngroup = www-data', 'user = app\ngroup = app');

  it("fires, naming the pool's user, the directory, the pool line and nginx's server and fastcgi_pass", async () => {
    const r = await check(debianSite(), {
      files: { ...root, '/var/www/html/index.php': '<?php echo 1;', [POOL_FILE]: appPool },
    });
    const f = r.findings.find((x) => x.id === 'script-unreadable');
    expect(f?.message).toContain('http://127.0.0.1/index.php runs /var/www/html/index.php as app');
    expect(f?.message).toContain('/var/www/html');
    expect(f?.message).toContain('the backend answers "Access denied." / "Primary script unknown"');
    expect(f?.message).not.toContain('Apache');
    const ev = evidence(f);
    expect(ev).toContain(`PHP-FPM pool [www] (${POOL_FILE}:2): user = app, group = app`);
    expect(ev).toContain(`${SITE_FILE}:1: server {…}`);
    expect(ev).toContain(`${SITE_FILE}:11: fastcgi_pass unix:${SOCK}`);
    expect(ev).not.toContain('<VirtualHost');
  });

  it('stays quiet when the pool runs as www-data, which may enter the root', async () => {
    const r = await check(debianSite(), { files: { ...root, '/var/www/html/index.php': '<?php echo 1;' } });
    expect(ids(r.findings)).not.toContain('script-unreadable');
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe('script-extension-denied: nginx passes .phtml to a pool that runs .php only', () => {
  const files = { '/var/www/html/page.phtml': '<?php echo 1;' };

  it('fires at the pool, the fix narrowing the nginx location that sends .phtml', async () => {
    const r = await check(debianSite('/var/www/html', '\\.ph(p|tml)$'), { files });
    const f = r.findings.find((x) => x.id === 'script-extension-denied');
    expect(f?.location).toEqual({ file: POOL_FILE, line: 1 });
    expect(f?.fix).toContain(
      `narrow location ~ \\.ph(p|tml)$ (${SITE_FILE}:9) so that nginx does not pass .phtml files`,
    );
    expect(f?.fix).not.toContain('handler');
    expect(evidence(f)).toContain(`${SITE_FILE}:11: fastcgi_pass unix:${SOCK}`);
  });

  it('stays quiet when the pool allows .phtml', async () => {
    const r = await check(debianSite('/var/www/html', '\\.ph(p|tml)$'), {
      files: { ...files, ...pool('security.limit_extensions = .php .phtml\n') },
    });
    expect(ids(r.findings)).not.toContain('script-extension-denied');
  });
});

describe('primary-script-unknown: a chrooted pool, the fix in fastcgi_param', () => {
  const files = { '/srv/jail/www/index.php': '<?php echo 1;', ...pool('chroot = /srv/jail\n') };

  it("fires: nginx sends the host's path, which the jail does not hold", async () => {
    const r = await check(debianSite('/srv/jail/www'), { files });
    const f = r.findings.find((x) => x.id === 'primary-script-unknown');
    expect(f?.message).toContain(
      'the pool runs in chroot /srv/jail, where that path is /srv/jail/srv/jail/www/index.php',
    );
    expect(f?.fix).toContain(
      `in the PHP location (${SITE_FILE}:11), after its include of fastcgi.conf or fastcgi_params, fastcgi_param SCRIPT_FILENAME /www$fastcgi_script_name; and fastcgi_param DOCUMENT_ROOT /www;`,
    );
    expect(f?.fix).not.toContain('ProxyFCGISetEnvIf');
    // The jail decides the path: script-filename-mismatch stays out of it.
    expect(ids(r.findings)).not.toContain('script-filename-mismatch');
  });

  it('stays quiet when nginx sends the path the jail sees', async () => {
    const site = debianSite('/srv/jail/www').replace(
      '    include snippets/fastcgi-php.conf;\n',
      '    include snippets/fastcgi-php.conf;\n    fastcgi_param SCRIPT_FILENAME /www$fastcgi_script_name;\n',
    );
    const r = await check(site, { files: { ...files, '/srv/jail/www/www/index.php': '<?php echo 1;' } });
    expect(ids(r.findings)).not.toContain('primary-script-unknown');
  });
});

describe('primary-script-unknown: PHP-FPM in a container that lacks the site', () => {
  const NS = 'mnt:[4026532999]';
  const socketFile: FixtureFile = { type: 'socket', uid: 33, gid: 33, mode: 0o660, ino: 777_777 };
  const fpm = (containerFiles: Record<string, FixtureFile | string>): FixtureProcess[] =>
    [200, 201].map((pid) => ({
      pid,
      ...(pid === 201 ? { ppid: 200, uid: 33, gid: 33 } : {}),
      comm: 'php-fpm',
      cmdline: [pid === 200 ? 'php-fpm: master process (/usr/local/etc/php-fpm.conf)' : 'php-fpm: pool www'],
      sockets: [500],
      mountNamespace: NS,
      containerFiles: {
        '/usr/local/etc/php-fpm.conf': '[global]\ninclude=etc/php-fpm.d/*.conf\n',
        [SOCK]: socketFile,
        ...containerFiles,
      },
    }));
  const host = { '/srv/shop/index.php': '<?php echo 1;', [SOCK]: socketFile };

  it('fires with the fix in fastcgi_param, naming the path the container holds', async () => {
    const r = await check(debianSite('/srv/shop'), {
      files: host,
      fpm: fpm({ '/var/www/html/index.php': '<?php echo 1;' }),
    });
    const f = r.findings.find((x) => x.id === 'primary-script-unknown');
    expect(f?.message).toContain('the PHP-FPM master serving it (pid 200) runs in a container');
    expect(f?.fix).toContain('docker run -v /srv/shop:/srv/shop');
    expect(f?.fix).toContain(
      'fastcgi_param SCRIPT_FILENAME /var/www/html$fastcgi_script_name; and fastcgi_param DOCUMENT_ROOT /var/www/html;',
    );
    expect(f?.fix).not.toContain('ProxyFCGISetEnvIf');
  });

  it("stays quiet when the container holds the site at the same path, and script-filename-mismatch stays quiet on a SCRIPT_FILENAME that is the container's", async () => {
    const same = await check(debianSite('/srv/shop'), {
      files: host,
      fpm: fpm({ '/srv/shop/index.php': '<?php echo 1;' }),
    });
    expect(ids(same.findings)).not.toContain('primary-script-unknown');
    const site = debianSite('/srv/shop').replace(
      '    include snippets/fastcgi-php.conf;\n',
      '    include snippets/fastcgi-php.conf;\n    fastcgi_param SCRIPT_FILENAME /var/www/html$fastcgi_script_name;\n',
    );
    const containerPath = await check(site, { files: host, fpm: fpm({ '/var/www/html/index.php': '<?php echo 1;' }) });
    expect(ids(containerPath.findings)).not.toContain('primary-script-unknown');
    expect(ids(containerPath.findings)).not.toContain('script-filename-mismatch');
    // Missing in the container as well: the written-out path is wrong, and said so.
    const wrong = await check(site, { files: host, fpm: fpm({}) });
    expect(ids(wrong.findings)).toContain('script-filename-mismatch');
  });
});
