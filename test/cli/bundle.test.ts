/**
 * The esbuild bundle the bin runs (scripts/bundle.mjs): built without a
 * warning (a warning on every build reads as a broken build), main.cjs and the
 * chunks it requires on first use (chunks.cjs, large ones on their own), holding the catalog the build compiled — and
 * nothing a command does not need: no YAML library, no ajv, no test code, no
 * second copy of a class.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO, ROOT } from '../client/support.js';

// Two levels below the package root, like dist/bundle: the relative paths to rules/ and docs/ hold.
const out = join(ROOT, 'dist', `bundle-test-${process.pid}`);
const run = promisify(execFile);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('scripts/bundle.mjs', () => {
  let built: { stdout: string; stderr: string };
  let files: Map<string, string>;
  beforeAll(async () => {
    built = await run(process.execPath, ['scripts/bundle.mjs'], {
      cwd: ROOT,
      env: { ...process.env, FCGI_DOCTOR_BUNDLE_DIR: out },
    });
    files = new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
  }, 60_000);
  const holding = (text: string) => [...files].filter(([, code]) => code.includes(text)).map(([f]) => f);

  it('bundles without a warning into main.cjs, chunks.cjs and large chunks (CommonJS), and the bundle finds the package files', async () => {
    expect(built.stderr).toBe('');
    expect(built.stdout).toBe('');
    expect([...files.keys()].filter((f) => !f.startsWith('chunk-')).sort()).toEqual(['chunks.cjs', 'main.cjs']);
    // CommonJS throughout: required, no ES module loader (its start-up cost is what the bundle avoids).
    expect(holding('import(')).toEqual([]);
    expect([...files.values()].filter((code) => /^\s*(import|export)\b/m.test(code))).toEqual([]);
    const { main } = createRequire(join(out, 'x.cjs'))('./main.cjs') as typeof import('../../src/cli/main.js');
    const io = captureIO();
    expect(await main(['explain', 'socket-missing'], io)).toBe(0);
    expect(io.stdoutText).toMatch(/^socket-missing error — /);
    const json = captureIO();
    expect(await main(['explain', 'socket-missing', '--format', 'json'], json)).toBe(0);
    expect(JSON.parse(json.stdoutText).explanation.doc.file).toBe(join(ROOT, 'docs', 'findings', 'socket-missing.md'));
    const rules = captureIO();
    expect(await main(['rules', '--format', 'json'], rules)).toBe(0);
    expect(JSON.parse(rules.stdoutText).rules.length).toBeGreaterThan(100);
    // A usage error thrown in a command's chunk is main's UsageError: a usage message, not an internal error.
    const usage = captureIO();
    expect(await main(['explain', 'no-such-id'], usage)).toBe(2);
    expect(usage.stderrText).toMatch(/no finding id or log rule "no-such-id"/);
    expect(usage.stderrText).not.toMatch(/internal error/);
  }, 30_000);

  it('holds no ajv, and at most one copy of the YAML library, which rules, explain and logs never load', async () => {
    expect(holding('strictSchema')).toEqual([]);
    expect(holding('YAMLParseError').length).toBeLessThanOrEqual(1);
    // The rules and pages are compiled data, in one chunk (a rule's explanation text: code may name a rule's id).
    expect(holding('Every worker of the pool is busy; new requests wait')).toHaveLength(1);
    const load = createRequire(join(out, 'x.cjs'));
    const { main } = load('./main.cjs') as typeof import('../../src/cli/main.js');
    const log = join(ROOT, 'fixtures', 'logs', 'mixed-noise.log');
    for (const args of [['rules'], ['explain', 'socket-missing'], ['logs', log]])
      expect(await main(args, captureIO())).toBeLessThan(2);
    const loaded = Object.keys(load.cache).filter((f) => f.startsWith(out));
    expect(loaded.length).toBeGreaterThan(1);
    expect(loaded.filter((f) => files.get(basename(f))?.includes('YAMLParseError'))).toEqual([]);
  });

  it('holds one copy of UsageError, so that instanceof holds in every command', () => {
    expect(holding('"UsageError"')).toHaveLength(1);
  });

  it('holds no test stand-ins (src/system/fixture.ts)', () => {
    expect(holding('fixture-host')).toEqual([]);
    expect(holding('root:x:0:0:root')).toEqual([]);
  });

  it('fails the build on a rule that does not validate, naming the file and the field', async () => {
    const root = join(out, 'bad-root');
    mkdirSync(join(root, 'rules'), { recursive: true });
    for (const f of readdirSync(join(ROOT, 'rules')))
      writeFileSync(join(root, 'rules', f), readFileSync(join(ROOT, 'rules', f)));
    writeFileSync(
      join(root, 'rules', 'fpm-max-children.yaml'),
      readFileSync(join(ROOT, 'rules', 'fpm-max-children.yaml'), 'utf8').replace(/^severity: .*$/m, 'severity: fatal'),
    );
    const env = { ...process.env, FCGI_DOCTOR_BUNDLE_DIR: join(out, 'bad-bundle'), FCGI_DOCTOR_CATALOG_ROOT: root };
    const failed = await run(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT, env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/fpm-max-children\.yaml: severity/);
  }, 30_000);
});
