import { describe, expect, it } from 'vitest';
import { run } from './rewriteHelpers.js';

const on = (rules: string) => `RewriteEngine On\n${rules}\n`;

describe('applyRewrite: engine and context', () => {
  it('does nothing with RewriteEngine off, and says so', () => {
    const r = run({ text: 'RewriteEngine Off\nRewriteRule ^ /x [L]\n', path: '/a' });
    expect(r.result).toBe('pass');
    expect(r.steps[0]?.text).toContain('RewriteEngine Off');
    expect(r.uncertain).toEqual([]);
  });
  it('is off by default', () => {
    expect(run({ text: 'RewriteRule ^ /x\n', path: '/a' }).result).toBe('pass');
  });
  it('server context: rewrites the URL-path; every tried rule is a step with file:line', () => {
    const r = run({ text: on('RewriteRule ^/old$ /new [L]\nRewriteRule ^/a$ /b'), path: '/a' });
    expect(r.result).toBe('rewritten');
    expect(r.target).toBe('/b');
    expect(r.asFile).toBe(false);
    expect(r.steps.map((s) => s.line)).toEqual([2, 3, 3]);
    expect(r.steps[0]?.text).toContain('does not match');
    expect(r.steps[1]?.text).toContain('"/a" → "/b"');
    expect(r.steps[1]?.file).toBe('/etc/apache2/test.conf');
  });
  it('server context: a relative substitution gets a leading slash', () => {
    expect(run({ text: on('RewriteRule ^/a$ b'), path: '/a' }).target).toBe('/b');
  });
  it('server context: a target whose first component exists and was written literally is a file path (prefix_stat)', () => {
    const r = run({
      text: on('RewriteRule ^/app/(.*)$ /srv/app/$1'),
      path: '/app/x.php',
      files: { '/srv/app/x.php': '' },
    });
    expect(r.target).toBe('/srv/app/x.php');
    expect(r.asFile).toBe(true);
  });
  it('server context: "-" changes nothing but [H=] and [E=] still apply', () => {
    const r = run({
      text: on('RewriteRule \\.php$ - [H=proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost,E=FOO:bar]'),
      path: '/index.php',
    });
    expect(r.result).toBe('pass');
    expect(r.handler).toBe('proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost');
    expect(r.env).toEqual({ FOO: 'bar' });
  });
  it('per-directory: strips the directory, re-adds it, and the internal redirect strips the DocumentRoot', () => {
    const r = run({
      text: on('RewriteRule ^old/(.*)$ new/$1 [L]'),
      path: '/srv/www/old/x.php',
      perDir: '/srv/www/',
    });
    expect(r.result).toBe('rewritten');
    expect(r.target).toBe('/new/x.php');
    expect(r.steps[0]?.text).toContain('"old/x.php" → "/srv/www/new/x.php"');
  });
  it('per-directory: RewriteBase replaces the directory', () => {
    const r = run({
      text: on('RewriteBase /blog/\nRewriteRule ^(.*)$ index.php [L]'),
      path: '/srv/blog/hello',
      perDir: '/srv/blog/',
    });
    expect(r.target).toBe('/blog/index.php');
  });
  it('per-directory: a rule that rewrites to the same file is ignored (no loop)', () => {
    const r = run({
      text: on('RewriteRule ^index\\.php$ index.php [L]'),
      path: '/srv/www/index.php',
      perDir: '/srv/www/',
    });
    expect(r.result).toBe('pass');
    expect(r.steps.at(-1)?.text).toContain('rewritten to itself');
  });
  it('per-directory: the directory without its slash is left to mod_dir', () => {
    const r = run({ text: on('RewriteRule ^ index.php'), path: '/srv/www/sub', perDir: '/srv/www/sub/' });
    expect(r.result).toBe('pass');
  });
  it('per-directory: PATH_INFO is matched after the filename', () => {
    const r = run({
      text: on('RewriteRule ^index\\.php/(.*)$ app.php?p=$1 [L]'),
      path: '/srv/www/index.php/a/b',
      perDir: '/srv/www/',
      vars: { PATH_INFO: '/a/b' },
    });
    expect(r.target).toBe('/app.php');
    expect(r.query).toBe('p=a/b');
  });
});

