/**
 * Discovery on a fixture machine: the scripts each site really serves, found
 * by a bounded walk of its DocumentRoot / Alias targets for the handlers that
 * reach it, then probed as the backend runs them. Tests marked "traced" need
 * the routing model (routeApache): until it is merged they fail here.
 */
import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../../src/apache/source.js';
import { discoverScripts } from '../../../src/checks/discovery/discover.js';
import { fixtureSystem, type FixtureFile } from '../../../src/system/fixture.js';
import { DEBIAN_POOL, FPM_PROCESSES, config, fpmSocket, ids, only, probe, probeText, ROOT } from '../probes/helpers.js';
import { analyzeStrict } from '../strict.js';

/** Debian's conf-enabled/php8.2-fpm.conf: server-wide, no vhost. */
const DEBIAN_PHP = `<FilesMatch ".+\\.ph(?:ar|p|tml)$">\n  SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"\n</FilesMatch>\nDirectoryIndex index.html index.php`;
const BLOG = `<VirtualHost *:80>\n  ServerName blog.example.org\n  DocumentRoot /srv/blog\n</VirtualHost>`;
/** Debian's mods-enabled/fcgid.conf, then a vhost. */
const FCGID_CONF = (options: string) =>
  `<IfModule mod_fcgid.c>\n  AddHandler fcgid-script .fcgi\n  FcgidIPCDir /var/lib/fcgid\n</IfModule>\n<VirtualHost *:80>\n  ServerName app.example.org\n  DocumentRoot /srv/app\n  <Directory /srv/app>\n    ${options}\n  </Directory>\n</VirtualHost>`;
const FCGID_MACHINE = (script: FixtureFile): Record<string, FixtureFile | string> => ({
  '/var/lib/fcgid': { type: 'dir', uid: 33, mode: 0o755 },
  '/usr/bin/perl': { mode: 0o755 },
  '/srv/app/hello.fcgi': script,
});

function discover(
  body: string,
  files: Record<string, FixtureFile | string>,
  limits: Parameters<typeof discoverScripts>[2] = {},
) {
  const { model } = analyzeStrict({
    root: ROOT,
    serverRoot: '/srv',
    source: new MemoryFileSource({ [ROOT]: config(body) }),
    env: {},
  });
  return discoverScripts(model, fixtureSystem({ files }), limits);
}

