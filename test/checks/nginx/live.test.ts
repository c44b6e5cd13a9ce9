/**
 * nginx's live side on a fixture machine: the socket as nginx's user sees it,
 * the pool's php.ini for fix-pathinfo-exec, the status page traced with
 * routeNginx, fastcgi_read_timeout against request_terminate_timeout, and a
 * healthy Debian machine that stays free of errors and warnings.
 */
import { describe, expect, it } from 'vitest';
import { analyzeNginxForCheck } from '../../../src/checks/nginx/index.js';
import { webServerOfText, webServersOnMachine } from '../../../src/checks/webServerChoice.js';
import { runProbes } from '../../../src/checks/probes/index.js';
import type { MemoryNginxSource } from '../../../src/nginx/index.js';
import { fixtureSystem, type FixtureData } from '../../../src/system/fixture.js';
import { fixtureAccessOracle } from '../../../src/system/index.js';
import { DEBIAN_POOL, FPM_PROCESSES, fpmSocket } from '../probes/helpers.js';
import { debianNginxSource, NGINX_PROCESSES } from './helpers.js';

const NOW = 1_800_000_000_000;
const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';

const DEBIAN_SITE = `server {
  listen 80 default_server;
  root /var/www/html;
  index index.php index.html;
  server_name _;
  location / { try_files $uri $uri/ =404; }
  location ~ \\.php$ {
    include snippets/fastcgi-php.conf;
    fastcgi_pass unix:/run/php/php8.2-fpm.sock;
  }
}
`;

const BARE_PHP = `server {
  listen 80;
  root /var/www/html;
  location ~ \\.php$ {
    include fastcgi.conf;
    fastcgi_pass unix:/run/php/php8.2-fpm.sock;
  }
}
`;

function nginxTree(site: string, user = 'user www-data;\n'): MemoryNginxSource {
  return debianNginxSource({
    '/etc/nginx/nginx.conf': `${user}events {}\nhttp {\n  include /etc/nginx/sites-enabled/*;\n}\n`,
    '/etc/nginx/sites-enabled/default': site,
  });
}

async function live(site: string, machine: FixtureData = {}, user?: string) {
  const analysis = analyzeNginxForCheck({ root: '/etc/nginx/nginx.conf', source: nginxTree(site, user) });
  if (!analysis) throw new Error('no nginx configuration');
  const system = fixtureSystem({
    ...machine,
    files: {
      ...DEBIAN_POOL,
      ...fpmSocket(),
      '/var/www/html/index.php': '<?php echo 1;',
      ...(machine.files ?? {}),
    },
    processes: [...NGINX_PROCESSES, ...FPM_PROCESSES, ...(machine.processes ?? [])],
    unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
  });
  const r = await runProbes(analysis.model, system, { now: NOW, configFindings: analysis.findings });
  expect(r.internalErrors).toEqual([]);
  return { config: analysis.findings, live: r };
}

describe('a healthy Debian machine (default site with the PHP snippet, the packaged pool)', () => {
  it('gives no error and no warning, and traces a real script to the pool', async () => {
    const { config, live: r } = await live(DEBIAN_SITE);
    expect([...config, ...r.findings].filter((f) => f.severity !== 'info')).toEqual([]);
    const traced = r.discovery?.scripts.find((d) => d.route?.outcome === 'fastcgi');
    expect(traced?.url).toBe('http://127.0.0.1/index.php');
    expect(traced?.route?.backend?.params['SCRIPT_FILENAME']).toBe('/var/www/html/index.php');
  });
});

describe('server-not-running for nginx', () => {
  it('fires when no nginx master serves the configuration', async () => {
    const analysis = analyzeNginxForCheck({ root: '/etc/nginx/nginx.conf', source: nginxTree(DEBIAN_SITE) });
    const system = fixtureSystem({
      files: { ...DEBIAN_POOL, ...fpmSocket() },
      processes: FPM_PROCESSES,
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
    });
    const r = await runProbes(analysis!.model, system, { now: NOW, discovery: false });
    const f = r.findings.find((x) => x.id === 'server-not-running');
    expect(f).toMatchObject({ severity: 'error', title: 'nginx is not running' });
  });
  it('stays quiet with the packaged master running', async () => {
    const { live: r } = await live(DEBIAN_SITE);
    expect(r.findings.map((f) => f.id)).not.toContain('server-not-running');
  });
});

