/** Regexes httpd accepts but JS cannot run, pathological patterns, long inputs, and RewriteOptions inheritance. */
import { describe, expect, it } from 'vitest';
import type { Directive } from '../../../src/apache/index.js';
import { applyRewrite, effectiveRewriteDirectives } from '../../../src/routing/apache/rewrite.js';
import { fixtureSystem } from '../../../src/system/fixture.js';
import { compileApacheRegex } from '../../../src/routing/apache/rewrite/regex.js';
import { rewriteDirectives, run } from './rewriteHelpers.js';

describe('PCRE as JS', () => {
  it.each([
    ['^(?>a+)b', 'atomic group'],
    ['^a++b', 'possessive'],
    ['^(a|b)(?1)$', 'recursion'],
    ['^\\Qa.b\\E$', '\\Q'],
    ['^a\\Kb', '\\K'],
  ])('%s is reported, not thrown', (pattern, what) => {
    const c = compileApacheRegex(pattern, false);
    expect(c.re).toBeUndefined();
    expect(c.unsupported).toBe(true);
    expect(c.error).toContain(what);
  });
  it('POSIX classes, \\A and \\z are translated; an escaped "+" is not possessive', () => {
    expect(compileApacheRegex('^[[:alpha:]]+$', false).re?.test('abc')).toBe(true);
    expect(compileApacheRegex('\\A/x\\z', false).re?.test('/x')).toBe(true);
    expect(compileApacheRegex('^a\\++$', false).re?.test('a++')).toBe(true);
    expect(compileApacheRegex('(?i)^ABC$', false).re?.test('abc')).toBe(true);
  });
  it('a rule with a pattern JS cannot run: uncertain with file:line, assumed no match', () => {
    const r = run({ text: 'RewriteEngine On\nRewriteRule ^/(?>a+)$ /b\n', path: '/aaa' });
    expect(r.result).toBe('pass');
    expect(r.uncertain[0]).toContain('test.conf:2');
    expect(r.uncertain[0]).toContain('atomic group');
  });
  it('a pattern httpd itself refuses is said to be refused', () => {
    const r = run({ text: 'RewriteEngine On\nRewriteRule ^/(a /b\n', path: '/a' });
    expect(r.uncertain[0]).toMatch(/cannot be evaluated|cannot compile/);
  });
});

