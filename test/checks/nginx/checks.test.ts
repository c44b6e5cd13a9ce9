/**
 * nginx's configuration checks on trees in memory: for each id a
 * configuration where it fires (with its line) and a near one where it stays
 * quiet, and Debian's default PHP site (the snippet) quiet for all of them.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeNginx, runNginxConfigChecks } from '../../../src/checks/nginx/index.js';
import { extractNginxSetups } from '../../../src/setups/index.js';
import { MemoryNginxSource, readNginxConfig } from '../../../src/nginx/index.js';
import type { Finding } from '../../../src/findings/finding.js';

const FIXTURE = path.join(import.meta.dirname, '../../../fixtures/nginx/parity/debian-php');
const real = (name: string) => readFileSync(path.join(FIXTURE, name), 'utf8');
const FASTCGI_PARAMS = real('fastcgi_params');
const FASTCGI_CONF = real('fastcgi.conf');
const SNIPPET = real('snippets/fastcgi-php.conf');

function tree(site: string, http = ''): MemoryNginxSource {
  return new MemoryNginxSource({
    '/etc/nginx/nginx.conf': `user www-data;\nevents {}\nhttp {\n${http}\n  include /etc/nginx/sites-enabled/*;\n}\n`,
    '/etc/nginx/fastcgi_params': FASTCGI_PARAMS,
    '/etc/nginx/fastcgi.conf': FASTCGI_CONF,
    '/etc/nginx/snippets/fastcgi-php.conf': SNIPPET,
    '/etc/nginx/sites-available/site': site,
    '/etc/nginx/sites-enabled/site': { symlink: '/etc/nginx/sites-available/site' },
    '/usr/share/nginx/modules': { dir: true },
  });
}

function check(site: string, http = ''): Finding[] {
  const a = analyzeNginx({ root: '/etc/nginx/nginx.conf', source: tree(site, http) });
  if (!a) throw new Error('no configuration');
  const { findings, internalErrors } = runNginxConfigChecks(a);
  expect(internalErrors).toEqual([]);
  return findings;
}

const ids = (fs: Finding[]) => fs.map((f) => f.id);
const serious = (fs: Finding[]) => fs.filter((f) => f.severity !== 'info');
const SITE = '/etc/nginx/sites-enabled/site';

const DEBIAN_DEFAULT_PHP = `server {
  listen 80 default_server;
  root /var/www/html;
  index index.php index.html;
  server_name _;
  location / {
    try_files $uri $uri/ =404;
  }
  location ~ \\.php$ {
    include snippets/fastcgi-php.conf;
    fastcgi_pass unix:/run/php/php8.2-fpm.sock;
  }
}
`;

describe('Debian default site with the PHP snippet', () => {
  it('gives no error and no warning', () => {
    expect(serious(check(DEBIAN_DEFAULT_PHP))).toEqual([]);
  });
});

describe('setups', () => {
  it('makes one setup per fastcgi_pass, direct or through an upstream, with its location and server', () => {
    const src = tree(
      `upstream php { server 127.0.0.1:9000; server 127.0.0.1:9001 backup; }
server {
  listen 8080;
  server_name shop.example;
  location ~ \\.php$ { include fastcgi.conf; fastcgi_pass php; }
  location /direct/ { include fastcgi.conf; fastcgi_pass unix:/run/php/a.sock; }
}
`,
    );
    const setups = extractNginxSetups(readNginxConfig('/etc/nginx/nginx.conf', { source: src }));
    expect(setups.map((s) => [s.endpoint, s.definedAt.line, s.reachedBy[0]?.text, s.vhost?.serverName])).toEqual([
      [{ kind: 'tcp', host: '127.0.0.1', port: 9000 }, 5, 'location ~ \\.php$', 'shop.example'],
      [{ kind: 'unix', path: '/run/php/a.sock' }, 6, 'location /direct/', 'shop.example'],
    ]);
    expect(setups[0]?.module).toBe('nginx');
    expect(setups[0]?.definedAt.file).toBe(SITE);
    expect(setups[0]?.vhost?.addresses).toEqual(['*:8080']);
    expect(setups[0]?.timeouts['read']).toBe(60);
  });
});

describe('config-file-unreadable for nginx', () => {
  it('says the root could not be read, and nothing was analysed', () => {
    const src = new MemoryNginxSource({ '/etc/nginx/nginx.conf': { error: 'EACCES' } });
    const a = analyzeNginx({ root: '/etc/nginx/nginx.conf', source: src });
    const f = a ? runNginxConfigChecks(a).findings : [];
    expect(f.map((x) => [x.id, x.severity])).toEqual([['config-file-unreadable', 'error']]);
  });
});

describe('nginx-config-error', () => {
  it('fires on what nginx refuses, at its line', () => {
    const f = check('server {\n  listen 80;\n  fastcgi_pas unix:/x.sock;\n}\n').filter(
      (x) => x.id === 'nginx-config-error',
    );
    expect(f[0]?.severity).toBe('error');
    expect(f[0]?.location).toMatchObject({ file: SITE, line: 3 });
    expect(f[0]?.message).toContain('unknown directive "fastcgi_pas"');
  });
  it('stays quiet on a valid configuration', () => {
    expect(ids(check(DEBIAN_DEFAULT_PHP))).not.toContain('nginx-config-error');
  });
});

describe('fastcgi-param-missing', () => {
  it('fires on include fastcgi_params without SCRIPT_FILENAME', () => {
    const f = check(
      'server {\n  root /var/www;\n  location ~ \\.php$ {\n    include fastcgi_params;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n',
    ).find((x) => x.id === 'fastcgi-param-missing');
    expect(f?.severity).toBe('error');
    expect(f?.location).toMatchObject({ file: SITE, line: 5 });
    // Quoted at the site's own include line, not in fastcgi_params (which every site includes).
    expect(f?.evidence.map((e) => e.text)).toContain(`${SITE}:4: include fastcgi_params;`);
  });
  it('stays quiet with fastcgi_params plus SCRIPT_FILENAME, or with fastcgi.conf', () => {
    const withParam =
      'server {\n  location ~ \\.php$ {\n    include fastcgi_params;\n    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n';
    const conf =
      'server {\n  location ~ \\.php$ {\n    include fastcgi.conf;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n';
    expect(ids(check(withParam))).not.toContain('fastcgi-param-missing');
    expect(ids(check(conf))).not.toContain('fastcgi-param-missing');
  });
  it('follows the inheritance: params of the server level reach a location that sets none', () => {
    const inherited =
      'server {\n  include fastcgi.conf;\n  location ~ \\.php$ {\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n';
    expect(ids(check(inherited))).not.toContain('fastcgi-param-missing');
  });
});

describe('fastcgi-params-dropped', () => {
  it('fires when a location with its own fastcgi_param hides the server level ones', () => {
    const f = check(
      'server {\n  fastcgi_param APP_ENV production;\n  location ~ \\.php$ {\n    include fastcgi.conf;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n',
    ).find((x) => x.id === 'fastcgi-params-dropped');
    expect(f?.severity).toBe('warning');
    expect(f?.message).toContain('APP_ENV');
    expect(f?.location).toMatchObject({ file: SITE, line: 4 });
    expect(f?.evidence.map((e) => e.text)).toContain(`${SITE}:2: fastcgi_param APP_ENV production;`);
  });
  it('stays quiet when the inner level repeats them, or sets none', () => {
    const repeated =
      'server {\n  fastcgi_param APP_ENV production;\n  location ~ \\.php$ {\n    include fastcgi.conf;\n    fastcgi_param APP_ENV production;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n';
    expect(ids(check(repeated))).not.toContain('fastcgi-params-dropped');
    expect(ids(check(DEBIAN_DEFAULT_PHP))).not.toContain('fastcgi-params-dropped');
  });
});

describe('split-path-info-unchecked', () => {
  const unchecked =
    'server {\n  location ~ [^/]\\.php(/|$) {\n    fastcgi_split_path_info ^(.+?\\.php)(/.*)$;\n    include fastcgi.conf;\n    fastcgi_param PATH_INFO $fastcgi_path_info;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n';
  it('fires on the CVE-2019-11043 preconditions', () => {
    const f = check(unchecked).find((x) => x.id === 'split-path-info-unchecked');
    expect(f?.severity).toBe('error');
    expect(f?.location).toMatchObject({ file: SITE, line: 6 });
  });
  it('stays quiet with try_files $fastcgi_script_name =404 (nginx docs, Debian snippet)', () => {
    expect(
      ids(
        check(
          unchecked.replace('include fastcgi.conf;', 'try_files $fastcgi_script_name =404;\n    include fastcgi.conf;'),
        ),
      ),
    ).not.toContain('split-path-info-unchecked');
    expect(ids(check(DEBIAN_DEFAULT_PHP))).not.toContain('split-path-info-unchecked');
  });
  it('stays quiet with if (!-f $document_root$fastcgi_script_name)', () => {
    const guarded = unchecked.replace(
      'include fastcgi.conf;',
      'if (!-f $document_root$fastcgi_script_name) { return 404; }\n    include fastcgi.conf;',
    );
    expect(ids(check(guarded))).not.toContain('split-path-info-unchecked');
  });
  it('stays quiet when PATH_INFO is not passed', () => {
    expect(ids(check(unchecked.replace('fastcgi_param PATH_INFO $fastcgi_path_info;', '')))).not.toContain(
      'split-path-info-unchecked',
    );
  });
});

describe('httpoxy-not-mitigated', () => {
  it('says so when HTTP_PROXY is not blanked', () => {
    const f = check(DEBIAN_DEFAULT_PHP).find((x) => x.id === 'httpoxy-not-mitigated');
    expect(f?.severity).toBe('info');
  });
  it('stays quiet with fastcgi_param HTTP_PROXY ""', () => {
    const site = DEBIAN_DEFAULT_PHP.replace(
      'include snippets/fastcgi-php.conf;',
      'include snippets/fastcgi-php.conf;\n    fastcgi_param HTTP_PROXY "";',
    );
    expect(ids(check(site))).not.toContain('httpoxy-not-mitigated');
  });
});

describe('fastcgi-intercept-errors', () => {
  it('fires (info) where fastcgi_intercept_errors on applies with an error_page in effect', () => {
    const site = DEBIAN_DEFAULT_PHP.replace(
      'server_name _;',
      'server_name _;\n  fastcgi_intercept_errors on;\n  error_page 500 502 /50x.html;',
    );
    const f = check(site).find((x) => x.id === 'fastcgi-intercept-errors');
    expect(f).toMatchObject({ severity: 'info', location: { file: SITE, line: 6 } });
    expect(f?.message).toContain('error_page covers 500, 502');
  });
  it('stays quiet when no error_page is in effect: intercept then changes nothing', () => {
    const site = DEBIAN_DEFAULT_PHP.replace('server_name _;', 'server_name _;\n  fastcgi_intercept_errors on;');
    expect(ids(check(site))).not.toContain('fastcgi-intercept-errors');
  });
  it('stays quiet by default', () => {
    expect(ids(check(DEBIAN_DEFAULT_PHP))).not.toContain('fastcgi-intercept-errors');
  });
});

describe('site-not-loaded', () => {
  it('says a site of sites-available/ without its link is not read, and analyses it as if enabled', () => {
    const src = new MemoryNginxSource({
      '/etc/nginx/nginx.conf': 'events {}\nhttp {\n  include /etc/nginx/sites-enabled/*; # the sites\n}\n',
      '/etc/nginx/fastcgi.conf': FASTCGI_CONF,
      '/etc/nginx/sites-available/shop':
        'server {\n  location ~ \\.php$ { include fastcgi.conf; fastcgi_pass unix:/x.sock; }\n}\n',
      '/etc/nginx/sites-enabled/.keep': '',
    });
    const a = analyzeNginx({ target: '/etc/nginx/sites-available/shop', root: '/etc/nginx/nginx.conf', source: src });
    expect(a?.model.targetLoaded).toBe(false);
    expect(a?.model.targetAnalysedAsEnabled).toBe(true);
    expect(a?.setups.map((s) => s.definedAt)).toEqual([
      { file: '/etc/nginx/sites-available/shop', line: 2, includedFrom: ['/etc/nginx/nginx.conf:3'] },
    ]);
    const f = a ? runNginxConfigChecks(a).findings.find((x) => x.id === 'site-not-loaded') : undefined;
    expect(f?.fix).toContain('ln -s /etc/nginx/sites-available/shop /etc/nginx/sites-enabled/shop');
  });
  it('a file inside the tree that no include reads: not read, analysed on its own', () => {
    const src = new MemoryNginxSource({
      '/etc/nginx/nginx.conf': 'events {}\nhttp {\n  include /etc/nginx/sites-enabled/*;\n}\n',
      '/etc/nginx/fastcgi.conf': FASTCGI_CONF,
      '/etc/nginx/extra/shop.conf':
        'server {\n  location ~ \\.php$ { include fastcgi.conf; fastcgi_pass unix:/x.sock; }\n}\n',
      '/etc/nginx/sites-enabled/.keep': '',
    });
    const a = analyzeNginx({ target: '/etc/nginx/extra/shop.conf', root: '/etc/nginx/nginx.conf', source: src });
    expect(a?.model).toMatchObject({ targetLoaded: false, targetAnalysedAsEnabled: true, layout: 'standalone' });
    expect(a?.setups.map((s) => s.definedAt.line)).toEqual([2]);
    expect(a ? ids(runNginxConfigChecks(a).findings) : []).toContain('site-not-loaded');
  });

  it('stays quiet for a site read through its link', () => {
    const a = analyzeNginx({
      target: '/etc/nginx/sites-available/site',
      root: '/etc/nginx/nginx.conf',
      source: tree(DEBIAN_DEFAULT_PHP),
    });
    expect(a?.model.targetLoaded).toBe(true);
    expect(a ? ids(runNginxConfigChecks(a).findings) : []).not.toContain('site-not-loaded');
  });
});

// Parity with nginx -t (fixtures/nginx/parity/fastcgi-buffer-size-*, asked of the real nginx in
// test/integration/nginx-parity.test.ts): nginx names the http block's closing line.
describe('nginx-config-error: fastcgi buffer sizes nginx merge refuses', () => {
  const PARITY = path.join(import.meta.dirname, '../../../fixtures/nginx/parity');
  function parity(name: string): Finding[] {
    const file = '/etc/nginx/nginx.conf';
    const a = analyzeNginx({
      root: file,
      source: new MemoryNginxSource({
        [file]: readFileSync(path.join(PARITY, name, 'nginx.conf'), 'utf8'),
        '/usr/share/nginx/modules': { dir: true },
      }),
    });
    if (!a) throw new Error('no configuration');
    return runNginxConfigChecks(a).findings.filter((f) => f.id === 'nginx-config-error');
  }
  it('fires on fastcgi_buffer_size 16k alone, in nginx words, at the http block closing line', () => {
    const [f, ...more] = parity('fastcgi-buffer-size-alone');
    expect(more).toEqual([]);
    expect(f?.severity).toBe('error');
    expect(f?.location).toMatchObject({ file: '/etc/nginx/nginx.conf', line: 11 });
    expect(f?.message).toContain(
      '"[emerg] "fastcgi_busy_buffers_size" must be less than the size of all "fastcgi_buffers" minus one buffer" in /etc/nginx/nginx.conf:11',
    );
    expect(f?.evidence.map((e) => e.text).join('\n')).toContain('/etc/nginx/nginx.conf:7: fastcgi_buffer_size 16k;');
    expect(f?.fix).toContain('fastcgi_buffers 8 16k;');
  });
  it('stays quiet when fastcgi_buffers make room for the header buffer', () => {
    expect(parity('fastcgi-buffer-size-with-buffers')).toEqual([]);
  });
  it('fires on a busy size below the buffer, and on fewer than 2 buffers', () => {
    const below = check(
      'server {\n  location / {\n    fastcgi_buffer_size 16k;\n    fastcgi_buffers 8 16k;\n    fastcgi_busy_buffers_size 8k;\n  }\n}\n',
    ).filter((x) => x.id === 'nginx-config-error');
    expect(below[0]?.message).toContain('must be equal to or greater than the maximum of the value');
    expect(below[0]?.location).toMatchObject({ file: '/etc/nginx/nginx.conf', line: 6 });
    const one = check('server {\n  fastcgi_buffers 1 4k;\n}\n').filter((x) => x.id === 'nginx-config-error');
    expect(one[0]?.message).toContain('there must be at least 2 "fastcgi_buffers"');
  });
  it('stays quiet on sizes nginx accepts, and in an http block without servers', () => {
    expect(ids(check('server {\n  fastcgi_buffer_size 8k;\n}\n'))).not.toContain('nginx-config-error');
    expect(ids(check('server {\n  fastcgi_buffer_size 32k;\n  fastcgi_buffers 16 16k;\n}\n'))).not.toContain(
      'nginx-config-error',
    );
  });
});
