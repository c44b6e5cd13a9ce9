/**
 * applyRewrite against a real Apache 2.4 (mod_rewrite): each case is a vhost
 * of its own (ServerName cN.test) holding the rules in server/vhost context,
 * in a <Directory>, or in a .htaccess. Apache's answer is made observable
 * with mod_headers: X-File (r->filename: the file, or "proxy:…"), X-Uri
 * (r->uri: the URI after an internal redirect) and X-Qs (the query string)
 * on every response, plus the status, Location and Content-Type. The
 * prediction is built from applyRewrite's outcome alone (with a per-directory
 * internal redirect re-run as httpd re-runs it), and must equal what Apache did.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Directive } from '../../src/apache/index.js';
import { parseConfig } from '../../src/apache/parser.js';
import { MemoryFileSource } from '../../src/apache/source.js';
import { applyRewrite, effectiveRewriteDirectives, type RewriteResult } from '../../src/routing/apache/rewrite.js';
import { liveFileSystem } from '../../src/system/fileSystem.js';
import { startApache, type ApacheServer, type HttpResponse } from './harness/apache.js';
import { BINARIES, hasBinary, requireBinary } from './harness/requireServer.js';

const hasApache =
  hasBinary(BINARIES.apache) &&
  hasBinary(BINARIES.modProxyFcgi) &&
  requireBinary('mod_rewrite', '/usr/lib/apache2/modules/mod_rewrite.so', 'apache2') &&
  requireBinary('mod_headers', '/usr/lib/apache2/modules/mod_headers.so', 'apache2');

interface Case {
  name: string;
  where: 'server' | 'dir' | 'htaccess';
  rules: string;
  url: string;
  /** Files under the case's DocumentRoot (content: their own path). */
  files?: string[];
  /** Alias URL-prefix → directory under the case root (for [PT]). */
  alias?: [string, string];
  headers?: Record<string, string>;
  /** Subdirectory of the DocumentRoot the <Directory>/.htaccess rules belong to ('' = the DocumentRoot). */
  sub?: string;
}

const WP = `RewriteEngine On
RewriteBase /
RewriteRule ^index\\.php$ - [L]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . /index.php [L]`;

const LARAVEL = `RewriteEngine On
RewriteCond %{HTTP:Authorization} .
RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteCond %{REQUEST_FILENAME} !-d
RewriteCond %{REQUEST_URI} (.+)/$
RewriteRule ^ %1 [L,R=301]
RewriteCond %{REQUEST_FILENAME} !-d
RewriteCond %{REQUEST_FILENAME} !-f
RewriteRule ^ index.php [L]`;

const SYMFONY = `RewriteEngine On
RewriteCond %{REQUEST_URI}::$0 ^(/.+)/(.*)::\\2$
RewriteRule .* - [E=BASE:%1]
RewriteCond %{HTTP:Authorization} .+
RewriteRule ^ - [E=HTTP_AUTHORIZATION:%0]
RewriteCond %{ENV:REDIRECT_STATUS} =""
RewriteRule ^index\\.php(?:/(.*)|$) %{ENV:BASE}/$1 [R=301,L]
RewriteCond %{REQUEST_FILENAME} -f
RewriteRule ^ - [L]
RewriteRule ^ %{ENV:BASE}/index.php`;

const DRUPAL = `RewriteEngine on
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteCond %{REQUEST_URI} !=/favicon.ico
RewriteRule ^ index.php [L]`;

const NEXTCLOUD = `RewriteEngine on
RewriteRule .* - [env=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteRule ^\\.well-known/carddav /remote.php/dav/ [R=301,L]
RewriteCond %{REQUEST_FILENAME} !\\.(css|js|svg|gif|png|html|ttf|woff2?|ico|jpg|jpeg|map|webm|mp4|mp3|ogg|wav|flac|wasm|tflite)$
RewriteCond %{REQUEST_FILENAME} !/core/ajax/update\\.php
RewriteCond %{REQUEST_FILENAME} !/(cron|public|remote|status)\\.php
RewriteCond %{REQUEST_FILENAME} !/ocs/v(1|2)\\.php
RewriteCond %{REQUEST_FILENAME} !/robots\\.txt
RewriteRule . index.php [PT,E=PATH_INFO:$1]
RewriteBase /`;

