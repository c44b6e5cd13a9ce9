import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, makeTempDir, ROOT } from '../client/support.js';

const BUNDLE = join(ROOT, 'dist', 'bundle');
const LOADER = join(ROOT, 'bin', 'load-bundle.cjs');

/** Loads main.cjs (and runs it) from `dir` through the loader in a fresh node; returns what the loader saw and what main printed. */
function loadIn(dir: string, args: string[]): { loaded: Array<{ name: string; offered: boolean; rejected: boolean }>; out: string } {
  const script = `
    const { installBundleLoader } = require(${JSON.stringify(LOADER)});
    const loader = installBundleLoader(${JSON.stringify(dir)});
    let out = '';
    const io = { stdout: (t) => (out += t), stderr: (t) => (out += t), stdoutIsTTY: false, stderrIsTTY: false, env: { NO_COLOR: '1' }, stdin: process.stdin };
    require(${JSON.stringify(join(dir, 'main.cjs'))}).main(${JSON.stringify(args)}, io).then(() => process.stdout.write(JSON.stringify({ loaded: loader.loaded(), out })));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { loaded: Array<{ name: string; offered: boolean; rejected: boolean }>; out: string };
}

beforeAll(ensureBuilt, 180_000);

describe('the code cache the build records for the bundles', () => {
  it('is there for the commands whose start-up counts, and this node accepts it', () => {
    const caches = readdirSync(BUNDLE).filter((f) => f.endsWith('.v8cache'));
    for (const name of ['main', 'ping', 'status', 'check', 'lib-system']) expect(caches).toContain(`${name}.cjs.v8cache`);
    const { loaded, out } = loadIn(BUNDLE, ['explain', 'socket-missing']);
    expect(out).toContain('socket-missing');
    expect(loaded.map((l) => l.name).sort()).toEqual(['explain.cjs', 'main.cjs']);
    for (const l of loaded) expect(l, l.name).toMatchObject({ offered: true, rejected: false });
  });

  it('ping loads only its own bundle; the machine probes load only for a failure that needs them (issue 12 items 1, 2)', () => {
    const plain = loadIn(BUNDLE, ['ping', '/nonexistent-dir/x.sock', '--timeout', '1s']);
    expect(plain.out).toContain('no such socket');
    expect(plain.loaded.map((l) => l.name).sort()).toEqual(['main.cjs', 'ping.cjs']);
    const dir = loadIn(BUNDLE, ['ping', ROOT, '--timeout', '1s']);
    expect(dir.out).toContain('is a directory, not a socket');
    expect(dir.loaded.map((l) => l.name)).toContain('lib-system.cjs');
  });

  it('a cache that does not fit (corrupt, another V8) is refused by V8 and the command still runs', () => {
    const dir = makeTempDir('code-cache');
    try {
      copyFileSync(join(BUNDLE, 'main.cjs'), dir.join('main.cjs'));
      writeFileSync(dir.join('main.cjs.v8cache'), Buffer.alloc(4096, 0x5a));
      const { loaded, out } = loadIn(dir.path, ['--version']);
      expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
      expect(loaded).toEqual([{ name: 'main.cjs', offered: true, rejected: true }]);
    } finally {
      dir.remove();
    }
  });

  it('a cache older than its bundle (dist/ edited by hand) is not offered: V8 would check only the length', () => {
    const dir = makeTempDir('code-cache');
    try {
      copyFileSync(join(BUNDLE, 'main.cjs'), dir.join('main.cjs'));
      copyFileSync(join(BUNDLE, 'main.cjs.v8cache'), dir.join('main.cjs.v8cache'));
      const past = new Date(Date.now() - 60_000);
      utimesSync(dir.join('main.cjs.v8cache'), past, past);
      const { loaded, out } = loadIn(dir.path, ['--version']);
      expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
      expect(loaded).toEqual([{ name: 'main.cjs', offered: false, rejected: false }]);
    } finally {
      dir.remove();
    }
  });
});
