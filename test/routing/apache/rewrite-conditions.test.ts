import { describe, expect, it } from 'vitest';
import { run } from './rewriteHelpers.js';

const rule = (cond: string, target = '/yes') => `RewriteEngine On\nRewriteCond ${cond}\nRewriteRule ^ ${target} [L]\n`;
const holds = (cond: string, extra: Partial<Parameters<typeof run>[0]> = {}) =>
  run({ text: rule(cond), path: '/x', ...extra }).result === 'rewritten';

describe('RewriteCond: file tests go through the FileSystem', () => {
  const files = {
    '/srv/www/a.php': '<?php',
    '/srv/www/empty': '',
    '/srv/www/dir/.keep': '',
    '/srv/www/link': { type: 'symlink' as const, target: '/srv/www/a.php' },
    '/srv/www/run.cgi': { mode: 0o755, content: '#!/bin/sh' },
  };
  it.each([
    ['/srv/www/a.php -f', true],
    ['/srv/www/nope -f', false],
    ['/srv/www/a.php !-f', false],
    ['/srv/www/dir -d', true],
    ['/srv/www/a.php -d', false],
    ['/srv/www/a.php -s', true],
    ['/srv/www/empty -s', false],
    ['/srv/www/link -l', true],
    ['/srv/www/link -L', true],
    ['/srv/www/link -h', true],
    ['/srv/www/a.php -l', false],
    ['/srv/www/run.cgi -x', true],
    ['/srv/www/a.php -x', false],
  ])('%s → %s', (cond, expected) => {
    expect(holds(cond, { files })).toBe(expected);
  });
  it('a file the doctor may not look at is undecidable: reported, assumed false', () => {
    const r = run({ text: rule('/srv/secret/x -f'), path: '/x', files: { '/srv/secret/x': { denied: true } } });
    expect(r.result).toBe('pass');
    expect(r.uncertain[0]).toMatch(/test\.conf:2.*assumed false/);
  });
  it('%{REQUEST_FILENAME} in server context is the URL-path (before mapping)', () => {
    expect(holds('%{REQUEST_FILENAME} ^/x$')).toBe(true);
    expect(holds('%{REQUEST_FILENAME} -f', { files: { '/srv/www/x': '' } })).toBe(false);
  });
});

describe('RewriteCond: string, lexicographic and integer tests', () => {
  it.each([
    ['%{REQUEST_METHOD} =GET', true],
    ['%{REQUEST_METHOD} =get', false],
    ['%{REQUEST_METHOD} =get [NC]', true],
    ['%{HTTP:X-E} =""', true],
    ['%{HTTP:X-S} <b', false],
    ['%{HTTP:X-S} >b', true],
    ['%{HTTP:X-S} <=aa', true],
    ['%{HTTP:X-S} >=ab', false],
    ['%{HTTP:X-N} -gt5', true],
    ['%{HTTP:X-N} -lt5', false],
    ['%{HTTP:X-N} -eq12', true],
    ['%{HTTP:X-N} -ne12', false],
    ['%{HTTP:X-N} !-ne12', true],
    ['%{HTTP:X-N} -ge12', true],
    ['%{HTTP:X-N} -le11', false],
    ['%{HTTP_HOST} ^EXAMPLE\\.org$ [NC]', true],
    ['%{HTTP_HOST} ^EXAMPLE\\.org$', false],
    ['%{HTTP_HOST} !^www\\.', true],
  ])('%s → %s', (cond, expected) => {
    // X-S "aa" is longer than "b": httpd's compare_lexicography puts the longer string after.
    expect(holds(cond, { vars: { 'HTTP:X-S': 'aa', 'HTTP:X-N': '12', 'HTTP:X-E': '' } })).toBe(expected);
  });
  it('[OR] joins with the next condition; AND is the default', () => {
    const text =
      'RewriteEngine On\nRewriteCond %{QUERY_STRING} a=1 [OR]\nRewriteCond %{QUERY_STRING} b=2\nRewriteCond %{REQUEST_METHOD} =GET\nRewriteRule ^ /yes\n';
    expect(run({ text, path: '/x', query: 'b=2' }).result).toBe('rewritten');
    expect(run({ text, path: '/x', query: 'c=3' }).result).toBe('pass');
    expect(run({ text, path: '/x', query: 'a=1', vars: { REQUEST_METHOD: 'POST' } }).result).toBe('pass');
  });
  it('%N comes from the last condition whose regex matched; $N from the rule, also inside a condition', () => {
    const text =
      'RewriteEngine On\nRewriteCond %{HTTP_HOST} ^(www\\.)?(.+)$\nRewriteCond $1 ^(\\w+)$\nRewriteRule ^/(\\w+)$ /%1/%2 [L]\n';
    expect(run({ text, path: '/page' }).target).toBe('/page/');
  });
  it('a non-regex pattern drops NC like httpd (with its warning): -f [NC] is still -f', () => {
    expect(holds('/srv/www/a -f [NC]', { files: { '/srv/www/a': '' } })).toBe(true);
  });
});

