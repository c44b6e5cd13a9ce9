/**
 * The package as users get it until it is published: `npm pack`, installed
 * globally from the tarball into a fresh prefix, offline (no registry: the
 * package has no runtime dependencies, everything is in the bundle), and every
 * command run from there, outside the source tree.
 */
import { execa, type ResultPromise } from 'execa';
import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delay, ensureBuilt, makeTempDir, ROOT, type TempDir } from '../client/support.js';

describe('npm pack, installed with npm install -g from the tarball, offline', () => {
  let dir: TempDir;
  let bin: string;
  let installed: string;
  let version: string;
  let files: string[];
  let serve: ResultPromise;
  let sock: string;
  const run = (args: string[], env: Record<string, string> = {}) =>
    execa(bin, args, { cwd: dir.path, reject: false, timeout: 30_000, env: { NO_COLOR: '1', ...env } });

  beforeAll(async () => {
    await ensureBuilt();
    dir = makeTempDir('pack');
    // The build is already there (npm test builds first): no prepare script while other tests read dist/.
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], {
      cwd: ROOT,
    });
    const info = JSON.parse(packed.stdout) as Array<{
      filename: string;
      version: string;
      files: Array<{ path: string }>;
    }>;
    const tarball = join(dir.path, info[0]!.filename);
    version = info[0]!.version;
    files = info[0]!.files.map((f) => f.path);
    const prefix = dir.join('prefix');
    // A cache of its own, empty, and --offline: an install that needed the registry fails here.
    await execa(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--cache',
        dir.join('npm-cache'),
        '--no-audit',
        '--no-fund',
        tarball,
      ],
      {
        cwd: dir.path,
        timeout: 110_000,
      },
    );
    installed = realpathSync(join(prefix, 'lib', 'node_modules', 'fcgi-doctor'));
    bin = join(prefix, 'bin', 'fcgi-doctor');
    sock = dir.join('serve.sock');
    // Mode 0666: the web server's user must be able to connect, as check verifies (scripts/demo.js does the same).
    serve = execa(bin, ['serve', sock, '--quiet', '--mode', '0666'], { cwd: dir.path, reject: false });
    for (let i = 0; i < 200 && !existsSync(sock); i++) await delay(50);
    chmodSync(dir.path, 0o755);
  }, 120_000);

  afterAll(async () => {
    if (serve) {
      serve.kill('SIGTERM');
      await serve;
    }
    dir?.remove();
  });

  it('ships only what runs: the bin, the bundle (and its code cache), the pages and the schema; no dependencies', () => {
    for (const needed of [
      'bin/fcgi-doctor.cjs',
      'bin/load-bundle.cjs',
      'dist/bundle/main.cjs',
      'dist/bundle/main.cjs.v8cache',
      'schema/fcgi-doctor.schema.json',
      'docs/findings/socket-missing.md',
      'README.md',
      'package.json',
    ]) {
      expect(files, needed).toContain(needed);
    }
    // Not tsc's output, not the sources, tests, rules (compiled into the bundle) or build scripts.
    const extra = files.filter(
      (f) =>
        !/^(bin\/(fcgi-doctor|load-bundle)\.cjs|dist\/bundle\/[^/]+\.cjs(\.v8cache)?|docs\/findings\/[^/]+\.md|schema\/[^/]+\.json|README\.md|package\.json|LICENSE)$/.test(
          f,
        ),
    );
    expect(extra).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
  });

  it('runs --version from the installed copy', async () => {
    const r = await run(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('lists the catalog (compiled into the bundle)', async () => {
    const r = await run(['rules', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.rules.length).toBeGreaterThan(100);
    expect(json.findingIds.length).toBeGreaterThan(50);
  });

  it('explains socket-missing, pointing at its page in the installed package', async () => {
    const text = await run(['explain', 'socket-missing']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^socket-missing /);
    const json = JSON.parse((await run(['explain', 'socket-missing', '--format', 'json'])).stdout);
    expect(realpathSync(json.explanation.doc.file)).toBe(join(installed, 'docs', 'findings', 'socket-missing.md'));
    const unknown = await run(['explain', 'no-such-id']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/no finding id or log rule "no-such-id"/);
    expect(unknown.stderr).not.toMatch(/internal error/);
  });

  it('pings the serve started from it', async () => {
    const r = await run(['ping', sock, '--expect-body', 'FastCGI works']);
    expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(0);
    const nagios = await run(['ping', sock, '--format', 'nagios']);
    expect(nagios.stdout).toMatch(/^FCGI-DOCTOR OK - /);
  });

  it('checks the demo vhost live against that serve', async () => {
    const r = await run(
      ['check', join(ROOT, 'fixtures', 'demo', 'external-app-vhost.conf'), '--format', 'json', '--timeout', '5s'],
      { FCGI_DEMO_SOCKET: sock },
    );
    expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout).command).toBe('check');
  });

  it('reads a log', async () => {
    const log = dir.join('error.log');
    writeFileSync(
      log,
      '[Tue Mar 05 10:00:20.258380 2024] [proxy:error] [pid 2235:tid 140523001] (2)No such file or directory: AH02454: FCGI: attempt to connect to Unix domain socket /run/php/php8.2-fpm.sock (localhost:80) failed\n',
    );
    const r = await run(['logs', log, '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { id: string }) => f.id)).toContain('socket-missing');
  });

  it('asks a backend that is not PHP-FPM for its status page and says so, cleanly', async () => {
    const r = await run(['status', sock, '--format', 'json', '--timeout', '2s']);
    expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(1);
    expect(r.stderr).not.toMatch(/internal error|\bat .*\.cjs:\d+/);
    expect(JSON.parse(r.stdout).command).toBe('status');
  });

  it('prints a shell completion script with the finding ids', async () => {
    const r = await run(['completion', 'bash']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('socket-missing');
    expect(r.stdout).toContain('fpm-max-children');
  });
});
