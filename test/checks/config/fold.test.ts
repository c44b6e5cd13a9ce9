/**
 * Issue 12 item 24: many lines of one cause make one finding, at the first
 * line (where Apache stops), counting them all and quoting a few; different
 * causes stay different findings.
 */
import { describe, expect, it } from 'vitest';
import { FOLD_EVIDENCE_LINES } from '../../../src/checks/config/fold.js';
import { analyze, BASE, FASTCGI, FCGID, only, PROXY } from './helpers.js';

const setEnv = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `SetEnv V${from + i} x\n`).join('');

describe('findings of one cause are folded into one', () => {
  it('15 SetEnv lines without env_module: one finding at the first, counting 15, quoting 10 and the rest as a number', () => {
    const r = analyze(`${BASE}${setEnv(15)}`);
    const f = only(r, 'config-syntax-error');
    expect(f).toHaveLength(1);
    expect(f[0]?.location).toEqual({ file: '/srv/httpd.conf', line: 8 });
    expect(f[0]?.title).toBe('SetEnv needs env_module, which is not loaded');
    expect(f[0]?.message).toContain('15 lines in all have this problem; Apache stops at the first.');
    expect(f[0]?.evidence.map((e) => e.text)).toEqual([
      ...Array.from({ length: FOLD_EVIDENCE_LINES }, (_, i) => `/srv/httpd.conf:${8 + i}: SetEnv V${i} x`),
      '… and 5 more lines',
    ]);
  });

  it('a single line keeps its finding as it was: no count', () => {
    const f = only(analyze(`${BASE}SetEnv V x\n`), 'config-syntax-error');
    expect(f).toHaveLength(1);
    expect(f[0]?.message).not.toContain('lines in all');
    expect(f[0]?.evidence.map((e) => e.text)).toEqual(['/srv/httpd.conf:8: SetEnv V x']);
  });

  it('two causes stay two findings, each at its own first line: SetEnv needs env_module, Header needs headers_module', () => {
    const r = analyze(`${BASE}${setEnv(3)}Header set X-A a\n${setEnv(2, 3)}Header set X-B b\n`);
    const f = only(r, 'config-syntax-error');
    expect(f.map((x) => [x.title, x.location?.line])).toEqual([
      ['SetEnv needs env_module, which is not loaded', 8],
      ['Header needs headers_module, which is not loaded', 11],
    ]);
    expect(f[0]?.message).toContain('5 lines in all');
    expect(f[1]?.message).toContain('2 lines in all');
  });

  it('one directive out of place in two different sections is two causes; twice in the same section, one', () => {
    const r = analyze(
      `${BASE}${PROXY}<Directory /a>\nListen 81\nListen 82\n</Directory>\n<Files x>\nListen 83\n</Files>\n`,
    );
    const f = only(r, 'config-syntax-error').filter((x) => x.title === 'Listen is not allowed here');
    expect(f.map((x) => [x.location?.line, x.evidence.length])).toEqual([
      [11, 2],
      [15, 1],
    ]);
    expect(f[0]?.message).toContain('cannot occur within <Directory> section');
    expect(f[1]?.message).toContain('cannot occur within <Files> section');
  });

  it('module-not-loaded: 12 FastCGI directives of one name are one finding; another name is another', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `FcgidInitialEnv V${i} x\n`).join('');
    const r = analyze(`${BASE}${lines}FcgidIOTimeout 40\n`);
    const f = only(r, 'module-not-loaded');
    expect(f.map((x) => [x.title, x.location?.line])).toEqual([
      ['FcgidInitialEnv needs fcgid_module, which is not loaded', 8],
      ['FcgidIOTimeout needs fcgid_module, which is not loaded', 20],
    ]);
    expect(f[0]?.message).toContain('12 lines in all');
    expect(f[0]?.evidence.at(-1)?.text).toBe('… and 2 more lines');
  });

  it('a ${VARIABLE} undefined on many lines is one finding; another variable another', () => {
    const r = analyze(`${BASE}ServerName \${NOPE}\nServerAdmin \${NOPE}\nDocumentRoot \${OTHER}\n`);
    const f = only(r, 'config-variable-undefined');
    expect(f.map((x) => [x.title, x.location?.line])).toEqual([
      ['${NOPE} is not defined', 8],
      ['${OTHER} is not defined', 10],
    ]);
    expect(f[0]?.message).toContain('2 lines in all have this problem.');
  });
});

