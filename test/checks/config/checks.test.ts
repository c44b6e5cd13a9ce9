import { describe, expect, it } from 'vitest';
import { findingIdsOf } from '../../../src/findings/ids.js';
import { CONFIG_CHECKS } from '../../../src/checks/config/index.js';
import { analyze, BASE, FASTCGI, FCGID, ids, only, PROXY } from './helpers.js';

/** [id, configuration where it must fire, line it fires at, configuration where it must not] */
const CASES: [string, string, number | undefined, string][] = [
  [
    'options-mixed-syntax',
    `${BASE}<Directory /var/www>\nOptions FollowSymLinks +ExecCGI\n</Directory>\n`,
    9,
    `${BASE}<Directory /var/www>\nOptions +FollowSymLinks +ExecCGI\nOptions None +ExecCGI\n</Directory>\n`,
  ],
  ['include-not-found', `${BASE}Include conf.d/*.conf\n`, 8, `${BASE}IncludeOptional conf.d/*.conf\n`],
  [
    'config-syntax-error',
    `${BASE}${PROXY}<Directory /var/www>\nProxyPass fcgi://127.0.0.1:9000/\n</Directory>\n`,
    11,
    `${BASE}${PROXY}<Location /app>\nProxyPass fcgi://127.0.0.1:9000/\n</Location>\n`,
  ],
  [
    'module-not-loaded',
    `${BASE}<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php.sock|fcgi://localhost"\n</FilesMatch>\n`,
    9,
    `${BASE}${PROXY}<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php.sock|fcgi://localhost"\n</FilesMatch>\n`,
  ],
  [
    'execcgi-off',
    `${BASE}${FCGID}<Directory /var/www/f>\nOptions Indexes\nAddHandler fcgid-script .fcgi\n</Directory>\n`,
    11,
    `${BASE}${FCGID}<Directory /var/www/f>\nOptions Indexes +ExecCGI\nAddHandler fcgid-script .fcgi\n</Directory>\n`,
  ],
  [
    'proxy-url-invalid',
    `${BASE}${PROXY}<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php.sock"\n</FilesMatch>\n`,
    11,
    `${BASE}${PROXY}<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php.sock|fcgi://localhost"\n</FilesMatch>\n`,
  ],
  [
    'proxy-worker-shared',
    `${BASE}${PROXY}ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"\nProxyPass /b "unix:/run/b.sock|fcgi://localhost/"\n`,
    11,
    `${BASE}${PROXY}ProxyPass /a "unix:/run/a.sock|fcgi://a/"\nProxyPass /b "unix:/run/b.sock|fcgi://b/"\n`,
  ],
  [
    'server-redefined',
    `${BASE}${FASTCGI}<VirtualHost *:80>\nFastCgiExternalServer /usr/lib/cgi-bin/php-fcgi -socket /run/php.sock\n</VirtualHost>\n<VirtualHost *:443>\nFastCgiExternalServer /usr/lib/cgi-bin/php-fcgi -socket /run/php.sock\n</VirtualHost>\n`,
    13,
    `${BASE}${FASTCGI}FastCgiExternalServer /usr/lib/cgi-bin/php-fcgi -socket /run/php.sock\n<VirtualHost *:80>\n</VirtualHost>\n<VirtualHost *:443>\n</VirtualHost>\n`,
  ],
  [
    'authorization-not-passed',
    `${BASE}${PROXY}<VirtualHost *:80>\nAuthType Basic\nRequire valid-user\nProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/var/www/$1\n</VirtualHost>\n`,
    13,
    `${BASE}${PROXY}<VirtualHost *:80>\nAuthType Basic\nRequire valid-user\nCGIPassAuth On\nProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/var/www/$1\n</VirtualHost>\n`,
  ],
  [
    'handler-matches-inner-extension',
    `${BASE}${FCGID}<Directory /var/www>\nOptions +ExecCGI\nAddHandler fcgid-script .php\n</Directory>\n`,
    11,
    `${BASE}${FCGID}<Directory /var/www>\nOptions +ExecCGI\n<FilesMatch \\.php$>\nSetHandler fcgid-script\n</FilesMatch>\n</Directory>\n`,
  ],
  [
    'handler-lowercased',
    `${BASE}${PROXY}<Directory /var/www>\nAddHandler "proxy:unix:/run/php/PHP-FPM.sock|fcgi://localhost" .php\n</Directory>\n`,
    11,
    `${BASE}${PROXY}<Directory /var/www>\n<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php/PHP-FPM.sock|fcgi://localhost"\n</FilesMatch>\n</Directory>\n`,
  ],
  [
    'socket-in-private-tmp',
    `${BASE}${FASTCGI}FastCgiExternalServer /var/www/app.py -socket /tmp/fcgi.sock\n`,
    9,
    `${BASE}${FASTCGI}FastCgiServer /var/www/app.py -socket /tmp/fcgi.sock\n`,
  ],
  [
    'config-variable-undefined',
    `${BASE}ServerName \${UNSET_NAME}\n`,
    8,
    `${BASE}Define SET_NAME x\nServerName \${SET_NAME}\n`,
  ],
  [
    'proxy-routes-static-files',
    `${BASE}${PROXY}ProxyPass / fcgi://127.0.0.1:9000/var/www/\n`,
    10,
    `${BASE}${PROXY}ProxyPass / fcgi://127.0.0.1:8080/\nProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/var/www/$1\n`,
  ],
  [
    'fastcgi-setup-skipped',
    `${BASE}<IfModule mod_fastcgi.c>\nFastCgiExternalServer /x -socket /run/x.sock\n</IfModule>\n`,
    9,
    `${BASE}${FASTCGI}<IfModule mod_fastcgi.c>\nFastCgiExternalServer /x -socket /run/x.sock\n</IfModule>\n`,
  ],
];

