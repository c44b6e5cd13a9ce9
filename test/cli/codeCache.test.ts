/**
 * The V8 code cache the build records (scripts/code-cache.mjs) and the loader
 * that reads it (bin/load-bundle.cjs, public APIs only: vm.Script, createRequire).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, makeTempDir, ROOT } from '../client/support.js';

const BUNDLE = join(ROOT, 'dist', 'bundle');
const LOADER = join(ROOT, 'bin', 'load-bundle.cjs');
type Loaded = Array<{ name: string; offered: boolean; rejected: boolean }>;

/** Runs main from `dir` through the loader in a fresh node; returns what the loader saw and what main printed. */
function loadIn(dir: string, args: string[]): { loaded: Loaded; out: string } {
  const script = `
    const loader = require(${JSON.stringify(LOADER)}).bundleLoader(${JSON.stringify(dir)});
    let out = '';
    const io = { stdout: (t) => (out += t), stderr: (t) => (out += t), stdoutIsTTY: false, stderrIsTTY: false, env: { NO_COLOR: '1' }, stdin: process.stdin };
    loader.main()(${JSON.stringify(args)}, io).then(() => process.stdout.write(JSON.stringify({ loaded: loader.loaded(), out })));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
    loaded: Loaded;
    out: string;
  };
}

beforeAll(ensureBuilt, 180_000);

describe('the code cache the build records for the bundle', () => {
  it('is there for the files ping reads, and this node accepts it', () => {
    const caches = readdirSync(BUNDLE).filter((f) => f.endsWith('.v8cache'));
    for (const name of ['main.cjs', 'chunks.cjs']) expect(caches).toContain(`${name}.v8cache`);
    const { loaded, out } = loadIn(BUNDLE, ['ping', '/nonexistent-dir/x.sock', '--timeout', '1s']);
    expect(out).toContain('no such socket');
    expect(loaded.map((l) => l.name).sort()).toEqual(['chunks.cjs', 'main.cjs']);
    for (const l of loaded) expect(l, l.name).toMatchObject({ offered: true, rejected: false });
  });

  it('uses no Node internals', () => {
    expect(readFileSync(LOADER, 'utf8')).not.toMatch(/Module\._|Module\.wrap|_extensions/);
  });

  it('a cache that does not fit (corrupt, another V8) is refused by V8 and the command still runs', () => {
    const dir = makeTempDir('code-cache');
    try {
      for (const f of readdirSync(BUNDLE).filter((f) => f.endsWith('.cjs'))) copyFileSync(join(BUNDLE, f), dir.join(f));
      writeFileSync(dir.join('main.cjs.v8cache'), Buffer.alloc(4096, 0x5a));
      const { loaded, out } = loadIn(dir.path, ['--version']);
      expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
      expect(loaded.find((l) => l.name === 'main.cjs')).toEqual({ name: 'main.cjs', offered: true, rejected: true });
    } finally {
      dir.remove();
    }
  });

  it('a cache older than its file (dist/ edited by hand) is not offered: V8 would check only the length', () => {
    const dir = makeTempDir('code-cache');
    try {
      for (const f of readdirSync(BUNDLE).filter((f) => f.endsWith('.cjs'))) copyFileSync(join(BUNDLE, f), dir.join(f));
      copyFileSync(join(BUNDLE, 'main.cjs.v8cache'), dir.join('main.cjs.v8cache'));
      const past = new Date(Date.now() - 60_000);
      utimesSync(dir.join('main.cjs.v8cache'), past, past);
      const { loaded, out } = loadIn(dir.path, ['--version']);
      expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
      expect(loaded.find((l) => l.name === 'main.cjs')).toEqual({ name: 'main.cjs', offered: false, rejected: false });
    } finally {
      dir.remove();
    }
  });
});