describe('execcgi-off: one finding per directory, not per handler (issue 14)', () => {
  it('two handlers in one directory without ExecCGI: one finding, both handler lines and the Options line as evidence, no "Apache stops"', () => {
    const r = analyze(
      `${BASE}${FCGID}<Directory /var/www/f>\nOptions Indexes\nAddHandler fcgid-script .fcgi\n<Files app.py>\nSetHandler fcgid-script\n</Files>\n</Directory>\n`,
    );
    const f = only(r, 'execcgi-off');
    expect(f).toHaveLength(1);
    expect(f[0]?.location?.line).toBe(11);
    expect(f[0]?.message).toContain('2 lines in all have this problem.');
    expect(f[0]?.message).not.toContain('Apache stops');
    expect(f[0]?.evidence.map((e) => e.text)).toEqual([
      '/srv/httpd.conf:11: AddHandler fcgid-script .fcgi',
      '/srv/httpd.conf:13: SetHandler fcgid-script',
      '/srv/httpd.conf:10: Options Indexes (applies here, in merge order: replaces the inherited options (FollowSymLinks) with Indexes → Indexes)',
    ]);
  });

  it('two directories are two causes: one finding each', () => {
    const r = analyze(
      `${BASE}${FCGID}<Directory /var/www/a>\nOptions Indexes\nAddHandler fcgid-script .fcgi\n</Directory>\n<Directory /var/www/b>\nOptions Indexes\nAddHandler fcgid-script .fcgi\n</Directory>\n`,
    );
    const f = only(r, 'execcgi-off');
    expect(f.map((x) => x.location?.line)).toEqual([11, 15]);
    expect(f.every((x) => !x.message.includes('lines in all'))).toBe(true);
  });
});

describe('other configuration checks: one cause, one finding (issue 14)', () => {
  it('server-redefined: one file name defined three times is one finding, at the first redefinition, Apache stopping there', () => {
    const ext = 'FastCgiExternalServer /usr/lib/cgi-bin/php-fcgi -socket /run/php.sock\n';
    const r = analyze(
      `${BASE}${FASTCGI}<VirtualHost *:80>\n${ext}</VirtualHost>\n<VirtualHost *:443>\n${ext}</VirtualHost>\n<VirtualHost *:8080>\n${ext}</VirtualHost>\n`,
    );
    const f = only(r, 'server-redefined');
    expect(f).toHaveLength(1);
    expect(f[0]?.location?.line).toBe(13);
    expect(f[0]?.message).toContain('2 lines in all have this problem; Apache stops at the first.');
    expect(f[0]?.evidence.map((e) => e.text.replace(/: .*?( \(.*\))?$/, '$1'))).toEqual([
      '/srv/httpd.conf:13',
      '/srv/httpd.conf:16',
      '/srv/httpd.conf:10 (the first definition)',
    ]);
    // Two different file names stay two findings.
    const two = analyze(
      `${BASE}${FASTCGI}${ext}${ext}${ext.replace('php-fcgi', 'other')}${ext.replace('php-fcgi', 'other')}`,
    );
    expect(only(two, 'server-redefined')).toHaveLength(2);
  });

  it('proxy-worker-shared: three sockets under one worker name are one finding; Apache starts, so no "stops at the first"', () => {
    const r = analyze(
      `${BASE}${PROXY}ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"\nProxyPass /b "unix:/run/b.sock|fcgi://localhost/"\nProxyPass /c "unix:/run/c.sock|fcgi://localhost/"\n`,
    );
    const f = only(r, 'proxy-worker-shared');
    expect(f).toHaveLength(1);
    expect(f[0]?.message).toContain('2 lines in all have this problem.');
    expect(f[0]?.message).not.toContain('Apache stops');
    expect(f[0]?.evidence.map((e) => e.text)).toEqual([
      '/srv/httpd.conf:11: ProxyPass /b "unix:/run/b.sock|fcgi://localhost/"',
      '/srv/httpd.conf:12: ProxyPass /c "unix:/run/c.sock|fcgi://localhost/"',
      '/srv/httpd.conf:10: ProxyPass /a "unix:/run/a.sock|fcgi://localhost/" (the route that made the worker)',
    ]);
  });

  it('proxy-url-invalid: one socket path too long in two vhosts is one finding (Apache starts); one bad ProxyPass URL twice, one that stops Apache', () => {
    const sock = `/run/${'p'.repeat(110)}.sock`;
    const handler = `<FilesMatch \\.php$>\nSetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`;
    const r = analyze(
      `${BASE}${PROXY}<VirtualHost *:80>\n${handler}</VirtualHost>\n<VirtualHost *:81>\n${handler}</VirtualHost>\n`,
    );
    const f = only(r, 'proxy-url-invalid');
    expect(f).toHaveLength(1);
    expect(f[0]?.message).toContain('2 lines in all have this problem.');
    expect(f[0]?.message).not.toContain('Apache stops');
    expect(f[0]?.evidence).toHaveLength(2);
    const pass = only(
      analyze(
        `${BASE}${PROXY}ProxyPass /a unix:/run/x.sock\nProxyPass /b unix:/run/x.sock\nProxyPass /c unix:/run/y.sock\n`,
      ),
      'proxy-url-invalid',
    );
    expect(pass.map((x) => [x.location?.line, x.evidence.length])).toEqual([
      [10, 2],
      [12, 1],
    ]);
    expect(pass[0]?.message).toContain('Apache refuses to start');
    expect(pass[0]?.message).toContain('2 lines in all have this problem; Apache stops at the first.');
  });
});