describe('bounds', () => {
  it('a nested-repetition pattern on a long input is not run (no hang), and says so', () => {
    const started = Date.now();
    const r = run({ text: 'RewriteEngine On\nRewriteRule ^/(a+)+$ /b\n', path: `/${'a'.repeat(5000)}!` });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.result).toBe('pass');
    expect(r.uncertain[0]).toContain('nests repetitions');
  });
  it('an input longer than 24 KB is not matched', () => {
    const r = run({ text: 'RewriteEngine On\nRewriteRule ^/a /b\n', path: `/a${'x'.repeat(30000)}` });
    expect(r.result).toBe('pass');
    expect(r.uncertain[0]).toContain('24576');
  });
  it('[N] without a bound stops at the rewritten-length limit or the round limit with 500', () => {
    const r = run({ text: 'RewriteEngine On\nRewriteRule ^/(.*)$ /x$1 [N]\n', path: '/a' });
    expect(r).toMatchObject({ result: 'status', status: 500 });
  });
  it('the same Directive is compiled once (cached)', () => {
    const ds = rewriteDirectives('RewriteEngine On\nRewriteRule ^/a$ /b\n');
    const fs = fixtureSystem({}).fs;
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) applyRewrite(ds, { path: '/a', vars: { SERVER_NAME: 'x', SERVER_PORT: '80' }, fs });
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('RewriteOptions: which rules a vhost or directory runs', () => {
  const main = rewriteDirectives('RewriteEngine On\nRewriteRule ^/m$ /main\n', undefined, '/etc/apache2/main.conf');
  const vhostPlain = rewriteDirectives('RewriteEngine On\nRewriteRule ^/v$ /vhost\n', undefined, '/etc/apache2/v.conf');
  const vhostInherit = rewriteDirectives(
    'RewriteEngine On\nRewriteOptions Inherit\nRewriteRule ^/m$ /vhost-first\n',
    undefined,
    '/etc/apache2/v.conf',
  );
  const vhostBefore = rewriteDirectives(
    'RewriteEngine On\nRewriteOptions InheritBefore\nRewriteRule ^/m$ /vhost-first\n',
    undefined,
    '/etc/apache2/v.conf',
  );
  const apply = (ds: Directive[], path: string) =>
    applyRewrite(ds, { path, vars: { SERVER_NAME: 'x', SERVER_PORT: '80' }, fs: fixtureSystem({}).fs });
  it('a vhost does not run the main server rules unless RewriteOptions Inherit', () => {
    expect(apply(effectiveRewriteDirectives(main, vhostPlain, 'server'), '/m').result).toBe('pass');
    expect(apply(effectiveRewriteDirectives(main, vhostInherit, 'server'), '/m').target).toBe('/vhost-first');
    expect(apply(effectiveRewriteDirectives(main, vhostBefore, 'server'), '/m').target).toBe('/main');
  });
  it('a vhost with no mod_rewrite directive at all does no server-context rewriting, even under InheritDown', () => {
    const parent = rewriteDirectives('RewriteEngine On\nRewriteOptions InheritDown\nRewriteRule ^/m$ /main\n');
    expect(effectiveRewriteDirectives(parent, [], 'server')).toEqual([]);
  });
  it('RewriteEngine is inherited when the child does not set it', () => {
    const child = rewriteDirectives('RewriteRule ^/c$ /child\n');
    expect(apply(effectiveRewriteDirectives(main, child, 'server'), '/c').target).toBe('/child');
  });
  it('InheritDown in the parent pushes its rules after the child; IgnoreInherit refuses them', () => {
    const parent = rewriteDirectives('RewriteEngine On\nRewriteOptions InheritDown\nRewriteRule ^/m$ /main\n');
    expect(apply(effectiveRewriteDirectives(parent, vhostPlain, 'server'), '/m').target).toBe('/main');
    const refusing = rewriteDirectives('RewriteEngine On\nRewriteOptions IgnoreInherit\nRewriteRule ^/v$ /vhost\n');
    expect(apply(effectiveRewriteDirectives(parent, refusing, 'server'), '/m').result).toBe('pass');
  });
  it('RewriteBase is inherited by a directory only with MergeBase', () => {
    const parent = rewriteDirectives('RewriteEngine On\nRewriteBase /base/\n');
    const child = rewriteDirectives('RewriteRule ^x$ y\n');
    const merged = rewriteDirectives('RewriteOptions MergeBase\nRewriteRule ^x$ y\n');
    expect(effectiveRewriteDirectives(parent, child, 'perdir').some((d) => d.name === 'rewritebase')).toBe(false);
    expect(effectiveRewriteDirectives(parent, merged, 'perdir').some((d) => d.name === 'rewritebase')).toBe(true);
  });
});

describe('odd input never throws', () => {
  const patterns = ['^/(.*)$', '(', '^/a[', '\\', '^(?<n>x)', '.*', '^/(a|b)+$', '[[:digit:]]{2,}', '(?i)X', '$'];
  const outputs = ['/$1', '-', '%{', '${map:', '\\', '$9%9', 'http://x/$1?%{QUERY_STRING}', '?', '%{ENV:X}'];
  const flags = ['', '[L]', '[R=abc]', '[N=2]', '[S=x]', '[B,NE]', '[QSA,QSL]', '[E=]', '[H=]', '[,]', '[P]'];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  it('200 random rules over odd paths', () => {
    for (let i = 0; i < 200; i++) {
      const text = `RewriteEngine On\nRewriteCond %{QUERY_STRING} ${patterns[rnd(patterns.length)]}\nRewriteRule ${patterns[rnd(patterns.length)]} ${outputs[rnd(outputs.length)]} ${flags[rnd(flags.length)]}\n`;
      const path = `/${String.fromCharCode(...Array.from({ length: rnd(40) }, () => rnd(0x3000)))}`;
      for (const perDir of [undefined, '/srv/www/']) {
        expect(() =>
          run({ text, path: perDir ? `/srv/www${path}` : path, query: '%00?&', ...(perDir ? { perDir } : {}) }),
        ).not.toThrow();
      }
    }
  });
});
