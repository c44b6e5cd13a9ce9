/**
 * Configurations Apache refuses to start with, which used to pass as "no
 * error" (or crash the reader): a Define that doubles itself, a symlink loop
 * under an included directory, a device or FIFO named by Include. Each is
 * an error finding at the Include or Define line, read in bounded memory and
 * time. (What apache2 -t itself says about each is in the parity test.)
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/apache/parser.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveFileSource, MemoryFileSource, type MemoryEntry } from '../../src/apache/source.js';
import { analyzeStrict } from '../checks/strict.js';

function analyze(files: Record<string, MemoryEntry>, opts: { limitsExpected?: boolean } = {}) {
  return analyzeStrict(
    { root: '/srv/httpd.conf', serverRoot: '/srv', source: new MemoryFileSource(files), env: {} },
    opts,
  );
}

const errors = (r: ReturnType<typeof analyze>) => r.findings.filter((f) => f.severity === 'error');

/** Heap growth and wall time of `run`, after a GC when one is exposed. */
function measure<T>(run: () => T): { value: T; heapMb: number; ms: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const value = run();
  const ms = performance.now() - t0;
  return { value, heapMb: (process.memoryUsage().heapUsed - heap0) / 2 ** 20, ms };
}

const DOUBLING = `Define a x\n${'Define a ${a}${a}\n'.repeat(40)}ServerName \${a}\n`;

describe('a Define that doubles itself', () => {
  it('40 doublings: an error at the line where Apache runs out of memory, in bounded memory and time', () => {
    const m = measure(() => analyze({ '/srv/httpd.conf': DOUBLING }, { limitsExpected: true }));
    expect(m.heapMb).toBeLessThan(64);
    expect(m.ms).toBeLessThan(3000);
    const [e] = errors(m.value);
    expect(e).toMatchObject({ id: 'config-syntax-error', location: { file: '/srv/httpd.conf' } });
    expect(e?.message).toContain('Memory allocation failed');
    expect(e?.message).toContain('${a}');
    expect(e?.title).toBe('A variable grows until Apache runs out of memory');
    expect(e?.fix).toContain('uses its own value');
    // 2^(n+1) bytes expanded by line n+1 in all: the first line past this machine's memory.
    expect(e?.location?.line).toBeGreaterThan(20);
    expect(e?.location?.line).toBeLessThanOrEqual(41);
  });
  it('the same memory bound decides, not the machine running the test: 2 GiB of memory, 26 doublings pass it', () => {
    const p = parseConfig({
      rootFile: '/srv/httpd.conf',
      serverRoot: '/srv',
      source: new MemoryFileSource({ '/srv/httpd.conf': DOUBLING }),
      limits: { memoryBytes: 2 ** 31 },
    });
    const fatal = p.issues.filter((i) => i.kind === 'out-of-memory');
    expect(fatal).toEqual([expect.objectContaining({ file: '/srv/httpd.conf', line: 31 })]);
    expect(fatal[0]?.message).toContain('more than 2 GiB');
  });
  it('a few doublings Apache accepts (it did with 28) are no error: a line longer than we keep is a designed limit', () => {
    const r = analyze(
      { '/srv/httpd.conf': `Define a x\n${'Define a ${a}${a}\n'.repeat(24)}ServerName \${a}\n` },
      { limitsExpected: true },
    );
    expect(errors(r)).toEqual([]);
    const limits = r.findings.filter((f) => f.id === 'config-analysis-limit');
    expect(limits).toHaveLength(1);
    expect(limits[0]?.message).toMatch(/expands to \d+ characters \(\$\{a\}\)/);
    expect(r.model.defines['a']).toBe(`(${2 ** 24} characters, not kept)`);
  });
  it('an ordinary Define is expanded and kept as before', () => {
    const r = analyze({ '/srv/httpd.conf': 'Define root /srv/www\nDefine app ${root}/app\nDocumentRoot ${app}\n' });
    expect(r.model.defines).toMatchObject({ root: '/srv/www', app: '/srv/www/app' });
    expect(r.findings.filter((f) => f.id === 'config-analysis-limit')).toEqual([]);
  });
});

describe('an Include of a directory with a symbolic link loop', () => {
  it('Include: the error Apache stops with, at the Include line', () => {
    const r = analyze({
      '/srv/httpd.conf': 'ServerName a\nInclude conf.d\n',
      '/srv/conf.d/a.conf': 'ServerAdmin x@y\n',
      '/srv/conf.d/self': { symlink: '.' },
    });
    const [e] = errors(r);
    expect(e).toMatchObject({
      id: 'include-not-found',
      title: 'An Include leads into a symbolic link loop',
      location: { file: '/srv/httpd.conf', line: 2 },
    });
    expect(e?.message).toContain('Too many levels of symbolic links');
    expect(e?.fix).toMatch(/^\/srv\/conf\.d\/self is a symbolic link that leads back/);
  });
  it('a wildcard matching a symlink to itself is fatal for Include, skipped by IncludeOptional', () => {
    const tree = (line: string) => ({
      '/srv/httpd.conf': `${line}\n`,
      '/srv/conf.d/a.conf': '',
      '/srv/conf.d/x.conf': { symlink: 'x.conf' },
    });
    expect(errors(analyze(tree('Include conf.d/*.conf')))[0]?.message).toContain(
      '/srv/conf.d/x.conf: Too many levels of symbolic links',
    );
    const optional = analyze(tree('IncludeOptional conf.d/*.conf'));
    expect(errors(optional)).toEqual([]);
    expect(optional.model.filesRead.map((f) => f.file)).toEqual(['/srv/httpd.conf', '/srv/conf.d/a.conf']);
  });
  it('IncludeOptional of the directory reads each file once per level, as Apache does (41 times), and no error', () => {
    const r = analyze({
      '/srv/httpd.conf': 'IncludeOptional conf.d\n',
      '/srv/conf.d/a.conf': '',
      '/srv/conf.d/self': { symlink: '.' },
    });
    expect(errors(r)).toEqual([]);
    expect(r.model.filesRead).toHaveLength(42);
  });
  it('two loops under IncludeOptional would branch without end: a bounded limit, fast', () => {
    const m = measure(() =>
      analyze(
        {
          '/srv/httpd.conf': 'IncludeOptional conf.d\n',
          '/srv/conf.d/a': { symlink: '.' },
          '/srv/conf.d/b': { symlink: '.' },
        },
        { limitsExpected: true },
      ),
    );
    expect(m.ms).toBeLessThan(10_000);
    expect(m.heapMb).toBeLessThan(200);
    expect(m.value.findings.map((f) => f.id)).toEqual(['config-analysis-limit']);
  });
});