describe('module-not-loaded and fastcgi-setup-skipped: one missing module, one false block (issue 14)', () => {
  it('three handlers without mod_proxy_fcgi are one finding: Apache starts, so no "stops at the first"', () => {
    const handler = (sock: string) =>
      `<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/${sock}.sock|fcgi://localhost"\n</FilesMatch>\n`;
    const r = analyze(`${BASE}${handler('a')}${handler('b')}${handler('c')}`);
    const f = only(r, 'module-not-loaded');
    expect(f).toHaveLength(1);
    expect(f[0]?.location?.line).toBe(9);
    expect(f[0]?.message).toContain('3 lines in all have this problem.');
    expect(f[0]?.message).not.toContain('Apache stops');
    expect(f[0]?.evidence.map((e) => e.text.split(': ')[0])).toEqual([
      '/srv/httpd.conf:9',
      '/srv/httpd.conf:12',
      '/srv/httpd.conf:15',
    ]);
  });

  it('two setups in one false <IfModule> are one finding, the condition quoted once; another block is another', () => {
    const r = analyze(
      `${BASE}<IfModule mod_fastcgi.c>\nFastCgiExternalServer /x -socket /run/x.sock\nFastCgiExternalServer /y -socket /run/y.sock\n</IfModule>\n<IfModule mod_fastcgi.c>\nFastCgiExternalServer /z -socket /run/z.sock\n</IfModule>\n`,
    );
    const f = only(r, 'fastcgi-setup-skipped');
    expect(f.map((x) => x.evidence.map((e) => e.text.split(': ')[0]))).toEqual([
      ['/srv/httpd.conf:9', '/srv/httpd.conf:10', '/srv/httpd.conf:8'],
      ['/srv/httpd.conf:13', '/srv/httpd.conf:12'],
    ]);
    expect(f[0]?.message).toContain('2 lines in all have this problem.');
  });
});

describe('authorization-not-passed: one finding per site, every route of it as evidence (issue 14)', () => {
  it('two routes of one authenticated vhost: one finding quoting both and the AuthType line', () => {
    const r = analyze(
      `${BASE}${PROXY}<VirtualHost *:80>\nAuthType Basic\nRequire valid-user\nProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/var/www/$1\nProxyPassMatch ^/api/(.*)$ fcgi://127.0.0.1:9001/srv/api/$1\n</VirtualHost>\n`,
    );
    const f = only(r, 'authorization-not-passed');
    expect(f).toHaveLength(1);
    expect(f[0]?.evidence.map((e) => e.text.split(': ')[0])).toEqual([
      '/srv/httpd.conf:13',
      '/srv/httpd.conf:14',
      '/srv/httpd.conf:11',
    ]);
    expect(f[0]?.message).toContain('2 lines in all have this problem.');
  });
});