/** The main server's own rules: a vhost runs them only with RewriteOptions Inherit (or the main server's InheritDown). */
const MAIN_RULES = 'RewriteEngine On\nRewriteRule ^/main-only - [G]';

const CASES: Case[] = [
  {
    name: 'per-dir: PATH_INFO is matched after the file',
    where: 'dir',
    rules: 'RewriteEngine On\nRewriteRule ^index\\.php/(.*)$ app.html?p=$1 [L]',
    url: '/index.php/a/b',
    files: ['index.php', 'app.html'],
  },
  {
    name: 'per-dir: [QSA] on the second round changes the query though the file is the same',
    where: 'dir',
    rules: 'RewriteEngine On\nRewriteRule ^(.*)$ index.php?route=$1 [QSA,L]',
    url: '/a/b?x=1',
    files: ['index.php'],
  },
  {
    name: 'per-dir: [N] rounds then an internal redirect',
    where: 'htaccess',
    rules: 'RewriteEngine On\nRewriteRule ^(.*)_(.*)$ $1-$2 [N]\nRewriteRule ^x-y-z$ final.html [L]',
    url: '/x_y_z',
    files: ['final.html'],
  },
  {
    name: 'per-dir: [S=2] over a chain',
    where: 'dir',
    rules:
      'RewriteEngine On\nRewriteRule ^a\\.html$ - [S=2]\nRewriteRule ^ c.html [C]\nRewriteRule ^ d.html\nRewriteRule ^a\\.html$ b.html [END]',
    url: '/a.html',
    files: ['a.html', 'b.html', 'c.html', 'd.html'],
  },
  {
    name: 'a reduced URL is a URL-path even under DocumentRoot',
    where: 'server',
    rules: 'RewriteRule ^/a$ http://%{HTTP_HOST}%{DOCUMENT_ROOT}/b.html',
    url: '/a',
    files: ['b.html'],
  },
  {
    name: 'a literal path under DocumentRoot is a file (prefix_stat)',
    where: 'server',
    rules: 'RewriteRule ^/a$ %{DOCUMENT_ROOT}/b.html',
    url: '/a',
    files: ['b.html'],
  },
  {
    name: 'a vhost does not run the main server rules',
    where: 'server',
    rules: 'RewriteRule ^/x$ /y [R]',
    url: '/main-only',
  },
  {
    name: 'RewriteOptions Inherit runs them after the vhost rules',
    where: 'server',
    rules: 'RewriteOptions Inherit\nRewriteRule ^/x$ /y [R]',
    url: '/main-only',
  },
  {
    name: 'RewriteOptions Inherit: the vhost rule first',
    where: 'server',
    rules: 'RewriteOptions Inherit\nRewriteRule ^/main-only$ /y [R]',
    url: '/main-only',
  },
  {
    name: 'RewriteOptions InheritBefore: the main rule first',
    where: 'server',
    rules: 'RewriteOptions InheritBefore\nRewriteRule ^/main-only$ /y [R]',
    url: '/main-only',
  },
  { name: 'plain rewrite', where: 'server', rules: 'RewriteRule ^/a$ /b.html', url: '/a', files: ['b.html'] },
  {
    name: 'relative substitution gets a slash',
    where: 'server',
    rules: 'RewriteRule ^/a$ b.html',
    url: '/a',
    files: ['b.html'],
  },
  { name: '[R] of a path', where: 'server', rules: 'RewriteRule ^/a$ /b [R]', url: '/a' },
  { name: '[R=301,L] keeps the query', where: 'server', rules: 'RewriteRule ^/a$ /b [R=301,L]', url: '/a?x=1' },
  {
    name: 'a "?" replaces the query',
    where: 'server',
    rules: 'RewriteRule ^/a$ /b.html?x=1',
    url: '/a?y=2',
    files: ['b.html'],
  },
  { name: '[QSA]', where: 'server', rules: 'RewriteRule ^/a$ /b.html?x=1 [QSA]', url: '/a?y=2', files: ['b.html'] },
  { name: '[QSD]', where: 'server', rules: 'RewriteRule ^/a$ /b.html [QSD]', url: '/a?y=2', files: ['b.html'] },
  { name: 'trailing "?" drops the query', where: 'server', rules: 'RewriteRule ^/a$ /b.html? [R]', url: '/a?y=2' },
  { name: '[F]', where: 'server', rules: 'RewriteRule ^/secret - [F]', url: '/secret/x' },
  { name: '[G]', where: 'server', rules: 'RewriteRule ^/old - [G]', url: '/old' },
  { name: '[R=404] with "-"', where: 'server', rules: 'RewriteRule ^/x$ - [R=404]', url: '/x' },
  {
    name: '[C] chain broken',
    where: 'server',
    rules: 'RewriteRule ^/x$ /y [C]\nRewriteRule ^/a$ /b [R]\nRewriteRule ^/a$ /c [R]',
    url: '/a',
  },
  {
    name: '[S=1]',
    where: 'server',
    rules: 'RewriteRule ^/a$ - [S=1]\nRewriteRule ^ /skipped [R]\nRewriteRule ^/a$ /c [R]',
    url: '/a',
  },
  {
    name: '[N] rounds',
    where: 'server',
    rules: 'RewriteRule ^/(.*)_(.*)$ /$1-$2 [N]\nRewriteRule ^ - [R=410]',
    url: '/a_b_c',
  },
  {
    name: '[N] rounds then redirect',
    where: 'server',
    rules: 'RewriteRule ^/(.*)_(.*)$ /$1-$2 [N]\nRewriteRule ^/(.*)$ /done/$1 [R]',
    url: '/a_b_c',
  },
  {
    name: 'HTTP_HOST condition and %1',
    where: 'server',
    rules: 'RewriteCond %{HTTP_HOST} ^(c\\d+)\\.test$ [NC]\nRewriteRule ^/(.*)$ http://www.%1.example/$1 [R=301,L]',
    url: '/p',
  },
  {
    name: 'QUERY_STRING condition and %2',
    where: 'server',
    rules: 'RewriteCond %{QUERY_STRING} (^|&)id=(\\d+)\nRewriteRule ^/item$ /item-%2.html? [L]',
    url: '/item?id=42',
    files: ['item-42.html'],
  },
  { name: '[NC] pattern', where: 'server', rules: 'RewriteRule ^/ABC$ /b [NC,R]', url: '/abc' },
  {
    name: 'absolute URL naming this server is reduced',
    where: 'server',
    rules: 'RewriteRule ^/a$ http://%{HTTP_HOST}/b.html',
    url: '/a',
    files: ['b.html'],
  },
  {
    name: 'absolute URL elsewhere redirects',
    where: 'server',
    rules: 'RewriteRule ^/a$ https://elsewhere.example/b',
    url: '/a',
  },
  {
    name: 'escaping of a redirect (\\%20 → %2520)',
    where: 'server',
    rules: 'RewriteRule ^/a$ /b\\%20c [R]',
    url: '/a',
  },
  { name: '[NE] keeps %20', where: 'server', rules: 'RewriteRule ^/a$ /b\\%20c [R,NE]', url: '/a' },
  { name: 'bare %2 is a condition back-reference', where: 'server', rules: 'RewriteRule ^/a$ /b%20c [R]', url: '/a' },
  {
    name: '[B] escapes back-references',
    where: 'server',
    rules: 'RewriteRule ^/s/(.*)$ /search?q=$1 [B,R]',
    url: '/s/a%20b%26c',
  },
  {
    name: 'a space from a back-reference in the query: 403',
    where: 'server',
    rules: 'RewriteRule ^/s/(.*)$ /search.html?q=$1',
    url: '/s/a%20b',
    files: ['search.html'],
  },
  { name: 'a "?" from a back-reference: 403', where: 'server', rules: 'RewriteRule ^/(.*)$ /x/$1', url: '/a%3fb' },
  {
    name: '[PT] into an Alias',
    where: 'server',
    rules: 'RewriteRule ^/app/(.*)$ /aliased/$1 [PT]',
    url: '/app/x.html',
    alias: ['/aliased', 'aliasdir'],
    files: ['../aliasdir/x.html'],
  },
  {
    name: 'without [PT] the Alias is not consulted',
    where: 'server',
    rules: 'RewriteRule ^/app/(.*)$ /aliased/$1',
    url: '/app/x.html',
    alias: ['/aliased', 'aliasdir'],
    files: ['../aliasdir/x.html'],
  },
  {
    name: '[P] to fcgi://',
    where: 'server',
    rules: 'RewriteRule ^/(.*\\.php)$ fcgi://127.0.0.1:9/srv/app/$1 [P]',
    url: '/x/y.php?q=1',
  },
  {
    name: '[T=] sets the type',
    where: 'server',
    rules: 'RewriteRule ^/(b\\.html)$ /$1 [T=text/x-rewritten]',
    url: '/b.html',
    files: ['b.html'],
  },
  {
    name: '!pattern',
    where: 'server',
    rules: 'RewriteRule !^/static/ /front.html',
    url: '/anything',
    files: ['front.html'],
  },
  {
    name: '-f on DOCUMENT_ROOT + REQUEST_URI (missing)',
    where: 'server',
    rules: 'RewriteCond %{DOCUMENT_ROOT}%{REQUEST_URI} !-f\nRewriteRule ^ /front.html [L]',
    url: '/nope',
    files: ['front.html'],
  },
  {
    name: '-f on DOCUMENT_ROOT + REQUEST_URI (there)',
    where: 'server',
    rules: 'RewriteCond %{DOCUMENT_ROOT}%{REQUEST_URI} !-f\nRewriteRule ^ /front.html [L]',
    url: '/real.html',
    files: ['front.html', 'real.html'],
  },
  {
    name: 'REQUEST_FILENAME in server context is the URL-path',
    where: 'server',
    rules: 'RewriteCond %{REQUEST_FILENAME} ^/p/\nRewriteRule ^ /b [R]',
    url: '/p/x',
  },
  {
    name: 'integer comparison',
    where: 'server',
    rules: 'RewriteCond %{HTTP:X-N} -gt5\nRewriteRule ^ /big [R]',
    url: '/n',
    headers: { 'X-N': '12' },
  },
  {
    name: 'lexicographic comparison (length first)',
    where: 'server',
    rules: 'RewriteCond %{HTTP:X-S} >b\nRewriteRule ^ /gt [R]',
    url: '/s',
    headers: { 'X-S': 'aa' },
  },
  {
    name: '[OR] conditions',
    where: 'server',
    rules: 'RewriteCond %{QUERY_STRING} a=1 [OR]\nRewriteCond %{QUERY_STRING} b=2\nRewriteRule ^ /or [R]',
    url: '/o?b=2',
  },
  {
    name: 'string equality',
    where: 'server',
    rules: 'RewriteCond %{REQUEST_METHOD} =GET\nRewriteRule ^ /get [R]',
    url: '/m',
  },
  {
    name: 'leading slashes of a local result merged',
    where: 'server',
    rules: 'RewriteRule ^/a(.*)$ /$1',
    url: '/a/b.html',
    files: ['b.html'],
  },
  {
    name: 'MergeSlashes before mod_rewrite (the route core merges)',
    where: 'server',
    rules: 'RewriteRule ^/a(.*)$ $1 [R]',
    url: '/a//b',
  },
  { name: 'WordPress: a pretty URL', where: 'dir', rules: WP, url: '/hello/world', files: ['index.php'] },
  {
    name: 'WordPress: an existing file',
    where: 'dir',
    rules: WP,
    url: '/style.css',
    files: ['index.php', 'style.css'],
  },
  { name: 'WordPress .htaccess', where: 'htaccess', rules: WP, url: '/2024/05/post/?x=1', files: ['index.php'] },
  {
    name: 'Laravel: a route with a query',
    where: 'htaccess',
    rules: LARAVEL,
    url: '/users/5?x=1',
    files: ['index.php'],
  },
  { name: 'Laravel: trailing slash redirect', where: 'htaccess', rules: LARAVEL, url: '/users/', files: ['index.php'] },
  { name: 'Symfony: a route', where: 'htaccess', rules: SYMFONY, url: '/blog/post', files: ['index.php'] },
  {
    name: 'Symfony: /index.php/x redirects',
    where: 'htaccess',
    rules: SYMFONY,
    url: '/index.php/x',
    files: ['index.php'],
  },
  { name: 'Drupal: a path', where: 'dir', rules: DRUPAL, url: '/node/1', files: ['index.php'] },
  { name: 'Drupal: favicon is left alone', where: 'dir', rules: DRUPAL, url: '/favicon.ico', files: ['index.php'] },
  { name: 'Nextcloud: an app route', where: 'htaccess', rules: NEXTCLOUD, url: '/apps/files/', files: ['index.php'] },
  {
    name: 'Nextcloud: a .well-known redirect',
    where: 'htaccess',
    rules: NEXTCLOUD,
    url: '/.well-known/carddav',
    files: ['index.php'],
  },
  {
    name: 'RewriteBase in a subdirectory',
    where: 'dir',
    sub: 'blog',
    rules:
      'RewriteEngine On\nRewriteBase /blog/\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule ^(.*)$ index.php?p=$1 [QSA,L]',
    url: '/blog/a/b?c=d',
    files: ['blog/index.php'],
  },
  {
    name: 'subdirectory without RewriteBase (DocumentRoot stripped)',
    where: 'dir',
    sub: 'blog',
    rules: 'RewriteEngine On\nRewriteRule ^x$ y.html [L]',
    url: '/blog/x',
    files: ['blog/y.html'],
  },
  {
    name: 'per-dir [R] with RewriteBase',
    where: 'dir',
    sub: 'blog',
    rules: 'RewriteEngine On\nRewriteBase /blog/\nRewriteRule ^old$ new [R=301,L]',
    url: '/blog/old',
  },
  {
    name: 'per-dir [R] without RewriteBase shows the directory',
    where: 'dir',
    sub: 'blog',
    rules: 'RewriteEngine On\nRewriteRule ^old$ new [R=301,L]',
    url: '/blog/old',
  },
  {
    name: 'per-dir [END] stops the next round',
    where: 'dir',
    rules: 'RewriteEngine On\nRewriteRule ^a\\.html$ b.html [END]\nRewriteRule ^b\\.html$ c.html [L]',
    url: '/a.html',
    files: ['a.html', 'b.html', 'c.html'],
  },
  {
    name: 'per-dir [L] lets the next round run',
    where: 'dir',
    rules: 'RewriteEngine On\nRewriteRule ^a\\.html$ b.html [L]\nRewriteRule ^b\\.html$ c.html [L]',
    url: '/a.html',
    files: ['a.html', 'b.html', 'c.html'],
  },
  {
    name: 'per-dir [H=proxy:unix:…|fcgi://localhost]',
    where: 'dir',
    rules: 'RewriteEngine On\nRewriteRule \\.php$ - [H=proxy:unix:/nonexistent/fpm.sock|fcgi://localhost]',
    url: '/index.php',
    files: ['index.php'],
  },
  {
    name: 'per-dir [F] on a pattern',
    where: 'htaccess',
    rules: 'RewriteEngine On\nRewriteRule (^|/)\\. - [F]',
    url: '/.git/config',
    files: ['.git/config'],
  },
  {
    name: 'per-dir [P] to fcgi://',
    where: 'dir',
    rules: 'RewriteEngine On\nRewriteRule ^(.*\\.php)$ fcgi://127.0.0.1:9/srv/app/$1 [P]',
    url: '/x.php?a=1',
    files: ['x.php'],
  },
];