describe('RewriteCond: values the model cannot know', () => {
  it.each([
    ['%{REMOTE_ADDR} ^10\\.', "the client's address"],
    ['%{HTTP_COOKIE} session=', "the request's cookies"],
    ['%{TIME_HOUR} <12', 'the time of the request'],
    ['%{HTTP:X-Forwarded-Proto} =https', 'the request header X-Forwarded-Proto'],
    ['%{ENV:APP_ENV} =prod', 'the environment variable APP_ENV'],
    ['%{LA-U:REMOTE_USER} .+', 'look-ahead'],
    ['%{HTTPS} =on', '%{HTTPS}'],
  ])('%s is undecidable, assumed false, said with file:line', (cond, dependsOn) => {
    const r = run({ text: rule(cond), path: '/x', vars: { HTTPS: undefined as unknown as string } });
    expect(r.result).toBe('pass');
    expect(r.uncertain).toHaveLength(1);
    expect(r.uncertain[0]).toContain('/etc/apache2/test.conf:2');
    expect(r.uncertain[0]).toContain(dependsOn);
    expect(r.uncertain[0]).toContain('assumed false');
    expect(r.steps.some((s) => s.text.includes('assumed false'))).toBe(true);
  });
  it('a negated undecidable condition is also taken as failed (the rule does not apply)', () => {
    const r = run({ text: rule('%{HTTP_COOKIE} !session='), path: '/x' });
    expect(r.result).toBe('pass');
    expect(r.uncertain).toHaveLength(1);
  });
  it('an undecidable [OR] branch falls through to the next condition', () => {
    const text =
      'RewriteEngine On\nRewriteCond %{REMOTE_ADDR} ^10\\. [OR]\nRewriteCond %{REQUEST_METHOD} =GET\nRewriteRule ^ /yes\n';
    const r = run({ text, path: '/x' });
    expect(r.result).toBe('rewritten');
    expect(r.uncertain).toHaveLength(1);
  });
  it('a name httpd does not know expands to "" in httpd too: not uncertain', () => {
    expect(holds('%{NO_SUCH_THING} =""')).toBe(true);
  });
  it('expr, -U and -F are not evaluated: uncertain', () => {
    expect(run({ text: rule('expr "%{REQUEST_URI} =~ m#^/x#"'), path: '/x' }).uncertain[0]).toContain('ap_expr');
    expect(run({ text: rule('%{REQUEST_URI} -U'), path: '/x' }).uncertain[0]).toContain('-U sub-request');
    expect(run({ text: rule('%{REQUEST_URI} -F'), path: '/x' }).uncertain[0]).toContain('-F sub-request');
  });
  it('a RewriteMap in the substitution: uncertain, the default used', () => {
    const r = run({ text: 'RewriteEngine On\nRewriteRule ^/(.*)$ /${lower:$1|fallback} [L]\n', path: '/ABC' });
    expect(r.target).toBe('/fallback');
    expect(r.uncertain[0]).toContain('RewriteMap lower');
  });
  it('[E=] from an earlier rule is seen by %{ENV:…} later in the same pass', () => {
    const text =
      'RewriteEngine On\nRewriteRule ^ - [E=BASE:/app]\nRewriteCond %{ENV:BASE} =/app\nRewriteRule ^/(.*)$ %{ENV:BASE}/$1 [L]\n';
    expect(run({ text, path: '/x' }).target).toBe('/app/x');
  });
});