describe('discovery: which scripts a site serves', () => {
  it('Debian server-wide FilesMatch + a vhost with DocumentRoot /srv/blog → /srv/blog/index.php', () => {
    const d = discover(`${DEBIAN_PHP}\n${BLOG}`, {
      '/srv/blog/index.php': '<?php echo 1;',
      '/srv/blog/wp-login.php': '<?php',
      '/srv/blog/style.css': '',
      '/var/www/html/index.html': '',
    });
    const blog = d.scripts.filter((s) => s.site.vhost?.serverName === 'blog.example.org');
    expect(blog.map((s) => [s.file, s.url, s.why])).toEqual([
      ['/srv/blog/index.php', 'http://blog.example.org/index.php', 'directory-index'],
    ]);
    // The main server's DocumentRoot has no PHP: nothing to ask for there.
    expect(d.scripts.some((s) => s.file.startsWith('/var/www/html'))).toBe(false);
  });

  it('one representative per handler and directory, the DirectoryIndex first, capped per site', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`/srv/blog/d${String(i).padStart(2, '0')}/a.php`] = '';
    files['/srv/blog/zz.php'] = '';
    files['/srv/blog/index.php'] = '';
    const d = discover(`${DEBIAN_PHP}\n${BLOG}`, files);
    const blog = d.scripts.filter((s) => s.site.vhost);
    expect(blog).toHaveLength(20);
    expect(blog[0]?.file).toBe('/srv/blog/index.php');
    expect(new Set(blog.map((s) => s.file.replace(/\/[^/]+$/, ''))).size).toBe(20);
    expect(d.notices.join('\n')).toContain('31 handler/directory pairs serve scripts; the first 20 were traced');
  });

  it('the walk limit is said in the notices', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2100; i++) files[`/srv/blog/f${i}.txt`] = '';
    const d = discover(`${DEBIAN_PHP}\n${BLOG}`, files);
    expect(d.notices.join('\n')).toContain('the search for scripts stopped after 2000 entries under /srv/blog');
  });

  it('many sites: an overall limit, said in the notices', () => {
    const vhosts = [1, 2, 3, 4]
      .map((n) => `<VirtualHost *:80>\n  ServerName s${n}.example.org\n  DocumentRoot /srv/s${n}\n</VirtualHost>`)
      .join('\n');
    const files: Record<string, string> = {};
    for (const n of [1, 2, 3, 4]) for (let i = 0; i < 10; i++) files[`/srv/s${n}/f${i}.php`] = '';
    const d = discover(`${DEBIAN_PHP}\n${vhosts}`, files, { limits: { entriesTotal: 20 } });
    expect(new Set(d.scripts.map((s) => s.site.host))).toEqual(new Set(['s1.example.org', 's2.example.org']));
    expect(d.notices.join('\n')).toContain('The search for scripts stopped at its overall limit (20 entries, 10 s)');
  });

  it('fcgiwrap behind ProxyPassMatch: the target path mapped back to URLs', () => {
    const d = discover(
      `<VirtualHost *:80>\n  ServerName cgi.example.org\n  DocumentRoot /srv/cgi/htdocs\n  ProxyPassMatch ^/bin/(.*\\.cgi)$ unix:/run/fcgiwrap.socket|fcgi://localhost/srv/cgi/bin/$1\n</VirtualHost>`,
      { '/srv/cgi/bin/hello.cgi': { content: '#!/bin/sh\n', mode: 0o755 }, '/srv/cgi/bin/README': '' },
    );
    expect(d.scripts.map((s) => [s.file, s.url, s.why])).toEqual([
      ['/srv/cgi/bin/hello.cgi', 'http://cgi.example.org/bin/hello.cgi', 'proxy-path'],
    ]);
  });

  it('a ProxyPass to fcgi://localhost/ (a generic app) names no directory: nothing is walked', () => {
    const d = discover(
      `<VirtualHost *:80>\n  ServerName app.example.org\n  ProxyPass /app "unix:/run/app.sock|fcgi://localhost/"\n</VirtualHost>`,
      { '/etc/secret': { mode: 0o600 }, '/index.php': '' },
    );
    expect(d.scripts.filter((s) => s.site.vhost)).toEqual([]);
  });

  it('a prefix ProxyPass to a directory: only its index files are asked for', () => {
    const d = discover(
      `<VirtualHost *:80>\n  ServerName app.example.org\n  ProxyPass /app/ "fcgi://127.0.0.1:9000/srv/app/"\n</VirtualHost>\nDirectoryIndex index.php`,
      { '/srv/app/index.php': '', '/srv/app/lib/util.inc': '', '/srv/app/.env': '' },
    );
    expect(d.scripts.filter((s) => s.site.vhost).map((s) => [s.file, s.url])).toEqual([
      ['/srv/app/index.php', 'http://app.example.org/app/index.php'],
    ]);
  });

  it('traced: the route gives the exact params FPM receives for /srv/blog/index.php', () => {
    const d = discover(`${DEBIAN_PHP}\n${BLOG}`, { '/srv/blog/index.php': '<?php' });
    const s = d.scripts.find((x) => x.file === '/srv/blog/index.php');
    expect(s?.routeError).toBeUndefined();
    expect(s?.route?.outcome).toBe('fastcgi');
    expect(s?.route?.backend?.target).toBe('unix:/run/php/php8.2-fpm.sock');
    expect(s?.route?.backend?.params['SCRIPT_FILENAME']).toBe('proxy:fcgi://localhost/srv/blog/index.php');
    expect(s?.route?.backend?.params['DOCUMENT_ROOT']).toBe('/srv/blog');
  });
});