describe('the socket as nginx user sees it', () => {
  it('socket-permission-denied for www-data on a 0660 root:root socket, worded for nginx', async () => {
    const { live: r } = await live(DEBIAN_SITE, {
      files: { ...fpmSocket({ uid: 0, gid: 0, mode: 0o660 }) },
    });
    const f = r.findings.find((x) => x.id === 'socket-permission-denied');
    expect(f?.message).toContain("www-data, the user nginx's workers run as");
    expect(f?.location?.file).toBe('/etc/nginx/sites-enabled/default');
  });
  it('no user directive and no worker: the compiled-in user (nobody) is assumed and said', async () => {
    const analysis = analyzeNginxForCheck({ root: '/etc/nginx/nginx.conf', source: nginxTree(DEBIAN_SITE, '') });
    const system = fixtureSystem({
      files: { ...DEBIAN_POOL, ...fpmSocket({ mode: 0o660 }) },
      processes: FPM_PROCESSES,
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
    });
    const r = await runProbes(analysis!.model, system, { now: NOW, discovery: false });
    expect(r.notices.join('\n')).toContain('"nobody", the compiled-in default');
    expect(r.findings.map((f) => f.id)).toContain('socket-permission-denied');
  });
  it('socket-missing names nginx', async () => {
    const site = DEBIAN_SITE.replace('php8.2-fpm.sock', 'php8.1-fpm.sock');
    const { live: r } = await live(site);
    expect(r.findings.find((x) => x.id === 'socket-missing')?.message).toMatch(
      /^nginx connects to \/run\/php\/php8\.1-fpm\.sock/,
    );
  });
});

describe('fix-pathinfo-exec', () => {
  it("fix-pathinfo-guarded (info, not the contract's fix-pathinfo-exec): no existence check, cgi.fix_pathinfo=1 by default, FPM's default security.limit_extensions stops it", async () => {
    const { live: r } = await live(BARE_PHP);
    expect(r.findings.map((x) => x.id)).not.toContain('fix-pathinfo-exec');
    const f = r.findings.find((x) => x.id === 'fix-pathinfo-guarded');
    expect(f?.severity).toBe('info');
    expect(f?.message).toContain('refuses today');
    expect(f?.evidence.map((e) => e.text)).toContain(
      "[www] (/etc/php/8.2/fpm/pool.d/www.conf:1): security.limit_extensions unset, FPM's default .php .phar",
    );
    expect(f?.message).toContain("cgi.fix_pathinfo=1 (cgi.fix_pathinfo not set in php.ini: PHP's default 1)");
    expect(f?.location).toMatchObject({ file: '/etc/nginx/sites-enabled/default', line: 4 });
  });
  it('error when security.limit_extensions is emptied', async () => {
    const { live: r } = await live(BARE_PHP, {
      files: { [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}security.limit_extensions =\n` },
    });
    expect(r.findings.find((x) => x.id === 'fix-pathinfo-exec')?.severity).toBe('error');
  });
  it("quiet with cgi.fix_pathinfo=0 in the pool's php.ini, or in php_admin_value", async () => {
    const ini = await live(BARE_PHP, { files: { '/etc/php/8.2/fpm/php.ini': '[PHP]\ncgi.fix_pathinfo=0\n' } });
    expect(ini.live.findings.map((f) => f.id)).not.toContain('fix-pathinfo-exec');
    expect(ini.live.findings.map((f) => f.id)).not.toContain('fix-pathinfo-guarded');
    const admin = await live(BARE_PHP, {
      files: { [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}php_admin_value[cgi.fix_pathinfo] = 0\n` },
    });
    expect(admin.live.findings.map((f) => f.id)).not.toContain('fix-pathinfo-exec');
    expect(admin.live.findings.map((f) => f.id)).not.toContain('fix-pathinfo-guarded');
  });
  it('quiet with try_files $uri =404', async () => {
    const { live: r } = await live(
      BARE_PHP.replace('include fastcgi.conf;', 'try_files $uri =404;\n    include fastcgi.conf;'),
    );
    expect(r.findings.map((f) => f.id)).not.toContain('fix-pathinfo-exec');
    expect(r.findings.map((f) => f.id)).not.toContain('fix-pathinfo-guarded');
  });
});

describe('script-filename-mismatch', () => {
  const written = DEBIAN_SITE.replace(
    'fastcgi_pass unix:',
    'fastcgi_param SCRIPT_FILENAME /srv/old$fastcgi_script_name;\n    fastcgi_pass unix:',
  );
  it('fires when SCRIPT_FILENAME names another, missing, file than the one nginx resolved', async () => {
    const { live: r } = await live(written);
    const f = r.findings.find((x) => x.id === 'script-filename-mismatch');
    expect(f?.message).toContain('resolves /var/www/html/index.php but sends SCRIPT_FILENAME /srv/old/index.php');
    expect(f?.location).toMatchObject({ file: '/etc/nginx/sites-enabled/default', line: 9 });
  });
  it('stays quiet with $document_root$fastcgi_script_name (the healthy site)', async () => {
    const { live: r } = await live(DEBIAN_SITE);
    expect(r.findings.map((f) => f.id)).not.toContain('script-filename-mismatch');
  });
});