describe('applyRewrite: flags', () => {
  it('[L] stops, later rules are not tried', () => {
    const r = run({ text: on('RewriteRule ^/a$ /b [L]\nRewriteRule ^/b$ /c'), path: '/a' });
    expect(r.target).toBe('/b');
    expect(r.last).toBe(true);
  });
  it('without [L] later rules see the new path', () => {
    expect(run({ text: on('RewriteRule ^/a$ /b\nRewriteRule ^/b$ /c'), path: '/a' }).target).toBe('/c');
  });
  it('[END] ends and says so', () => {
    const r = run({ text: on('RewriteRule ^/a$ /b [END]\nRewriteRule ^/b$ /c'), path: '/a' });
    expect(r.target).toBe('/b');
    expect(r.end).toBe(true);
  });
  it('[C] skips the chain when a link fails', () => {
    const r = run({ text: on('RewriteRule ^/x$ /y [C]\nRewriteRule ^/a$ /b\nRewriteRule ^/a$ /c'), path: '/a' });
    expect(r.target).toBe('/c');
  });
  it('[S=1] skips the next rule', () => {
    const r = run({ text: on('RewriteRule ^/a$ - [S=1]\nRewriteRule ^ /skipped\nRewriteRule ^/a$ /c'), path: '/a' });
    expect(r.target).toBe('/c');
  });
  it('[N] runs new rounds, bounded by [N=n]', () => {
    const r = run({ text: on('RewriteRule ^/(.*)x(.*)$ /$1y$2 [N]'), path: '/axbxc' });
    expect(r.target).toBe('/aybyc');
    const loop = run({ text: on('RewriteRule ^/(.*)$ /a$1 [N=5]'), path: '/x' });
    expect(loop.result).toBe('status');
    expect(loop.status).toBe(500);
  });
  it('[F] and [G] and [R=404]', () => {
    expect(run({ text: on('RewriteRule ^/secret - [F]'), path: '/secret' })).toMatchObject({
      result: 'forbidden',
      status: 403,
    });
    expect(run({ text: on('RewriteRule ^/old - [G]'), path: '/old' })).toMatchObject({ result: 'gone', status: 410 });
    expect(run({ text: on('RewriteRule ^/x - [R=404]'), path: '/x' })).toMatchObject({ result: 'status', status: 404 });
  });
  it('flags are case-insensitive and take long names', () => {
    expect(run({ text: on('RewriteRule ^/a$ /b [last,nocase]'), path: '/A' }).target).toBe('/b');
    expect(run({ text: on('RewriteRule ^/a$ /b [l,NC]'), path: '/A' }).target).toBe('/b');
  });
  it('[R] redirects with the server qualified, [R=301] keeps its code', () => {
    expect(run({ text: on('RewriteRule ^/a$ /b [R]'), path: '/a' })).toMatchObject({
      result: 'redirect',
      target: 'http://example.org/b',
      status: 302,
    });
    expect(run({ text: on('RewriteRule ^/a$ /b [R=301,L]'), path: '/a', vars: { SERVER_PORT: '8080' } })).toMatchObject(
      {
        target: 'http://example.org:8080/b',
        status: 301,
      },
    );
  });
  it('an absolute URL to another host redirects (302); one naming this server is reduced to its path', () => {
    expect(run({ text: on('RewriteRule ^/a$ https://other.example/b'), path: '/a' })).toMatchObject({
      result: 'redirect',
      target: 'https://other.example/b',
      status: 302,
    });
    expect(run({ text: on('RewriteRule ^/a$ http://example.org/b'), path: '/a' })).toMatchObject({
      result: 'rewritten',
      target: '/b',
    });
  });
  it('the query: a "?" replaces it, [QSA] appends, [QSD] drops, a trailing "?" drops', () => {
    expect(run({ text: on('RewriteRule ^/a$ /b?x=1'), path: '/a', query: 'y=2' }).query).toBe('x=1');
    expect(run({ text: on('RewriteRule ^/a$ /b?x=1 [QSA]'), path: '/a', query: 'y=2' }).query).toBe('x=1&y=2');
    expect(run({ text: on('RewriteRule ^/a$ /b [QSD]'), path: '/a', query: 'y=2' }).query).toBe('');
    const t = run({ text: on('RewriteRule ^/a$ /b?'), path: '/a', query: 'y=2' });
    expect(t.target).toBe('/b');
    expect(t.query).toBe('');
    expect(run({ text: on('RewriteRule ^/a$ /b'), path: '/a', query: 'y=2' }).query).toBeUndefined();
  });
  it('[QSL] splits at the last "?"', () => {
    const r = run({ text: on('RewriteRule ^/a$ /b?c?d=1 [QSL]'), path: '/a' });
    expect(r.target).toBe('/b?c');
    expect(r.query).toBe('d=1');
  });
  it('[B] escapes back-references; without it a space in the query is refused (403)', () => {
    expect(run({ text: on('RewriteRule ^/s/(.*)$ /search.php?q=$1 [B]'), path: '/s/a b&c' }).query).toBe('q=a+b%26c');
    expect(run({ text: on('RewriteRule ^/s/(.*)$ /search.php?q=$1'), path: '/s/a b' })).toMatchObject({
      result: 'forbidden',
    });
  });
  it('a "?" coming out of a back-reference is refused without [UnsafeAllow3F]', () => {
    expect(run({ text: on('RewriteRule ^/(.*)$ /x/$1'), path: '/a?b' })).toMatchObject({ status: 403 });
  });
  it('[T=] and [H=]', () => {
    const r = run({
      text: on('RewriteRule ^/(.*\\.inc)$ /$1 [T=application/x-httpd-php,H=Application/X-Httpd-Php]'),
      path: '/a.inc',
    });
    expect(r.type).toBe('application/x-httpd-php');
    expect(r.handler).toBe('application/x-httpd-php');
  });
  it('[E=] expands back-references and unsets with "!"', () => {
    const r = run({ text: on('RewriteRule ^/u/(\\w+) - [E=USER:$1,E=!GONE]'), path: '/u/bob' });
    expect(r.env).toEqual({ USER: 'bob' });
  });
  it('[CO=] is accepted and does not change the route', () => {
    expect(run({ text: on('RewriteRule ^/a$ /b [CO=n:v:example.org]'), path: '/a' }).target).toBe('/b');
  });
  it('a bad flag: httpd refuses the line; said in uncertain, never thrown', () => {
    const r = run({ text: on('RewriteRule ^/a$ /b [Bogus]'), path: '/a' });
    expect(r.result).toBe('pass');
    expect(r.uncertain[0]).toContain("unknown flag 'Bogus'");
    expect(r.uncertain[0]).toContain('test.conf:2');
  });
  it('!pattern matches when the pattern does not ($N are empty)', () => {
    expect(run({ text: on('RewriteRule !^/static/ /index.php'), path: '/x' }).target).toBe('/index.php');
  });
  it('[NE] keeps the redirect unescaped; without it % is escaped; a bare %2 is a condition back-reference', () => {
    expect(run({ text: on('RewriteRule ^/a$ /b\\%20c [R,NE]'), path: '/a' }).target).toBe('http://example.org/b%20c');
    expect(run({ text: on('RewriteRule ^/a$ /b\\%20c [R]'), path: '/a' }).target).toBe('http://example.org/b%2520c');
    expect(run({ text: on('RewriteRule ^/a$ /b%20c [R]'), path: '/a' }).target).toBe('http://example.org/b0c');
  });
  it('[PT] passes the URL on to translate_name', () => {
    const r = run({ text: on('RewriteRule ^/app/(.*)$ /cgi/$1 [PT]'), path: '/app/x' });
    expect(r).toMatchObject({ result: 'rewritten', target: '/cgi/x', passThrough: true });
  });
});

