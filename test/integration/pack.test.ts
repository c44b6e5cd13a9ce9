/**
 * The package as users get it: `npm pack`, installed from the tarball into a
 * fresh prefix (dependencies from the npm registry), run from there, outside
 * the source tree. Proves the bin, the bundle, rules/, docs/ and schema/ ship.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delay, ensureBuilt, makeTempDir, ROOT, type TempDir } from '../client/support.js';

describe('npm pack, installed into a fresh prefix', () => {
  let dir: TempDir;
  let bin: string;
  let installed: string;
  let version: string;
  const run = (args: string[]) => execa(bin, args, { cwd: dir.path, reject: false, timeout: 30_000, env: { NO_COLOR: '1' } });

  beforeAll(async () => {
    await ensureBuilt();
    dir = makeTempDir('pack');
    // The build is already there (npm test builds first): no prepare script while other tests read dist/.
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], { cwd: ROOT });
    const info = JSON.parse(packed.stdout) as Array<{ filename: string; version: string; files: Array<{ path: string }> }>;
    const tarball = join(dir.path, info[0]!.filename);
    version = info[0]!.version;
    const files = info[0]!.files.map((f) => f.path);
    for (const needed of ['bin/fcgi-doctor.cjs', 'dist/bundle/main.mjs', 'schema/fcgi-doctor.schema.json', 'docs/findings/socket-missing.md', 'README.md', 'package.json']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
    const prefix = join(dir.path, 'prefix');
    await execa('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: dir.path, timeout: 110_000 });
    installed = realpathSync(join(prefix, 'node_modules', 'fcgi-doctor'));
    bin = join(prefix, 'node_modules', '.bin', 'fcgi-doctor');
  }, 120_000);

  afterAll(() => dir?.remove());

  it('runs --version from the installed copy', async () => {
    const r = await run(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('lists the catalog (rules/ and docs/ shipped)', async () => {
    const r = await run(['rules', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.rules.length).toBeGreaterThan(0);
    expect(json.findingIds.length).toBeGreaterThan(0);
    expect(readdirSync(join(installed, 'docs', 'findings'))).toContain('socket-missing.md');
    expect(existsSync(join(installed, 'schema', 'fcgi-doctor.schema.json'))).toBe(true);
  });

  it('explains socket-missing from its own docs/', async () => {
    const text = await run(['explain', 'socket-missing']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^socket-missing /);
    const json = JSON.parse((await run(['explain', 'socket-missing', '--format', 'json'])).stdout);
    expect(realpathSync(json.explanation.doc.file).startsWith(installed)).toBe(true);
  });

  it('pings a serve started from it', async () => {
    const sock = dir.join('serve.sock');
    const serve: ResultPromise = execa(bin, ['serve', sock, '--quiet'], { cwd: dir.path, reject: false });
    try {
      for (let i = 0; i < 200 && !existsSync(sock); i++) await delay(50);
      const r = await run(['ping', sock, '--expect-body', 'FastCGI works']);
      expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(0);
      const nagios = await run(['ping', sock, '--format', 'nagios']);
      expect(nagios.stdout).toMatch(/^FCGI-DOCTOR OK - /);
    } finally {
      serve.kill('SIGTERM');
      await serve;
    }
  });
});