function parseRules(text: string, file: string): Directive[] {
  const p = parseConfig({ rootFile: file, serverRoot: '/', source: new MemoryFileSource({ [file]: text }) });
  return p.directives;
}

/** ap_directory_walk's split: the first missing component or the first file ends r->filename; the rest is PATH_INFO. */
function dirWalk(docroot: string, uriPath: string): { filename: string; pathInfo: string } {
  const fs = liveFileSystem();
  const parts = uriPath.split('/').filter((x, i) => i > 0 || x !== '');
  let cur = docroot;
  for (let i = 0; i < parts.length; i++) {
    const next = `${cur}/${parts[i]}`;
    const st = fs.stat(next);
    if ('error' in st || st.type !== 'dir') {
      const rest = parts.slice(i + 1);
      const trailing = uriPath.endsWith('/') && i === parts.length - 1 ? '/' : '';
      return { filename: next, pathInfo: rest.length ? `/${rest.join('/')}` : trailing };
    }
    cur = next;
  }
  return { filename: uriPath.endsWith('/') ? `${cur}/` : cur, pathInfo: '' };
}

interface Observed {
  status: number;
  location?: string;
  file?: string;
  uri?: string;
  qs?: string;
  type?: string;
}

function observe(res: HttpResponse): Observed {
  const h = (n: string) => {
    const v = res.headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  const o: Observed = { status: res.status };
  for (const [k, n] of [
    ['location', 'location'],
    ['file', 'x-file'],
    ['uri', 'x-uri'],
    ['qs', 'x-qs'],
  ] as const) {
    const v = h(n);
    if (v !== undefined) o[k] = v;
  }
  return o;
}

describe.skipIf(!hasApache)('mod_rewrite parity with a real Apache', () => {
  let server: ApacheServer;
  let caseRoot = '';
  beforeAll(async () => {
    server = await startApache({
      modules: ['rewrite', 'headers', 'proxy', 'proxy_fcgi'],
      config: (ctx) => {
        caseRoot = ctx.extraDir;
        const blocks: string[] = [
          MAIN_RULES,
          'Header always set X-File "expr=%{REQUEST_FILENAME}"',
          'Header always set X-Uri "expr=%{REQUEST_URI}"',
          'Header always set X-Qs "expr=%{QUERY_STRING}"',
        ];
        CASES.forEach((c, i) => {
          const root = path.join(ctx.extraDir, `c${i}`, 'docroot');
          mkdirSync(root, { recursive: true });
          for (const f of c.files ?? []) {
            const p = path.resolve(root, f);
            mkdirSync(path.dirname(p), { recursive: true });
            writeFileSync(p, p);
          }
          const ruleDir = c.sub ? path.join(root, c.sub) : root;
          mkdirSync(ruleDir, { recursive: true });
          if (c.where === 'htaccess') writeFileSync(path.join(ruleDir, '.htaccess'), `${c.rules}\n`);
          const alias = c.alias
            ? `Alias ${c.alias[0]} ${path.join(ctx.extraDir, `c${i}`, c.alias[1])}\n<Directory ${path.join(ctx.extraDir, `c${i}`, c.alias[1])}>\nRequire all granted\n</Directory>`
            : '';
          blocks.push(`<VirtualHost 127.0.0.1:${ctx.port}>
ServerName c${i}.test
DocumentRoot ${root}
<Directory ${root}>
Options FollowSymLinks
AllowOverride None
Require all granted
</Directory>
<Directory ${ruleDir}>
Options FollowSymLinks
AllowOverride ${c.where === 'htaccess' ? 'FileInfo' : 'None'}
Require all granted
${c.where === 'dir' ? c.rules : ''}
</Directory>
${alias}
${c.where === 'server' ? `RewriteEngine On\n${c.rules}` : ''}
</VirtualHost>`);
        });
        return blocks.join('\n');
      },
    });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  function predict(c: Case, i: number): { observed: Observed; outcomes: RewriteResult[] } {
    const caseDir = path.join(caseRoot, `c${i}`);
    const root = path.join(caseDir, 'docroot');
    const fs = liveFileSystem();
    const [rawPath = '', rawQuery] = c.url.split(/\?(.*)/s, 2);
    const host = `c${i}.test`;
    const headerVars: Record<string, string> = { 'HTTP:Authorization': '' };
    for (const [k, v] of Object.entries(c.headers ?? {})) headerVars[`HTTP:${k}`] = v;
    const baseVars = (uri: string, redirected: boolean): Record<string, string> => ({
      SERVER_NAME: host,
      // UseCanonicalName Off and a Host header without a port: ap_get_server_port gives the scheme's default.
      SERVER_PORT: '80',
      VHOST_PORT: String(server.port),
      HTTP_HOST: host,
      REQUEST_SCHEME: 'http',
      HTTPS: 'off',
      DOCUMENT_ROOT: root,
      REQUEST_METHOD: 'GET',
      REQUEST_URI: uri,
      'ENV:REDIRECT_STATUS': redirected ? '200' : '',
      ...headerVars,
    });
    const exists = (f: string) => {
      const st = fs.stat(f);
      return !('error' in st);
    };
    const outcomes: RewriteResult[] = [];
    // What the route core hands over: r->uri decoded, with MergeSlashes (On by default) applied.
    let uri = decodeURIComponent(rawPath).replace(/\/{2,}/g, '/');
    let query = rawQuery;
    const fileObs = (file: string, q: string | undefined, u: string, status?: number): Observed => ({
      status: status ?? (exists(file) ? 200 : 404),
      file,
      uri: u,
      qs: q ?? '',
    });
    const applyOutcome = (r: RewriteResult, u: string): Observed | undefined => {
      if (r.result === 'redirect') return { status: r.status ?? 302, location: r.target ?? '' };
      if (r.result === 'forbidden' || r.result === 'gone' || r.result === 'status') return { status: r.status ?? 500 };
      if (r.result === 'proxy') return { status: 503, file: `proxy:${r.target}`, uri: u, qs: r.query ?? query ?? '' };
      return undefined;
    };
    if (c.where === 'server') {
      const file = path.join(caseDir, 'server.conf');
      const ds = effectiveRewriteDirectives(
        parseRules(`${MAIN_RULES}\n`, path.join(caseRoot, 'main.conf')),
        parseRules(`RewriteEngine On\n${c.rules}\n`, file),
        'server',
      );
      const r = applyRewrite(ds, {
        path: uri,
        ...(query !== undefined ? { query } : {}),
        vars: baseVars(uri, false),
        fs,
      });
      outcomes.push(r);
      const o = applyOutcome(r, uri);
      if (o) return { observed: o, outcomes };
      if (r.query !== undefined) query = r.query === '' ? undefined : r.query;
      if (r.result === 'pass') return { observed: fileObs(root + uri, query, uri), outcomes };
      const target = r.target ?? '';
      if (r.passThrough && c.alias && target.startsWith(c.alias[0])) {
        // [PT]: r->uri becomes the target and mod_alias maps it.
        const w = dirWalk(path.join(caseDir, c.alias[1]), target.slice(c.alias[0].length));
        return { observed: fileObs(w.filename, query, target), outcomes };
      }
      if (r.passThrough) return { observed: fileObs(dirWalk(root, target).filename, query, target), outcomes };
      const w = r.asFile ? dirWalk('', target) : dirWalk(root, target);
      return { observed: fileObs(w.filename, query, uri), outcomes };
    }
    // Per-directory: run, and on an internal redirect run again on the new URI (as httpd does), up to its recursion limit.
    const dir = `${c.sub ? path.join(root, c.sub) : root}/`;
    const file = c.where === 'htaccess' ? `${dir}.htaccess` : path.join(caseDir, 'dir.conf');
    const ds = parseRules(`${c.rules}\n`, file);
    let redirected = false;
    let handler: string | undefined;
    for (let round = 0; round < 10; round++) {
      const walk = dirWalk(root, uri);
      if (!(walk.filename + walk.pathInfo).startsWith(dir) && `${walk.filename}/` !== dir) {
        return { observed: fileObs(walk.filename, query, uri), outcomes };
      }
      const r = applyRewrite(ds, {
        perDir: { dir },
        path: walk.filename + walk.pathInfo,
        ...(query !== undefined ? { query } : {}),
        vars: { ...baseVars(uri, redirected), PATH_INFO: walk.pathInfo },
        fs,
      });
      outcomes.push(r);
      if (r.handler) handler = r.handler;
      const o = applyOutcome(r, uri);
      if (o) return { observed: o, outcomes };
      if (r.query !== undefined) query = r.query === '' ? undefined : r.query;
      if (r.result === 'pass') {
        if (handler?.startsWith('proxy:')) {
          // mod_proxy turns a "proxy:unix:…|fcgi://host" handler into r->filename "proxy:fcgi://host" + the file (params.ts's business; here only to read Apache's answer).
          const fcgi = handler.slice(handler.indexOf('|') + 1);
          return { observed: fileObs(`proxy:${fcgi}${walk.filename}`, query, uri, 503), outcomes };
        }
        return { observed: fileObs(walk.filename, query, uri), outcomes };
      }
      uri = r.target ?? '';
      redirected = true;
      if (r.end) {
        const w = dirWalk(root, uri);
        return { observed: fileObs(w.filename, query, uri), outcomes };
      }
    }
    return { observed: { status: 500 }, outcomes };
  }

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const res = await server.http(c.url, { headers: { Host: `c${i}.test`, ...(c.headers ?? {}) } });
    const actual = observe(res);
    const { observed: predicted, outcomes } = predict(c, i);
    const keys = Object.keys(predicted) as Array<keyof Observed>;
    const got: Observed = { status: actual.status };
    for (const k of keys) if (k !== 'status') (got as unknown as Record<string, unknown>)[k] = actual[k];
    const info = `\n--- steps ---\n${outcomes.flatMap((o) => o.steps.map((s) => `${s.line ?? ''} ${s.text}`)).join('\n')}\nuncertain: ${JSON.stringify(outcomes.flatMap((o) => o.uncertain))}\n--- error log ---\n${server.errorLog().slice(-1500)}`;
    expect(got, info).toEqual(predicted);
    if (c.name === '[T=] sets the type') expect(res.headers['content-type']).toBe('text/x-rewritten');
  });

  it('covers at least 25 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });
});