describe('discovery: the scripts probed as the backend runs them', () => {
  it('mod_fcgid AddHandler .fcgi with a CRLF script: shebang-crlf', async () => {
    const r = await probe(FCGID_CONF('Options +ExecCGI'), {
      files: FCGID_MACHINE({ content: '#!/usr/bin/perl\r\nprint 1;\r\n', mode: 0o755 }),
    });
    const f = only(r, 'shebang-crlf');
    expect(f.message).toContain('/srv/app/hello.fcgi');
    expect(f.evidence.map((e) => e.text).join('\n')).toContain('ServerName app.example.org');
  });

  it('the same script with Unix line endings: quiet', async () => {
    const r = await probe(FCGID_CONF('Options +ExecCGI'), {
      files: FCGID_MACHINE({ content: '#!/usr/bin/perl\nprint 1;\n', mode: 0o755 }),
    });
    expect(ids(r)).toEqual([]);
  });

  it('traced: ExecCGI off by a .htaccess at the script directory (which the configuration check cannot see) → execcgi-off', async () => {
    const r = await probe(FCGID_CONF('Options +ExecCGI\n    AllowOverride Options'), {
      files: {
        ...FCGID_MACHINE({ content: '#!/usr/bin/perl\n', mode: 0o755 }),
        '/srv/app/.htaccess': 'Options -ExecCGI\n',
      },
    });
    const f = only(r, 'execcgi-off');
    expect(f.message).toContain('http://app.example.org/hello.fcgi');
  });

  it('a server-wide AddHandler and a vhost script without ExecCGI: the probe says it (the configuration check only guesses the directory, and stays quiet)', async () => {
    const conf = FCGID_CONF('Options -ExecCGI');
    const { findings } = analyzeStrict({
      root: ROOT,
      serverRoot: '/srv',
      source: new MemoryFileSource({ [ROOT]: config(conf) }),
      env: {},
    });
    expect(findings.map((f) => f.id)).not.toContain('execcgi-off');
    const r = await probe(conf, { files: FCGID_MACHINE({ content: '#!/usr/bin/perl\n', mode: 0o755 }) });
    expect(only(r, 'execcgi-off').message).toContain('http://app.example.org/hello.fcgi');
  });

  it('a server-wide AddHandler on a site with no .fcgi script: nothing to say', async () => {
    const r = await probe(FCGID_CONF('Options -ExecCGI'), {
      files: { '/var/lib/fcgid': { type: 'dir', uid: 33, mode: 0o755 }, '/srv/app/index.html': 'hi' },
    });
    expect(ids(r)).not.toContain('execcgi-off');
  });

  it('ExecCGI off in the <Directory> that holds the handler: said once, by the configuration check, not again by the probe', async () => {
    const conf = `<VirtualHost *:80>\n  ServerName app.example.org\n  DocumentRoot /srv/app\n  <Directory /srv/app>\n    Options -ExecCGI\n    AddHandler fcgid-script .fcgi\n  </Directory>\n</VirtualHost>`;
    const { findings } = analyzeStrict({
      root: ROOT,
      serverRoot: '/srv',
      source: new MemoryFileSource({ [ROOT]: config(conf) }),
      env: {},
    });
    expect(findings.filter((f) => f.id === 'execcgi-off')).toHaveLength(1);
    const r = await probe(conf, { files: FCGID_MACHINE({ content: '#!/usr/bin/perl\n', mode: 0o755 }) });
    expect(ids(r)).not.toContain('execcgi-off');
  });

  it('with +ExecCGI: no execcgi-off', async () => {
    const r = await probe(FCGID_CONF('Options +ExecCGI'), {
      files: FCGID_MACHINE({ content: '#!/usr/bin/perl\n', mode: 0o755 }),
    });
    expect(ids(r)).not.toContain('execcgi-off');
  });

  it('the pool user may not enter the docroot: script-unreadable naming the pool user and the directory', async () => {
    const pool = {
      ...DEBIAN_POOL,
      '/etc/php/8.2/fpm/pool.d/www.conf':
        '[blog]\nuser = app\ngroup = app\nlisten = /run/php/php8.2-fpm.sock\nlisten.owner = www-data\nlisten.group = www-data\n',
    };
    const r = await probe(`${DEBIAN_PHP}\n${BLOG}`, {
      files: {
        ...pool,
        ...fpmSocket(),
        '/srv/blog': { type: 'dir', uid: 33, gid: 33, mode: 0o750 },
        '/srv/blog/index.php': { content: '<?php', uid: 33, gid: 33 },
      },
      processes: FPM_PROCESSES,
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
    });
    const f = only(r, 'script-unreadable');
    expect(f.message).toContain('as app');
    expect(f.message).toContain('the directory /srv/blog');
    expect(probeText(f)).toContain('PHP-FPM pool [blog]');
    expect(f.fix).toBe('chmod o+x /srv/blog');
  });

  it('the pool user may read it: quiet', async () => {
    const r = await probe(`${DEBIAN_PHP}\n${BLOG}`, {
      files: { ...DEBIAN_POOL, ...fpmSocket(), '/srv/blog/index.php': '<?php' },
      processes: FPM_PROCESSES,
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
    });
    expect(ids(r)).toEqual([]);
  });
});

describe('discovery: fcgiwrap behind ProxyPassMatch, probed as its process runs', () => {
  const CGI = `<VirtualHost *:80>\n  ServerName cgi.example.org\n  DocumentRoot /srv/cgi/htdocs\n  ProxyPassMatch ^/bin/(.*\\.cgi)$ unix:/run/fcgiwrap.socket|fcgi://localhost/srv/cgi/bin/$1\n</VirtualHost>`;
  const machine = (script: FixtureFile) => ({
    files: {
      '/run/fcgiwrap.socket': { type: 'socket' as const, uid: 33, gid: 33, mode: 0o660 },
      '/bin/sh': { mode: 0o755 },
      '/srv/cgi/bin/hello.cgi': script,
    },
    processes: [
      { pid: 300, comm: 'fcgiwrap', cmdline: ['/usr/sbin/fcgiwrap', '-f'], uid: 1001, gid: 1001, sockets: [600] },
    ],
    unixListeners: [{ path: '/run/fcgiwrap.socket', inode: 600 }],
  });

  it('a script without x for the process owner: script-not-executable naming that user', async () => {
    const r = await probe(CGI, machine({ content: '#!/bin/sh\necho\n', mode: 0o644 }));
    const f = only(r, 'script-not-executable');
    expect(f.message).toContain('as app');
    expect(probeText(f)).toContain('the process listening there runs as app (pid 300');
  });

  it('an executable script with CRLF: shebang-crlf; without: quiet', async () => {
    const crlf = await probe(CGI, machine({ content: '#!/bin/sh\r\necho\r\n', mode: 0o755 }));
    expect(ids(crlf)).toEqual(['shebang-crlf']);
    const unix = await probe(CGI, machine({ content: '#!/bin/sh\necho\n', mode: 0o755 }));
    expect(ids(unix)).toEqual([]);
  });
});