describe('each configuration diagnosis fires where it should, and only there', () => {
  it.each(CASES)('%s fires', (id, conf, line) => {
    const r = analyze(conf);
    const hits = only(r, id);
    expect(hits.length, JSON.stringify(r.findings, null, 1)).toBeGreaterThan(0);
    expect(hits[0]?.location).toMatchObject({ file: '/srv/httpd.conf', line });
    for (const h of hits) {
      expect(h.title).toBeTruthy();
      expect(h.message.length).toBeGreaterThan(20);
      expect(h.fix).toBeTruthy();
    }
  });
  it.each(CASES)('%s stays quiet on the fixed configuration', (id, _bad, _line, good) => {
    const r = analyze(good);
    expect(ids(r), JSON.stringify(r.findings, null, 1)).not.toContain(id);
  });
});

describe('finer points', () => {
  it('execcgi-off never fires for mod_fastcgi static/external servers or mod_proxy_fcgi', () => {
    const r = analyze(
      `${BASE}${FASTCGI}${PROXY}<Directory /var/www>\nOptions None\n<Files app.py>\nSetHandler fastcgi-script\n</Files>\n</Directory>\nFastCgiServer /var/www/app.py -port 9001\n<Directory /var/www/php>\nOptions None\n<FilesMatch \\.php$>\nSetHandler "proxy:fcgi://127.0.0.1:9000"\n</FilesMatch>\n</Directory>\n`,
    );
    expect(ids(r)).not.toContain('execcgi-off');
  });
  it('execcgi-off fires for a mod_fastcgi dynamic app', () => {
    const r = analyze(
      `${BASE}${FASTCGI}<Directory /var/www/cgi>\nOptions Indexes\nAddHandler fastcgi-script .fcgi\n</Directory>\n`,
    );
    expect(only(r, 'execcgi-off')[0]?.message).toContain('"ExecCGI Option" is off');
  });
  it('execcgi-off on "Options +FollowSymLinks": no line adds ExecCGI; nothing about a list without + or - (issue 12 item 8)', () => {
    const r = analyze(
      `${BASE}${FCGID}<Directory />\nOptions FollowSymLinks\n</Directory>\n<Directory /srv/cgi>\nOptions +FollowSymLinks\nSetHandler fcgid-script\n</Directory>\n`,
    );
    const f = only(r, 'execcgi-off')[0]!;
    expect(f.message).not.toContain('without + or -');
    expect(f.message).toContain(
      'None of the 2 Options lines that apply here (/srv/httpd.conf:10, /srv/httpd.conf:13) adds ExecCGI',
    );
    const lines = f.evidence.map((e) => e.text).filter((t) => t.includes(': Options '));
    expect(lines).toEqual([
      '/srv/httpd.conf:10: Options FollowSymLinks (applies here, in merge order: replaces the inherited options (FollowSymLinks) with FollowSymLinks → FollowSymLinks)',
      '/srv/httpd.conf:13: Options +FollowSymLinks (applies here, in merge order: adds FollowSymLinks → FollowSymLinks)',
    ]);
  });
  it('execcgi-off names the bare list that replaced an inherited ExecCGI, or the -ExecCGI that removed it', () => {
    const replaced = only(
      analyze(
        `${BASE}${FCGID}<Directory /srv>\nOptions +ExecCGI\n</Directory>\n<Directory /srv/cgi>\nOptions Indexes\nSetHandler fcgid-script\n</Directory>\n`,
      ),
      'execcgi-off',
    )[0]!;
    expect(replaced.message).toContain(
      '"Options Indexes" at /srv/httpd.conf:13 turns ExecCGI off: its list has no + or - words, so it replaces the inherited options, ExecCGI among them.',
    );
    const removed = only(
      analyze(
        `${BASE}${FCGID}<Directory /srv>\nOptions +ExecCGI\n</Directory>\n<Directory /srv/cgi>\nOptions -ExecCGI\nSetHandler fcgid-script\n</Directory>\n`,
      ),
      'execcgi-off',
    )[0]!;
    expect(removed.message).toContain(
      '"Options -ExecCGI" at /srv/httpd.conf:13 turns ExecCGI off: it removes ExecCGI.',
    );
    const none = only(
      analyze(`${BASE}${FCGID}<Directory /srv/cgi>\nSetHandler fcgid-script\n</Directory>\n`),
      'execcgi-off',
    )[0]!;
    expect(none.message).toContain(
      "No Options line applies here, and Apache's default (FollowSymLinks) does not include ExecCGI.",
    );
  });
  it('a live FastCGI directive without its module stops Apache (Invalid command)', () => {
    const r = analyze(`${BASE}FastCgiServer /var/www/app.py\n`);
    expect(only(r, 'module-not-loaded')[0]).toMatchObject({ severity: 'error', location: { line: 8 } });
    expect(only(r, 'module-not-loaded')[0]?.message).toContain("Invalid command 'FastCgiServer'");
  });
  it('a handler without its module serves source code: error', () => {
    const r = analyze(`${BASE}AddHandler fcgid-script .php\n`);
    expect(only(r, 'module-not-loaded')[0]?.message).toContain('plain text');
  });
  it('a proxy: handler with mod_proxy but without mod_proxy_fcgi serves source code too (mod_proxy does not claim it)', () => {
    const r = analyze(
      `${BASE}LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so\n<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php/x.sock|fcgi://localhost"\n</FilesMatch>\n`,
    );
    const f = only(r, 'module-not-loaded')[0];
    expect(f?.message).toContain('plain text');
    expect(f?.title).toContain('proxy_fcgi');
  });
  it('a proxy: handler with neither proxy module serves the script as plain text', () => {
    const r = analyze(
      `${BASE}<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php/x.sock|fcgi://localhost"\n</FilesMatch>\n`,
    );
    expect(only(r, 'module-not-loaded')[0]?.message).toContain('plain text');
  });
  it('proxy-url-invalid warns about fcgi://host with no port', () => {
    const r = analyze(`${BASE}${PROXY}<FilesMatch \\.php$>\nSetHandler "proxy:fcgi://127.0.0.1"\n</FilesMatch>\n`);
    expect(only(r, 'proxy-url-invalid')[0]).toMatchObject({ severity: 'warning' });
    expect(only(r, 'proxy-url-invalid')[0]?.message).toContain('8000');
  });
  it('proxy-url-invalid: a socket path of 109 bytes is too long for Apache (EINVAL); 108 bytes is not (issue 12 item 19)', () => {
    const sock = (bytes: number) => `/run/${'p'.repeat(bytes - '/run/'.length - '.sock'.length)}.sock`;
    const conf = (p: string) =>
      `${BASE}${PROXY}<FilesMatch \\.php$>\nSetHandler "proxy:unix:${p}|fcgi://localhost"\n</FilesMatch>\n`;
    expect(sock(109)).toHaveLength(109);
    const f = only(analyze(conf(sock(109))), 'proxy-url-invalid');
    expect(f.map((x) => [x.severity, x.location?.line])).toEqual([['error', 11]]);
    expect(f[0]?.message).toContain('is 109 bytes long; a Unix socket address holds at most 108');
    expect(f[0]?.message).toContain('AH02454');
    expect(only(analyze(conf(sock(108))), 'proxy-url-invalid')).toEqual([]);
    // The same in ProxyPass, where the worker's own limit comes first.
    expect(
      only(analyze(`${BASE}${PROXY}ProxyPass /app "unix:${sock(120)}|fcgi://localhost/"\n`), 'proxy-url-invalid'),
    ).toHaveLength(1);
  });
  it('proxy-url-invalid: RewriteRule [P] and SetHandler are read per request: Apache starts (2.4.71: 500 AH01144, 400 AH10292)', () => {
    const RW = 'LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\nRewriteEngine On\n';
    const noBar = only(analyze(`${BASE}${PROXY}${RW}RewriteRule ^/a unix:/run/x.sock [P]\n`), 'proxy-url-invalid');
    expect(noBar[0]?.message).toContain('Apache accepts it at startup');
    const noScheme = only(
      analyze(`${BASE}${PROXY}${RW}RewriteRule ^/a "unix:/run/x.sock|fcgi" [P]\n`),
      'proxy-url-invalid',
    );
    expect(noScheme[0]?.message).toContain('Apache starts, then answers 400 Bad Request');
    const handler = only(
      analyze(`${BASE}${PROXY}<Location /d>\nSetHandler "proxy:unix:/run/x.sock|fcgi"\n</Location>\n`),
      'proxy-url-invalid',
    );
    expect(handler[0]?.message).toContain('AH10292');
    const pass = only(analyze(`${BASE}${PROXY}ProxyPass /a/ "unix:/run/x.sock|fcgi"\n`), 'proxy-url-invalid');
    expect(pass[0]?.message).toContain('Apache refuses to start');
  });
  it('proxy-url-invalid: a ProxyPass worker holds 95 bytes of socket path; 96 stop Apache at startup (2.4.71)', () => {
    const sock = (bytes: number) => `/run/${'p'.repeat(bytes - '/run/'.length - '.sock'.length)}.sock`;
    const pass = (p: string) => `${BASE}${PROXY}ProxyPass /app "unix:${p}|fcgi://localhost/"\n`;
    const f = only(analyze(pass(sock(96))), 'proxy-url-invalid');
    expect(f.map((x) => x.severity)).toEqual(['error']);
    expect(f[0]?.message).toContain('Apache refuses to start: "ProxyPass worker uds path');
    expect(f[0]?.message).not.toContain('Apache starts');
    expect(only(analyze(pass(sock(95))), 'proxy-url-invalid')).toEqual([]);
    // SetHandler defines no worker: 96..108 bytes connect.
    expect(
      only(
        analyze(
          `${BASE}${PROXY}<FilesMatch \\.php$>\nSetHandler "proxy:unix:${sock(100)}|fcgi://localhost"\n</FilesMatch>\n`,
        ),
        'proxy-url-invalid',
      ),
    ).toEqual([]);
  });
  it('handler-lowercased: AddHandler and [H=] name the path Apache really uses; only capitals in the socket path count', () => {
    const add = only(
      analyze(`${BASE}${PROXY}AddHandler "proxy:unix:/run/php/PHP-FPM.sock|fcgi://localhost" .php\n`),
      'handler-lowercased',
    );
    expect(add.map((f) => f.severity)).toEqual(['error']);
    expect(add[0]?.message).toContain(
      'AddHandler names the socket /run/php/PHP-FPM.sock, but mod_mime lower-cases the handler name, so Apache connects to /run/php/php-fpm.sock.',
    );
    const rw = only(
      analyze(
        `${BASE}${PROXY}LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\nRewriteEngine On\nRewriteRule ^/app/(.*)$ - [L,H=proxy:unix:/Srv/App.sock|fcgi://localhost]\n`,
      ),
      'handler-lowercased',
    );
    expect(rw[0]?.message).toContain('mod_rewrite lower-cases the handler name, so Apache connects to /srv/app.sock.');
    expect(rw[0]?.fix).toContain('SetHandler "proxy:unix:/Srv/App.sock|fcgi://localhost"');
    // Quiet: a lower-case path, a host name with capitals (looked up without regard to case),
    // a variable's name (its value is unknown), a handler that is no proxy.
    for (const quiet of [
      'AddHandler "proxy:unix:/run/php/php-fpm.sock|fcgi://localhost" .php',
      'AddHandler "proxy:fcgi://PHP.Example.org:9000" .php',
      'LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\nRewriteRule ^/a - [H=proxy:unix:/run/%{HTTP_HOST}.sock|fcgi://localhost]',
      'AddHandler Fcgid-Script .fcgi',
    ])
      expect(only(analyze(`${BASE}${PROXY}${quiet}\n`), 'handler-lowercased'), quiet).toEqual([]);
    // One socket on two AddHandler lines is one finding.
    const twice = only(
      analyze(
        `${BASE}${PROXY}<VirtualHost *:80>\nAddHandler "proxy:unix:/run/A.sock|fcgi://localhost" .php\n</VirtualHost>\n<VirtualHost *:81>\nAddHandler "proxy:unix:/run/A.sock|fcgi://localhost" .php\n</VirtualHost>\n`,
      ),
      'handler-lowercased',
    );
    expect(twice.map((f) => f.evidence.length)).toEqual([2]);
    expect(twice[0]?.message).toContain('2 lines in all have this problem.');
  });
  it('config-syntax-error: FcgidIPCDir in a vhost, an unknown command of an unloaded module, an unclosed section', () => {
    expect(
      only(analyze(`${BASE}${FCGID}<VirtualHost *:80>\nFcgidIPCDir /run/x\n</VirtualHost>\n`), 'config-syntax-error')[0]
        ?.message,
    ).toContain('FcgidIPCDir cannot occur within <VirtualHost> section');
    expect(only(analyze(`${BASE}RewriteEngine On\n`), 'config-syntax-error')[0]?.message).toContain(
      "Invalid command 'RewriteEngine'",
    );
    expect(only(analyze(`${BASE}<VirtualHost *:80>\n`), 'config-syntax-error')[0]?.message).toContain('was not closed');
  });
  it('findings carry the include chain', () => {
    const r = analyze(`${BASE}Include sites/*.conf\n`, {
      '/srv/sites/a.conf': '<Directory /x>\nOptions Indexes +ExecCGI\n</Directory>\n',
    });
    expect(only(r, 'options-mixed-syntax')[0]?.location).toEqual({
      file: '/srv/sites/a.conf',
      line: 2,
      includedFrom: ['/srv/httpd.conf:8'],
    });
  });
  it('config-file-unreadable for EACCES', async () => {
    const { MemoryFileSource } = await import('../../../src/apache/source.js');
    const { analyzeStrict: analyzeConfig } = await import('../strict.js');
    const r = analyzeConfig({
      root: '/srv/httpd.conf',
      source: new MemoryFileSource({
        '/srv/httpd.conf': `${BASE}Include secret.conf\n`,
        '/srv/secret.conf': { error: 'EACCES' },
      }),
      env: {},
    });
    expect(only(r, 'config-file-unreadable')[0]?.location).toMatchObject({ file: '/srv/httpd.conf', line: 8 });
  });
});

