/**
 * Bad input never throws, never hangs, and says what it met: binary files,
 * huge files and lines, deep nesting, include loops, unreadable files, FIFOs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryNginxSource, readNginxConfig } from '../../src/nginx/index.js';
import { MAX_NGINX_FILE_BYTES } from '../../src/nginx/source.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fcgi-nginx-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tree(files: Record<string, string | Buffer>): string {
  const top = mkdtempSync(path.join(dir, 't-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(top, name)), { recursive: true });
    writeFileSync(path.join(top, name), content);
  }
  return top;
}

const messages = (root: string) =>
  readNginxConfig(root, { prefix: `${path.dirname(root)}/` }).issues.map((i) => i.message);

describe('bad input on the real disk', () => {
  it('a FIFO is never opened: nginx would hang on it, we say so', () => {
    const top = tree({ 'nginx.conf': 'events {}\ninclude pipe;\n' });
    expect(spawnSync('mkfifo', [path.join(top, 'pipe')]).status).toBe(0);
    expect(messages(path.join(top, 'nginx.conf'))).toEqual([
      `"${top}/pipe" is a FIFO: not opened (nginx would block opening it until something writes to it)`,
    ]);
  });

  it('a device such as /dev/null reads as empty, as in nginx (its size is 0), and is never opened', () => {
    const top = tree({ 'nginx.conf': 'events {}\ninclude /dev/null;\n' });
    const c = readNginxConfig(path.join(top, 'nginx.conf'), { prefix: `${top}/` });
    expect(c.issues).toEqual([]);
    expect(c.files.map((f) => f.file)).toEqual([path.join(top, 'nginx.conf'), '/dev/null']);
  });

  it('a file over the bound is not read, and says so', () => {
    const top = tree({ 'nginx.conf': 'events {}\ninclude big;\n', big: '' });
    truncateSync(path.join(top, 'big'), MAX_NGINX_FILE_BYTES + 1);
    expect(messages(path.join(top, 'nginx.conf'))).toEqual([
      `"${top}/big" is too large to read (over 32 MiB): not read`,
    ]);
  });

  it('a binary file is named as such, then lexed as nginx would', () => {
    const top = tree({
      'nginx.conf': 'events {}\ninclude bin;\n',
      bin: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 0x3b, 0x0a]),
    });
    const m = messages(path.join(top, 'nginx.conf'));
    expect(m[0]).toBe('the file is binary (it has a NUL byte), not a configuration');
    expect(m[1]).toMatch(/^unknown directive /);
  });

  it('a directory named by include fails as nginx says', () => {
    const top = tree({ 'nginx.conf': 'events {}\ninclude d;\n', 'd/a.conf': 'x;' });
    expect(messages(path.join(top, 'nginx.conf'))).toEqual([`pread() "${top}/d" failed (21: Is a directory)`]);
  });

  it('a missing root says open() failed', () => {
    expect(messages(path.join(dir, 'nope.conf'))).toEqual([
      `open() "${dir}/nope.conf" failed (2: No such file or directory)`,
    ]);
  });
});

describe('bad input in memory', () => {
  it('an unreadable include is an error of nginx when we read as root, our blind spot when not', () => {
    const source = new MemoryNginxSource({
      '/n/nginx.conf': 'events {}\ninclude secret.conf;\n',
      '/n/secret.conf': { error: 'EACCES' },
    });
    expect(readNginxConfig('/n/nginx.conf', { source, asRoot: true }).issues).toMatchObject([
      { severity: 'emerg', message: 'open() "/n/secret.conf" failed (13: Permission denied)', line: 2 },
    ]);
    expect(readNginxConfig('/n/nginx.conf', { source, asRoot: false }).issues).toMatchObject([
      {
        severity: 'warn',
        message: 'open() "/n/secret.conf" failed (13: Permission denied): not read (nginx reads as root)',
      },
    ]);
  });

  it('a directory a glob cannot list is said, as a warning', () => {
    const source = new MemoryNginxSource({
      '/n/nginx.conf': 'events {}\ninclude conf.d/*.conf;\n',
      '/n/conf.d': { dir: true, unreadable: true },
    });
    expect(readNginxConfig('/n/nginx.conf', { source }).issues).toMatchObject([
      {
        severity: 'warn',
        message:
          'cannot list "/n/conf.d" (13: Permission denied): the files of include "/n/conf.d/*.conf" there are not read',
        line: 2,
      },
    ]);
  });

  it('a huge single line ends in "too long parameter", quickly', () => {
    const source = new MemoryNginxSource({
      '/n/nginx.conf': `events {}\nserver_name ${'a'.repeat(8 * 1024 * 1024)};\n`,
    });
    expect(readNginxConfig('/n/nginx.conf', { source }).issues.map((i) => i.message)).toEqual([
      'too long parameter "aaaaaaaaaa..." started',
    ]);
  });

  it('100 000 nested blocks stop at our bound, with no stack overflow', () => {
    const source = new MemoryNginxSource({ '/n/nginx.conf': `events {}\n${'a {'.repeat(100_000)}` });
    const issues = readNginxConfig('/n/nginx.conf', { source }).issues;
    expect(issues.some((i) => /nested more than \d+ deep/.test(i.message))).toBe(true);
  });

  it('two files including each other stop at our bound', () => {
    const source = new MemoryNginxSource({
      '/n/nginx.conf': 'events {}\ninclude a;\n',
      '/n/a': 'include b;\n',
      '/n/b': 'include a;\n',
    });
    const c = readNginxConfig('/n/nginx.conf', { source });
    expect(c.issues).toHaveLength(1);
    expect(c.files.map((f) => f.file)).toEqual(['/n/nginx.conf', '/n/a', '/n/b']);
  });

  it('random bytes never throw and always end', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const source = new MemoryNginxSource({ '/n/nginx.conf': Buffer.from(bytes) });
        const c = readNginxConfig('/n/nginx.conf', { source });
        expect(Array.isArray(c.issues)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('random configuration-like text never throws and always ends', () => {
    const piece = fc.constantFrom(
      'a',
      ' ',
      '\n',
      ';',
      '{',
      '}',
      '"',
      "'",
      '\\',
      '#',
      '$',
      '${',
      ')',
      'include x;',
      'location',
      'if (',
      'http',
      'server',
      'events {}',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), (parts) => {
        const source = new MemoryNginxSource({ '/n/nginx.conf': parts.join(''), '/n/x': parts.slice(0, 50).join('') });
        const c = readNginxConfig('/n/nginx.conf', { source });
        for (const i of c.issues) expect(typeof i.message).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

describe('certificates we may not look at', () => {
  it('are a warning, not an error: nginx reads them as root', () => {
    const source = new MemoryNginxSource({
      '/n/nginx.conf':
        'events {}\nhttp {\n server {\n  listen 443 ssl;\n  ssl_certificate /etc/ssl/certs/c.pem;\n  ssl_certificate_key /etc/ssl/private/k.pem;\n }\n}\n',
      '/etc/ssl/certs/c.pem': 'x',
      '/etc/ssl/private/k.pem': { hidden: true },
    });
    expect(readNginxConfig('/n/nginx.conf', { source }).issues).toMatchObject([
      {
        severity: 'warn',
        message: 'cannot check certificate key "/etc/ssl/private/k.pem": permission denied (nginx reads it as root)',
        line: 6,
      },
    ]);
  });

  it('a missing one is the error nginx reports', () => {
    const source = new MemoryNginxSource({
      '/n/nginx.conf':
        'events {}\nhttp {\n server {\n  listen 443 ssl;\n  ssl_certificate c.pem;\n  ssl_certificate_key c.pem;\n }\n}\n',
    });
    expect(readNginxConfig('/n/nginx.conf', { source }).issues.map((i) => i.message)).toEqual([
      'cannot load certificate "/n/c.pem": the file cannot be opened (ENOENT)',
      'cannot load certificate key "/n/c.pem": the file cannot be opened (ENOENT)',
    ]);
  });
});
