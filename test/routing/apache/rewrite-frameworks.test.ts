/** The front controllers of PHP frameworks (their stock .htaccess) on the fixture FS, as hook_fixup runs them. */
import { describe, expect, it } from 'vitest';
import { run } from './rewriteHelpers.js';

const WORDPRESS = `# BEGIN WordPress
<IfModule mod_rewrite.c>
RewriteEngine On
RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteBase /
RewriteRule ^index\\.php$ - [L]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . /index.php [L]
</IfModule>
# END WordPress`;

const LARAVEL = `<IfModule mod_rewrite.c>
    <IfModule mod_negotiation.c>
        Options -MultiViews -Indexes
    </IfModule>
    RewriteEngine On
    RewriteCond %{HTTP:Authorization} .
    RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
    RewriteCond %{HTTP:x-xsrf-token} .
    RewriteRule .* - [E=HTTP_X_XSRF_TOKEN:%{HTTP:X-XSRF-Token}]
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteCond %{REQUEST_URI} (.+)/$
    RewriteRule ^ %1 [L,R=301]
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^ index.php [L]
</IfModule>`;

const SYMFONY = `DirectoryIndex index.php
<IfModule mod_rewrite.c>
    RewriteEngine On
    RewriteCond %{REQUEST_URI}::$0 ^(/.+)/(.*)::\\2$
    RewriteRule .* - [E=BASE:%1]
    RewriteCond %{HTTP:Authorization} .+
    RewriteRule ^ - [E=HTTP_AUTHORIZATION:%0]
    RewriteCond %{ENV:REDIRECT_STATUS} =""
    RewriteRule ^index\\.php(?:/(.*)|$) %{ENV:BASE}/$1 [R=301,L]
    RewriteCond %{REQUEST_FILENAME} -f
    RewriteRule ^ - [L]
    RewriteRule ^ %{ENV:BASE}/index.php
</IfModule>`;

const DRUPAL = `<IfModule mod_rewrite.c>
  RewriteEngine on
  RewriteRule ^ - [E=protossl]
  RewriteCond %{HTTPS} on
  RewriteRule ^ - [E=protossl:s]
  RewriteRule "/\\.|^\\.(?!well-known/)" - [F]
  RewriteCond %{REQUEST_FILENAME} !-f
  RewriteCond %{REQUEST_FILENAME} !-d
  RewriteCond %{REQUEST_URI} !=/favicon.ico
  RewriteRule ^ index.php [L]
</IfModule>`;

const NEXTCLOUD = `<IfModule mod_rewrite.c>
  RewriteEngine on
  RewriteCond %{HTTP_USER_AGENT} DavClnt
  RewriteRule ^$ /remote.php/webdav/ [L,R=302]
  RewriteRule .* - [env=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
  RewriteRule ^\\.well-known/carddav /remote.php/dav/ [R=301,L]
  RewriteRule ^\\.well-known/caldav /remote.php/dav/ [R=301,L]
  RewriteRule ^remote/(.*) remote.php [QSA,L]
  RewriteRule ^(?:build|tests|config|lib|3rdparty|templates)/.* - [R=404,L]
  RewriteCond %{REQUEST_FILENAME} !\\.(css|js|svg|gif|png|html|ttf|woff2?|ico|jpg|jpeg|map|webm|mp4|mp3|ogg|wav|flac|wasm|tflite)$
  RewriteCond %{REQUEST_FILENAME} !/core/ajax/update\\.php
  RewriteCond %{REQUEST_FILENAME} !/(cron|public|remote|status)\\.php
  RewriteCond %{REQUEST_FILENAME} !/ocs/v(1|2)\\.php
  RewriteRule . index.php [PT,E=PATH_INFO:$1]
  RewriteBase /
</IfModule>`;

const HEADERS = {
  'HTTP:Authorization': '',
  'HTTP:x-xsrf-token': '',
  HTTP_USER_AGENT: 'curl/8',
  'ENV:REDIRECT_STATUS': '',
};
const docroot = {
  '/srv/www/index.php': '<?php',
  '/srv/www/style.css': 'body{}',
  '/srv/www/wp-admin/index.php': '<?php',
};

function perDir(text: string, filename: string, query?: string, extra: Record<string, string> = {}) {
  return run({
    // <IfModule mod_rewrite.c> is true where these files are used; the fixture tree loads no module, so drop the wrapper.
    text: text.replace(/^\s*<\/?IfModule[^>]*>\s*$/gm, ''),
    path: filename,
    perDir: '/srv/www/',
    ...(query !== undefined ? { query } : {}),
    vars: { ...HEADERS, REQUEST_URI: filename.slice('/srv/www'.length), ...extra },
    files: docroot,
  });
}