describe('an Include of a device or a FIFO', () => {
  it.each([
    ['Include /dev/zero', '/dev/zero'],
    ['IncludeOptional /dev/zero', '/dev/zero'],
    ['Include conf.d', '/srv/conf.d/pipe'],
  ])('%s: AH00554, an error at the Include line, never opened', (line, special) => {
    const r = analyze({
      '/srv/httpd.conf': `ServerName a\n${line}\n`,
      '/dev/zero': { special: 'device' },
      '/srv/conf.d/pipe': { special: 'fifo' },
    });
    const [e] = errors(r);
    expect(e).toMatchObject({ id: 'config-syntax-error', location: { file: '/srv/httpd.conf', line: 2 } });
    expect(e?.message).toContain(`AH00554: Access to file ${special} denied by server: not a regular file`);
  });
});

describe('a directory this user may not read (Apache reads as root)', () => {
  it.each([
    ['Include conf.d', 'Could not open config directory /srv/conf.d: Permission denied'],
    ['Include conf.d/*.conf', 'Could not open directory /srv/conf.d: Permission denied'],
    ['IncludeOptional conf.d/*.conf', 'Could not open directory /srv/conf.d: Permission denied'],
  ])('%s: "not visible to this user", a warning, not include-not-found', (line, msg) => {
    const r = analyze({ '/srv/httpd.conf': `ServerName a\n${line}\n`, '/srv/conf.d': { dir: true, unreadable: true } });
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([['config-file-unreadable', 'warning']]);
    const [f] = r.findings;
    expect(f?.title).toBe('Part of the configuration is not visible to this user');
    expect(f?.message).toContain(msg);
    expect(f?.fix).toContain('sudo');
    expect(f?.location).toMatchObject({ file: '/srv/httpd.conf', line: 2 });
  });
});

describe('designed limits are config-analysis-limit, not errors', () => {
  it('an included file larger than we read (64 MiB) is a limit of ours, not "could not be read"', () => {
    const src = new MemoryFileSource({ '/srv/httpd.conf': 'ServerName a\nInclude big.conf\n', '/srv/big.conf': '' });
    const realReadText = src.readText.bind(src);
    src.readText = (file: string) =>
      file === '/srv/big.conf'
        ? { ok: false, code: 'EFBIG', message: `${file} is larger than 67108864 bytes` }
        : realReadText(file);
    const r = analyzeStrict(
      { root: '/srv/httpd.conf', serverRoot: '/srv', source: src, env: {} },
      { limitsExpected: true },
    );
    expect(r.findings.map((f) => [f.id, f.severity, f.location?.line])).toEqual([
      ['config-analysis-limit', 'warning', 2],
    ]);
    expect(r.findings[0]?.message).toContain('larger than fcgi-doctor reads');
  });
});

describe('the file to check is itself a device or a FIFO', () => {
  it('is "could not be read" (the CLI exits 2), not an Include finding, and is never opened', () => {
    const r = analyzeStrict({
      root: '/dev/zero',
      serverRoot: '/',
      source: new MemoryFileSource({ '/dev/zero': { special: 'device' } }),
      env: {},
    });
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([['config-file-unreadable', 'error']]);
    expect(r.findings[0]?.message).toBe(
      '/dev/zero is not a regular file (a device, a FIFO or a socket), so it cannot be a configuration file; it was not opened. Nothing was analysed.',
    );
    expect(r.model.filesRead).toEqual([]);
  });
});

describe('the live file source never opens what is not a regular file', () => {
  it('/dev/zero and a FIFO with no writer: refused at once (stat first), for readFile and readText', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fcgi-doctor-fifo-'));
    try {
      const fifo = join(dir, 'site.conf');
      execFileSync('mkfifo', [fifo]);
      const src = new LiveFileSource();
      const t0 = performance.now();
      for (const file of ['/dev/zero', '/dev/urandom', fifo]) {
        expect(src.readFile(file)).toMatchObject({ ok: false, code: 'ENOTREG' });
        expect(src.readText(file)).toMatchObject({ ok: false, code: 'ENOTREG' });
        expect(src.stat(file)).toEqual({ kind: 'other' });
      }
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
