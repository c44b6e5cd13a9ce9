/**
 * The esbuild bundle the bin runs: built without a warning (a warning on
 * every build reads as a broken build), and reading the package's own files
 * (rules/, docs/, package.json) from where the bundle lives.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../client/support.js';

// Two levels below the package root, like dist/bundle: the relative paths to rules/ and docs/ hold.
const out = join(ROOT, 'dist', `bundle-test-${process.pid}`);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('scripts/bundle.mjs', () => {
  it('bundles without a warning, and the bundle finds rules/ and the finding pages', async () => {
    const r = await promisify(execFile)(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT, env: { ...process.env, FCGI_DOCTOR_BUNDLE_DIR: out } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    const load = createRequire(join(out, 'x.cjs'));
    const logs = load('./lib-logs.cjs') as typeof import('../../src/logs/index.js');
    expect(logs.defaultRulesDir()).toBe(join(ROOT, 'rules'));
    expect(logs.loadCatalog().rules.length).toBeGreaterThan(100);
    const explain = load('./explain.cjs') as typeof import('../../src/cli/explain.js');
    const { captureIO } = await import('../client/support.js');
    const io = captureIO();
    expect(await explain.runExplain('socket-missing', {}, io)).toBe(0);
    expect(io.stdoutText).toMatch(/^socket-missing error — /);
  }, 60_000);
});