describe('front controllers (per-directory rules, !-f / !-d then index.php)', () => {
  it('WordPress: a pretty URL goes to /index.php; an existing file and a directory stay', () => {
    expect(perDir(WORDPRESS, '/srv/www/2024/05/hello')).toMatchObject({
      result: 'rewritten',
      target: '/index.php',
      last: true,
    });
    expect(perDir(WORDPRESS, '/srv/www/style.css').result).toBe('pass');
    expect(perDir(WORDPRESS, '/srv/www/wp-admin/').result).toBe('pass');
    // After the internal redirect, index.php matches ^index\.php$ - [L]: the loop ends.
    expect(perDir(WORDPRESS, '/srv/www/index.php').result).toBe('pass');
  });
  it('WordPress: the Authorization header is copied with [E=] (empty when absent)', () => {
    expect(perDir(WORDPRESS, '/srv/www/x', undefined, { 'HTTP:Authorization': 'Basic eA==' }).env).toMatchObject({
      HTTP_AUTHORIZATION: 'Basic eA==',
    });
  });
  it('Laravel: index.php keeps the query; a trailing slash redirects', () => {
    const r = perDir(LARAVEL, '/srv/www/users/5', 'page=2');
    expect(r).toMatchObject({ result: 'rewritten', target: '/index.php' });
    expect(r.query).toBeUndefined();
    expect(perDir(LARAVEL, '/srv/www/users/', undefined, { REQUEST_URI: '/users/' })).toMatchObject({
      result: 'redirect',
      status: 301,
      target: 'http://example.org/users',
    });
  });
  it('Symfony: BASE from the URI, a route to /index.php, /index.php/x redirected only on the first pass', () => {
    expect(perDir(SYMFONY, '/srv/www/blog/post')).toMatchObject({ result: 'rewritten', target: '/index.php' });
    expect(
      perDir(SYMFONY, '/srv/www/index.php/x', undefined, { PATH_INFO: '/x', REQUEST_URI: '/index.php/x' }),
    ).toMatchObject({
      result: 'redirect',
      target: 'http://example.org/x',
      status: 301,
    });
    expect(
      perDir(SYMFONY, '/srv/www/index.php', undefined, { 'ENV:REDIRECT_STATUS': '200', REQUEST_URI: '/index.php' })
        .result,
    ).toBe('pass');
  });
  it('Drupal: dot-files are forbidden; favicon.ico is left to a 404', () => {
    expect(perDir(DRUPAL, '/srv/www/node/1')).toMatchObject({ result: 'rewritten', target: '/index.php' });
    expect(perDir(DRUPAL, '/srv/www/.git/config')).toMatchObject({ result: 'forbidden', status: 403 });
    expect(perDir(DRUPAL, '/srv/www/favicon.ico', undefined, { REQUEST_URI: '/favicon.ico' }).result).toBe('pass');
  });
  it('Nextcloud: routes go to index.php ([PT] is ignored in a directory), config/ answers 404', () => {
    const r = perDir(NEXTCLOUD, '/srv/www/apps/files/');
    expect(r).toMatchObject({ result: 'rewritten', target: '/index.php' });
    expect(r.env).toMatchObject({ PATH_INFO: '' });
    expect(perDir(NEXTCLOUD, '/srv/www/config/config.php')).toMatchObject({ result: 'status', status: 404 });
    expect(perDir(NEXTCLOUD, '/srv/www/.well-known/carddav')).toMatchObject({
      result: 'redirect',
      target: 'http://example.org/remote.php/dav/',
    });
  });
});

describe('FastCGI forms in server context', () => {
  it('[P] to fcgi:// with the query kept aside for mod_proxy', () => {
    const r = run({
      text: 'RewriteEngine On\nRewriteRule ^/(.+\\.php(/.*)?)$ fcgi://127.0.0.1:9000/srv/www/$1 [P,L]\n',
      path: '/index.php/a',
      query: 'x=1',
    });
    expect(r).toMatchObject({ result: 'proxy', target: 'fcgi://127.0.0.1:9000/srv/www/index.php/a' });
  });
  it('[P] to a unix socket worker', () => {
    const r = run({
      text: 'RewriteEngine On\nRewriteRule ^/(.*\\.php)$ unix:/run/php/fpm.sock|fcgi://localhost/srv/www/$1 [P]\n',
      path: '/a.php',
    });
    expect(r).toMatchObject({ result: 'proxy', target: 'unix:/run/php/fpm.sock|fcgi://localhost/srv/www/a.php' });
  });
  it('[H=proxy:…] on existing .php files only', () => {
    const text =
      'RewriteEngine On\nRewriteCond %{DOCUMENT_ROOT}%{REQUEST_URI} -f\nRewriteRule \\.php$ - [H=proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost]\n';
    expect(run({ text, path: '/index.php', files: docroot }).handler).toBe(
      'proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost',
    );
    expect(run({ text, path: '/missing.php', files: docroot }).handler).toBeUndefined();
  });
  it('[PT] hands the new URL to Alias/ScriptAlias', () => {
    const r = run({ text: 'RewriteEngine On\nRewriteRule ^/app/(.*)$ /fcgi-bin/app.fcgi/$1 [PT]\n', path: '/app/x' });
    expect(r).toMatchObject({ result: 'rewritten', target: '/fcgi-bin/app.fcgi/x', passThrough: true });
  });
});