describe('unreadable input', () => {
  it('a root file that does not exist is one clear error, not include-not-found', async () => {
    const { MemoryFileSource } = await import('../../../src/apache/source.js');
    const { analyzeStrict: analyzeConfig } = await import('../strict.js');
    const r = analyzeConfig({ root: '/nope/httpd.conf', source: new MemoryFileSource({}), env: {} });
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([['config-file-unreadable', 'error']]);
    expect(r.model.filesRead).toEqual([]);
  });
});

describe('the id catalogue', () => {
  it('the registry names the configuration checks as the emitters of exactly the ids they declare', () => {
    const declared = new Set<string>(CONFIG_CHECKS.flatMap((c) => c.ids));
    expect([...declared].sort()).toEqual(findingIdsOf('configuration').sort());
  });
  it('all nine contract configuration ids are covered by a check', () => {
    const covered = new Set<string>(CONFIG_CHECKS.flatMap((c) => c.ids));
    for (const id of [
      'config-syntax-error',
      'options-mixed-syntax',
      'include-not-found',
      'site-not-loaded',
      'module-not-loaded',
      'execcgi-off',
      'proxy-url-invalid',
      'proxy-worker-shared',
      'server-redefined',
    ]) {
      expect(covered.has(id), id).toBe(true);
    }
  });
});
