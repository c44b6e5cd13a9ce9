import { describe, expect, it } from 'vitest';
import { MemoryNginxSource, type NginxDirective, readNginxConfig } from '../../src/nginx/index.js';
import { NginxLexer } from '../../src/nginx/lexer.js';

function lexAll(text: string) {
  const lx = new NginxLexer(text);
  const out = [];
  for (let i = 0; i < 100; i++) {
    const t = lx.next();
    out.push(t);
    if (t.kind === 'eof' || (t.kind === 'error' && t.fatal)) break;
  }
  return out;
}

function words(text: string): string[][] {
  return lexAll(text)
    .filter((t) => t.kind === 'statement')
    .map((t) => (t.kind === 'statement' ? t.words.map((w) => w.text) : []));
}

function read(tree: Record<string, string>, root = '/etc/nginx/nginx.conf') {
  return readNginxConfig(root, { source: new MemoryNginxSource(tree) });
}

function names(ds: NginxDirective[]): string[] {
  return ds.map((d) => d.name);
}

describe('lexer (ngx_conf_read_token)', () => {
  it('splits words, strips quotes and resolves escapes', () => {
    expect(words(`a "b c" 'd\\'e' f\\ g "h\\tx" "\\q";`)).toEqual([['a', 'b c', "d'e", 'f\\ g', 'h\tx', '\\q']]);
  });
  it('keeps ${var} inside a word and ends a statement at { or ;', () => {
    expect(words('set $a "${b}c"; location /x{')).toEqual([
      ['set', '$a', '${b}c'],
      ['location', '/x'],
    ]);
  });
  it('skips # comments to the end of the line', () => {
    expect(words('a b; # c d;\ne;')).toEqual([['a', 'b'], ['e']]);
  });
  it('splits an if condition as nginx does', () => {
    expect(words('if ($a = "x") {')).toEqual([['if', '($a', '=', 'x', ')']]);
  });
  it('reports nginx messages on nginx lines', () => {
    expect(lexAll('a "b"c;')[0]).toMatchObject({ kind: 'error', message: 'unexpected "c"', line: 1 });
    expect(lexAll('a;\n;')[1]).toMatchObject({ kind: 'error', message: 'unexpected ";"', line: 2 });
    expect(lexAll('a b }')[0]).toMatchObject({ kind: 'error', message: 'unexpected "}"' });
    expect(lexAll('a "b;\n\n')[0]).toMatchObject({
      kind: 'error',
      message: 'unexpected end of file, expecting ";" or "}"',
      line: 3,
    });
  });
  it('refuses a word of 4096 bytes as nginx does', () => {
    const t = lexAll(`a "${'x'.repeat(5000)}`)[0];
    expect(t).toMatchObject({
      kind: 'error',
      message: 'too long parameter, probably missing terminating """ character',
    });
    expect(lexAll(`a ${'y'.repeat(5000)};`)[0]).toMatchObject({
      message: 'too long parameter "yyyyyyyyyy..." started',
    });
  });
});

describe('readNginxConfig', () => {
  it('reads nested blocks with file:line', () => {
    const c = read({
      '/etc/nginx/nginx.conf': 'events {}\nhttp {\n  server {\n    location / {\n      root /srv;\n    }\n  }\n}\n',
    });
    expect(c.issues).toEqual([]);
    expect(names(c.directives)).toEqual(['events', 'http']);
    const loc = c.directives[1]?.block?.[0]?.block?.[0];
    expect(loc).toMatchObject({ name: 'location', args: ['/'], line: 4, endLine: 6 });
    expect(loc?.block?.[0]).toMatchObject({ name: 'root', args: ['/srv'], line: 5, file: '/etc/nginx/nginx.conf' });
  });

  it('follows include relative to the configuration prefix, globs sorted, in place', () => {
    const c = read({
      '/etc/nginx/nginx.conf': 'http {\n include mime.types;\n include sites-enabled/*;\n}\nevents {}\n',
      '/etc/nginx/mime.types': 'types { text/html html; }\n',
      '/etc/nginx/sites-enabled/b': 'server { listen 81; }\n',
      '/etc/nginx/sites-enabled/a': 'server { listen 80; }\n',
      '/etc/nginx/sites-enabled/.hidden': 'server { listen 82; }\n',
    });
    expect(c.issues).toEqual([]);
    expect(c.files.map((f) => f.file)).toEqual([
      '/etc/nginx/nginx.conf',
      '/etc/nginx/mime.types',
      '/etc/nginx/sites-enabled/a',
      '/etc/nginx/sites-enabled/b',
    ]);
    const http = c.directives[0]?.block ?? [];
    expect(names(http)).toEqual(['include', 'types', 'include', 'server', 'server']);
    expect(http[3]).toMatchObject({ file: '/etc/nginx/sites-enabled/a', includedFrom: ['/etc/nginx/nginx.conf:3'] });
    expect(c.files[2]).toEqual({ file: '/etc/nginx/sites-enabled/a', includedBy: '/etc/nginx/nginx.conf:3' });
  });

  it('reports a missing include with nginx words at the include line, and a glob without match not at all', () => {
    const c = read({
      '/etc/nginx/nginx.conf': 'http {\n include conf.d/*.conf;\n include missing.conf;\n}\nevents {}\n',
    });
    expect(c.issues).toEqual([
      {
        severity: 'emerg',
        message: 'open() "/etc/nginx/missing.conf" failed (2: No such file or directory)',
        file: '/etc/nginx/nginx.conf',
        line: 3,
        includedFrom: [],
      },
    ]);
  });

  it('reports unbalanced braces and goes on', () => {
    const c = read({ '/etc/nginx/nginx.conf': 'events {}\n}\nhttp {\n server {\n' });
    expect(c.issues.map((i) => [i.message, i.line])).toEqual([
      ['unexpected "}"', 2],
      ['unexpected end of file, expecting "}"', 5],
    ]);
  });

  it('bounds an include loop', () => {
    const c = read({
      '/etc/nginx/nginx.conf': 'events {}\ninclude loop.conf;\n',
      '/etc/nginx/loop.conf': 'include loop.conf;\n',
    });
    expect(c.issues).toHaveLength(1);
    expect(c.issues[0]).toMatchObject({ file: '/etc/nginx/loop.conf', line: 1 });
    expect(c.issues[0]?.message).toMatch(/nested more than \d+ deep/);
  });
});