describe('timeouts-inverted', () => {
  const pool = (rtt: string) => ({ [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}request_terminate_timeout = ${rtt}\n` });
  it('fires when the pool lets a script run longer than fastcgi_read_timeout', async () => {
    const { live: r } = await live(DEBIAN_SITE, { files: pool('300') });
    const f = r.findings.find((x) => x.id === 'timeouts-inverted');
    expect(f?.message).toContain('nginx waits only 60 s');
    expect(f?.fix).toContain('fastcgi_read_timeout 330s');
  });
  it('quiet when fastcgi_read_timeout is longer', async () => {
    const site = DEBIAN_SITE.replace(
      'include snippets/fastcgi-php.conf;',
      'include snippets/fastcgi-php.conf;\n    fastcgi_read_timeout 600s;',
    );
    const { live: r } = await live(site, { files: pool('300') });
    expect(r.findings.map((f) => f.id)).not.toContain('timeouts-inverted');
  });
});

describe('status-page-exposed', () => {
  const pool = { [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}pm.status_path = /status\n` };
  const site = DEBIAN_SITE.replace(
    '  location / {',
    '  location = /status { include fastcgi.conf; fastcgi_pass unix:/run/php/php8.2-fpm.sock; }\n  location / {',
  );
  it('fires when /status is passed to the pool from anywhere', async () => {
    const { live: r } = await live(site, { files: pool });
    const f = r.findings.find((x) => x.id === 'status-page-exposed');
    expect(f?.fix).toContain('allow 127.0.0.1; deny all;');
  });
  it('quiet when allow/deny limit it', async () => {
    const limited = site.replace('location = /status {', 'location = /status { allow 127.0.0.1; deny all;');
    const { live: r } = await live(limited, { files: pool });
    expect(r.findings.map((f) => f.id)).not.toContain('status-page-exposed');
  });
});

describe('which web server a file is', () => {
  it('tells nginx and Apache apart by content, then by place', () => {
    expect(webServerOfText('/x/site', 'server {\n  listen 80;\n}\n')).toBe('nginx');
    expect(webServerOfText('/x/site', '<VirtualHost *:80>\nServerName a\n</VirtualHost>\n')).toBe('apache');
    expect(webServerOfText('/x/site', '# server { }\n<VirtualHost *:80>\n</VirtualHost>\n')).toBe('apache');
    expect(webServerOfText('/etc/nginx/conf.d/empty.conf', '# nothing\n')).toBe('nginx');
    expect(webServerOfText('/etc/apache2/sites-available/x.conf', '')).toBe('apache');
    expect(webServerOfText('/srv/x.conf', '')).toBeUndefined();
  });
  it('finds the servers of a machine: each one there, Apache when none is', () => {
    const on = (files: Record<string, string>, cmdlines: string[][] = []) =>
      webServersOnMachine(
        fixtureSystem({ files, processes: cmdlines.map((cmdline, i) => ({ pid: 10 + i, comm: 'x', cmdline })) }),
      );
    expect(on({ '/etc/nginx/nginx.conf': '' })).toEqual(['nginx']);
    expect(on({ '/etc/apache2/apache2.conf': '' })).toEqual(['apache']);
    expect(on({ '/etc/apache2/apache2.conf': '', '/etc/nginx/nginx.conf': '' })).toEqual(['apache', 'nginx']);
    expect(on({})).toEqual(['apache']);
    expect(on({}, [['nginx: master process /usr/sbin/nginx -c /opt/n.conf']])).toEqual(['nginx']);
  });
});

describe('fpm-max-children-exceeds-memory for the pool behind nginx', () => {
  const MIB = 1024;
  const bigWorker = {
    pid: 202,
    ppid: 200,
    comm: 'php-fpm8.2',
    cmdline: ['php-fpm: pool www'],
    uid: 33,
    gid: 33,
    memory: { kb: 60 * MIB },
  };
  const machine = (maxChildren: number): FixtureData => ({
    files: {
      [POOL_FILE]: DEBIAN_POOL[POOL_FILE]!.replace('pm.max_children = 5', `pm.max_children = ${maxChildren}`),
    },
    processes: [bigWorker],
    memory: { totalKb: 4 * 1024 * MIB, availableKb: 3 * 1024 * MIB },
  });

  it('fires when pm.max_children workers of the measured size cannot fit in memory', async () => {
    const { live: r } = await live(DEBIAN_SITE, machine(200));
    const f = r.findings.find((x) => x.id === 'fpm-max-children-exceeds-memory');
    expect(f?.location).toEqual({ file: POOL_FILE, line: 8 });
    expect(f?.fix).toContain('set "pm.max_children = 52"');
  });

  it('stays quiet on the packaged pm.max_children = 5', async () => {
    const { live: r } = await live(DEBIAN_SITE, machine(5));
    expect(r.findings.map((x) => x.id)).not.toContain('fpm-max-children-exceeds-memory');
  });
});

describe('server-user-denied (the scripts traced as nginx worker sees the files)', () => {
  const homeSite = DEBIAN_SITE.replace('root /var/www/html;', 'root /home/app/site;');
  const home = (mode: number) => ({
    files: {
      '/home/app': { type: 'dir' as const, uid: 1001, gid: 1001, mode },
      '/home/app/site': { type: 'dir' as const, uid: 1001, gid: 1001 },
      '/home/app/site/index.php': { uid: 1001, gid: 1001, content: '<?php echo 1;' },
    },
  });
  it('fires when www-data may not search the home directory above the root: try_files answers 404', async () => {
    const { live: r } = await live(homeSite, home(0o750));
    const f = r.findings.find((x) => x.id === 'server-user-denied');
    expect(f).toMatchObject({
      severity: 'error',
      title: "The web server's user may not reach the file the request needs",
    });
    expect(f?.message).toContain(
      "http://127.0.0.1/index.php needs /home/app/site/index.php, which exists, but nginx's worker runs as www-data, who lacks search (x) permission on the directory /home/app (drwxr-x--- app:app)",
    );
    expect(f?.message).toContain('nginx answers 404');
    // The config line: snippets/fastcgi-php.conf's try_files $fastcgi_script_name =404.
    expect(f?.location).toMatchObject({
      file: '/etc/nginx/snippets/fastcgi-php.conf',
      line: 5,
      includedFrom: ['/etc/nginx/nginx.conf:4', '/etc/nginx/sites-enabled/default:8'],
    });
    expect(f?.evidence.map((e) => e.text)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('try_files $fastcgi_script_name =404;'),
        expect.stringMatching(/^\/etc\/nginx\/nginx.conf:1: user www-data;$/),
        'DENIED x: drwxr-x--- app:app /home/app',
      ]),
    );
    expect(f?.fix).toContain('chmod o+x /home/app');
    expect(f?.fix).toContain('usermod -aG app www-data');
    // The route says it too, and nothing is left uncertain.
    const traced = r.discovery?.scripts[0]?.route;
    expect(traced?.steps.map((s) => s.text).join('\n')).toContain("nginx's worker (www-data) may not search /home/app");
    expect(traced?.uncertain).toEqual([]);
  });
  it('stays quiet when the site is readable (0755): the script is traced to the pool, and the kernel is never asked', async () => {
    const access = fixtureAccessOracle(() => 'refused');
    const { live: r } = await live(homeSite, { ...home(0o755), access });
    expect(r.findings.map((f) => f.id)).not.toContain('server-user-denied');
    expect(r.discovery?.scripts[0]?.route?.outcome).toBe('fastcgi');
    expect(access.asked).toEqual([]);
  });
  it('stays quiet when the kernel, asked as www-data, allows what the bits refuse (setfacl -m u:www-data:x /home/app)', async () => {
    const access = fixtureAccessOracle((_who, q) => (q.path.startsWith('/home/app') ? 'allowed' : 'unknown'));
    const { live: r } = await live(homeSite, { ...home(0o750), access });
    expect(r.findings.map((f) => f.id)).not.toContain('server-user-denied');
    expect(r.discovery?.scripts[0]?.route?.outcome).toBe('fastcgi');
    expect(access.asked.length).toBeGreaterThan(0);
  });
  it('the kernel confirms the refusal: the finding says so', async () => {
    const access = fixtureAccessOracle((_who, q) => (q.path.startsWith('/home/app') ? 'refused' : 'unknown'));
    const { live: r } = await live(homeSite, { ...home(0o750), access });
    const f = r.findings.find((x) => x.id === 'server-user-denied');
    expect(f?.evidence.map((e) => e.text)).toContain(
      'confirmed by the kernel: access(2) as www-data is refused search (x) on /home/app',
    );
  });
  it("stays quiet when the running master is the site's owner, not root (nginx then ignores `user`)", async () => {
    const own = [
      {
        pid: 400,
        ppid: 1,
        comm: 'nginx',
        cmdline: ['nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf'],
        uid: 1001,
        gid: 1001,
      },
      { pid: 401, ppid: 400, comm: 'nginx', cmdline: ['nginx: worker process'], uid: 1001, gid: 1001 },
    ];
    const { live: r } = await live(homeSite, { ...home(0o750), processes: own });
    expect(r.findings.map((f) => f.id)).not.toContain('server-user-denied');
    expect(r.discovery?.scripts[0]?.route?.outcome).toBe('fastcgi');
  });
  it('stays quiet with master_process off (nginx keeps the user that started it)', async () => {
    const { live: r } = await live(homeSite, home(0o750), 'user www-data;\nmaster_process off;\n');
    expect(r.findings.map((f) => f.id)).not.toContain('server-user-denied');
  });
});
