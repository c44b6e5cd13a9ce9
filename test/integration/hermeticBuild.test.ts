/**
 * `npm run build` (which `npm ci` runs as `prepare`) on a copy of the
 * checkout: it needs no server and no network (run without a network
 * namespace's interfaces where the machine allows it), no temporary directory
 * (TMPDIR points at nothing) and no home, and writes nothing but dist/.
 */
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, ROOT } from '../client/support.js';

/** Every file under `dir` but dist/ and node_modules/, with its modification time. */
function snapshot(dir: string, rel = ''): Map<string, number> {
  const files = new Map<string, number>();
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = join(rel, e.name);
    if (p === 'dist' || p === 'node_modules') continue;
    if (e.isDirectory()) for (const [f, t] of snapshot(dir, p)) files.set(f, t);
    else files.set(p, statSync(join(dir, p)).mtimeMs);
  }
  return files;
}

async function noNetwork(): Promise<string[]> {
  if (process.getuid?.() !== 0) return [];
  const probe = await execa('unshare', ['-n', 'true'], { reject: false });
  return probe.exitCode === 0 ? ['unshare', '-n'] : [];
}

describe('npm run build is hermetic', () => {
  const dir = makeTempDir('hermetic-build');
  afterAll(() => dir.remove());

  it('builds a copy of the checkout with no server, no network, no TMPDIR, no HOME, writing only dist/', async () => {
    const work = dir.join('checkout');
    const listed = await execa('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT });
    for (const f of listed.stdout.split('\n').filter((f) => f && existsSync(join(ROOT, f)))) {
      mkdirSync(dirname(join(work, f)), { recursive: true });
      cpSync(join(ROOT, f), join(work, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
    const home = dir.join('home');
    mkdirSync(home);
    const tmp = dir.join('no-such-tmp');
    const before = snapshot(work);
    const wrap = await noNetwork();
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      TMPDIR: tmp,
      npm_config_cache: join(home, '.npm'),
      npm_config_logs_max: '0',
      npm_config_update_notifier: 'false',
    };
    const cmd = [...wrap, 'npm', 'run', 'build', '--silent'];
    const r = await execa(cmd[0]!, cmd.slice(1), { cwd: work, env, extendEnv: false, reject: false, timeout: 170_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(existsSync(join(work, 'dist', 'bundle', 'main.cjs'))).toBe(true);
    expect(snapshot(work)).toEqual(before);
    expect(existsSync(tmp)).toBe(false);
    // npm itself may keep its cache folder under HOME (npm_config_cache): nothing else.
    expect(readdirSync(home).filter((f) => f !== '.npm')).toEqual([]);
    const built = await execa(process.execPath, [join(work, 'bin', 'fcgi-doctor.cjs'), 'explain', 'socket-missing'], {
      reject: false,
    });
    expect(built.exitCode, built.stderr).toBe(0);
  }, 180_000);
});