describe('applyRewrite: FastCGI forms', () => {
  it('[P] to fcgi://', () => {
    const r = run({
      text: on('RewriteRule ^/(.*\\.php)$ fcgi://127.0.0.1:9000/srv/www/$1 [P]'),
      path: '/a/b.php',
      query: 'x=1',
    });
    expect(r).toMatchObject({ result: 'proxy', target: 'fcgi://127.0.0.1:9000/srv/www/a/b.php', last: true });
    expect(r.query).toBeUndefined();
  });
  it('[P] with [NE] carries the query in the URL', () => {
    const r = run({ text: on('RewriteRule ^/(.*)$ fcgi://127.0.0.1:9000/srv/$1 [P,NE]'), path: '/a', query: 'x=1' });
    expect(r.target).toBe('fcgi://127.0.0.1:9000/srv/a?x=1');
  });
  it('[P] of a path is qualified with this server', () => {
    expect(run({ text: on('RewriteRule ^/a$ /b [P]'), path: '/a' }).target).toBe('http://example.org/b');
  });
  it('[H=proxy:unix:…|fcgi://localhost] in a Directory', () => {
    const r = run({
      text: on(
        'RewriteCond %{REQUEST_FILENAME} -f\nRewriteRule \\.php$ - [H=proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost]',
      ),
      path: '/srv/www/index.php',
      perDir: '/srv/www/',
      vars: { REQUEST_FILENAME: '/srv/www/index.php' },
      files: { '/srv/www/index.php': '<?php' },
    });
    expect(r.handler).toBe('proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost');
    expect(r.result).toBe('pass');
  });
});
