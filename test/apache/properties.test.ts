/**
 * Whatever bytes a configuration holds, the analysis ends, in bounded time,
 * with a model and findings that point at a file (and a line when there is one).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../src/apache/source.js';
import type { AnalyzeResult } from '../../src/checks/config/index.js';
import { analyzeStrict } from '../checks/strict.js';
import { splitWords } from '../../src/apache/words.js';

const FIX = path.resolve(__dirname, '../../fixtures');
const REAL = [
  'debian-tree/apache2.conf',
  'debian-tree/conf-available/php8.2-fpm.conf',
  'debian-tree/sites-available/app.conf',
  'seed/lazy-vhost',
  'rhel-tree/conf/httpd.conf',
  'apache/macro-vhost/httpd.conf',
  'apache/vhost-continued-opener/httpd.conf',
  'apache/fcgid-execcgi-off/httpd.conf',
].map((f) => readFileSync(path.join(FIX, f), 'utf8'));

function run(files: Record<string, string | Buffer>): AnalyzeResult {
  return analyzeStrict(
    { root: '/srv/httpd.conf', serverRoot: '/srv', source: new MemoryFileSource(files), env: {} },
    { limitsExpected: true },
  );
}

function wellFormed(r: AnalyzeResult, root = '/srv/httpd.conf', rootExists = true): void {
  // The model is of the configuration asked for, whatever its bytes (an internal error reads no file).
  expect(r.model.rootFile).toBe(root);
  if (rootExists) expect(r.model.filesRead.map((f) => f.file)).toContain(root);
  expect(Array.isArray(r.model.setups)).toBe(true);
  for (const f of r.findings) {
    expect(f.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    expect(['error', 'warning', 'info']).toContain(f.severity);
    if (f.location) {
      expect(f.location.file.length).toBeGreaterThan(0);
      if (f.location.line !== undefined) expect(Number.isInteger(f.location.line) && f.location.line > 0).toBe(true);
    }
    if (f.severity === 'error') expect(f.location?.file).toBeTruthy();
  }
}

const TRICKY = [
  '<',
  '>',
  '</',
  '"',
  "'",
  '\\',
  '\n',
  '\r\n',
  '#',
  '${',
  '}',
  ' ',
  '\t',
  '\\\n',
  '<IfModule ',
  '</IfModule>',
  '<VirtualHost *:80>',
  'Include ',
  '*',
  'Use ',
  '<Macro M $a>',
  '</Macro>',
  '\uFEFF',
  '\0',
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TRICKY) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('dupline' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(text: string, ms: { kind: string; at: number; text?: string; len?: number }[]): string {
  let t = text;
  for (const m of ms) {
    const at = t.length === 0 ? 0 : m.at % t.length;
    if (m.kind === 'insert') t = t.slice(0, at) + (m.text ?? '') + t.slice(at);
    else if (m.kind === 'delete') t = t.slice(0, at) + t.slice(at + (m.len ?? 1));
    else if (m.kind === 'truncate') t = t.slice(0, at);
    else {
      const lines = t.split('\n');
      const i = at % Math.max(lines.length, 1);
      lines.splice(i, 0, lines[i] ?? '');
      t = lines.join('\n');
    }
  }
  return t;
}

describe('property: random input never throws, never hangs', () => {
  it('random bytes as the root configuration', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        wellFormed(run({ '/srv/httpd.conf': Buffer.from(bytes) }));
      }),
      { numRuns: 200 },
    );
  });
  it('random text made of configuration-ish tokens', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            ...TRICKY,
            'Define X',
            'Options',
            '+ExecCGI',
            'SetHandler',
            'proxy:unix:/x|fcgi://y',
            'FastCgiServer',
            '/x',
            'ProxyPass',
          ),
          { maxLength: 200 },
        ),
        (parts) => {
          wellFormed(run({ '/srv/httpd.conf': parts.join('') }));
        },
      ),
      { numRuns: 300 },
    );
  });
  it('random mutations of real configurations', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REAL), fc.array(mutation, { minLength: 1, maxLength: 8 }), (text, ms) => {
        const started = Date.now();
        wellFormed(run({ '/srv/httpd.conf': mutate(text, ms) }));
        expect(Date.now() - started).toBeLessThan(2000);
      }),
      { numRuns: 300 },
    );
  });
  it('random include graphs (cycles, globs, self-includes) end', () => {
    const name = fc.constantFrom('a.conf', 'b.conf', 'c.conf', 'd/*.conf', 'd', '*.conf', 'missing.conf');
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.boolean(), name), { maxLength: 4 }), { minLength: 4, maxLength: 4 }),
        (graph) => {
          const body = (edges: [boolean, string][]) =>
            edges.map(([opt, n]) => `${opt ? 'IncludeOptional' : 'Include'} ${n}\nDefine X\n`).join('');
          const files = {
            '/srv/httpd.conf': body(graph[0] ?? []),
            '/srv/a.conf': body(graph[1] ?? []),
            '/srv/b.conf': body(graph[2] ?? []),
            '/srv/d/c.conf': body(graph[3] ?? []),
          };
          const r = run(files);
          wellFormed(r);
          expect(r.model.filesRead.length).toBeLessThan(50_001);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('quoting a word and splitting gives it back', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\0]/.test(s)),
          { maxLength: 6 },
        ),
        (words) => {
          const line = words.map((w) => `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' ');
          expect(splitWords(line)).toEqual(words);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('hostile inputs', () => {
  it('a 10 MB line', () => {
    const started = Date.now();
    const r = run({ '/srv/httpd.conf': `Define A ${'x'.repeat(10 * 1024 * 1024)}\nDefine B\n` });
    wellFormed(r);
    expect(r.model.defines['B']).toBe('');
    expect(Date.now() - started).toBeLessThan(5000);
  });
  it('a line longer than httpd accepts (16 MiB) is reported', () => {
    const r = run({ '/srv/httpd.conf': `Define A ${'x'.repeat(17 * 1024 * 1024)}\n` });
    expect(r.findings.some((f) => f.id === 'config-syntax-error' && /longer than/.test(f.message))).toBe(true);
  });
  it('a missing ServerRoot and a missing root file', () => {
    wellFormed(
      analyzeStrict({ root: '/nope/httpd.conf', serverRoot: '/nope', source: new MemoryFileSource({}), env: {} }),
      '/nope/httpd.conf',
      false,
    );
    const r = run({ '/srv/httpd.conf': 'ServerRoot /does/not/exist\nInclude x.conf\n' });
    expect(r.findings.filter((f) => f.severity === 'error').length).toBeGreaterThan(0);
  });
  it('a glob matching thousands of files', () => {
    const files: Record<string, string> = { '/srv/httpd.conf': 'Include many/*.conf\n' };
    for (let i = 0; i < 3000; i++)
      files[`/srv/many/${String(i).padStart(5, '0')}.conf`] = `<VirtualHost *:80>\nServerName s${i}\n</VirtualHost>\n`;
    const r = run(files);
    expect(r.model.vhosts).toHaveLength(3000);
  });
  it('a macro that uses itself, and a macro bomb', () => {
    const bomb = ['<Macro L0 $x>', 'Define $x', '</Macro>'];
    for (let i = 1; i < 12; i++) bomb.push(`<Macro L${i} $x>`, `Use L${i - 1} $x`, `Use L${i - 1} $x`, '</Macro>');
    bomb.push('Use L11 y');
    const r = run({ '/srv/httpd.conf': `${bomb.join('\n')}\n<Macro R $a>\nUse R $a\n</Macro>\nUse R 1\n` });
    wellFormed(r);
    expect(r.findings.some((f) => /recursively/.test(f.message))).toBe(true);
  });
});
