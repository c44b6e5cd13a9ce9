/**
 * `fcgi-doctor status --all` and pm.status_listen (the built bin, as a child
 * process) against two real PHP-FPM masters of the installed version, each
 * with a pool named www: one with pm.status_path and pm.status_listen, one
 * without a status page. The pools come from a private set of configurations
 * (--fpm-config), never from /etc. The PHP version expected is the one the
 * installed binary says.
 */
import { realpathSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequestEnvironment } from '../../src/client/params.js';
import { sendRequest } from '../../src/client/request.js';
import { phpVersionOf } from '../../src/fpm/index.js';
import { endpointToString } from './harness/endpoint.js';
import { freePort } from './harness/freePort.js';
import { PHP_FPM_BINARY, startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { errorsText, outputValidator } from '../report/support.js';

const built = requireBuiltCli();
const hasFpm = hasBinary(BINARIES.phpFpm);

const SLOW = { 'slow.php': '<?php sleep((int)($_GET["s"] ?? 3)); echo "done";' };

async function status(args: string[]) {
  const r = await execa(process.execPath, [BIN, 'status', ...args], {
    reject: false,
    timeout: 30_000,
    env: { NO_COLOR: '1' },
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const validate = outputValidator();

describe.skipIf(!built || !hasFpm)('status --all and pm.status_listen against PHP-FPM', () => {
  let withStatus: PhpFpmServer;
  let without: PhpFpmServer;
  let statusPort: number;
  /** "8.2" from /usr/sbin/php-fpm8.2: what is installed, never assumed. */
  const version = phpVersionOf(realpathSync(PHP_FPM_BINARY));

  beforeAll(async () => {
    statusPort = await freePort();
    withStatus = await startPhpFpm({
      listen: { kind: 'unix' },
      pm: 'static',
      maxChildren: 2,
      statusPath: '/status',
      extra: `pm.status_listen = 127.0.0.1:${statusPort}`,
      scripts: SLOW,
    });
    without = await startPhpFpm({ listen: { kind: 'tcp' }, pm: 'static', maxChildren: 1, scripts: SLOW });
  }, 60_000);
  afterAll(async () => {
    await withStatus?.stop();
    await without?.stop();
  });

  const configs = () => ['--fpm-config', withStatus.confPath, '--fpm-config', without.confPath];

  it('lists both pools, one row each, told apart; the one without pm.status_path is not a failure', async () => {
    const r = await status(['--all', ...configs()]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^POOL\s+PHP\s+LISTEN\s+PM\s+ACTIVE\s+IDLE\s+MAX\s+QUEUE\s+STATE/);
    const rowOf = (file: string) => lines.find((l) => l.startsWith(`www@${file}`)) ?? '';
    const asked = rowOf(withStatus.poolConfPath);
    expect(asked).toMatch(/\sstatic\s+0\s+2\s+2\s+n\/a\s+ok \(via pm\.status_listen\)$/);
    expect(asked).toContain(` ${version ?? '?'} `);
    const quiet = rowOf(without.poolConfPath);
    expect(quiet).toContain(endpointToString(without.endpoint).replace(/^tcp:\/\//, ''));
    expect(quiet).toMatch(/no pm\.status_path \(not read\)$/);
  });

  it('--format json: an array of pools that holds to the schema', async () => {
    const r = await status(['--all', ...configs(), '--format', 'json']);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    expect(validate(json), errorsText(validate.errors)).toBe(true);
    expect(r.code).toBe(0);
    const pools = json.pools as Array<Record<string, unknown>>;
    expect(pools.map((p) => [p.name, p.phpVersion, p.state])).toEqual([
      ['www', version ?? null, 'ok'],
      ['www', version ?? null, 'no-status-path'],
    ]);
    expect(pools[0]?.statusListen).toBe(`127.0.0.1:${statusPort}`);
    expect((pools[0]?.pool as Record<string, unknown> | undefined)?.maxChildren).toBe(2);
  });

  it('exits 1 when a pool with a status path fails its threshold', async () => {
    const r = await status(['--all', ...configs(), '--min-idle', '3']);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/FAIL: /);
    expect(r.stdout).toMatch(/\[www@\S+\]/);
  });

  it('status TARGET of a saturated pool answers through pm.status_listen, and says so', async () => {
    const params = buildRequestEnvironment({ script: `${withStatus.docRoot}/slow.php`, uri: '/slow.php?s=4' });
    const target = { kind: 'unix' as const, path: (withStatus.endpoint as { path: string }).path };
    const busy = Promise.allSettled(
      Array.from({ length: 2 }, () => sendRequest(target, { params, timeoutMs: 30_000 })),
    );
    await new Promise((res) => setTimeout(res, 800));
    const r = await status([target.path, '--fpm-config', withStatus.confPath, '--timeout', '2s', '--format', 'json']);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    expect(validate(json), errorsText(validate.errors)).toBe(true);
    expect(json.statusListen).toEqual({ target: `127.0.0.1:${statusPort}`, at: expect.stringContaining('www.conf:') });
    // Both workers sleep; none of them answers the status page.
    expect(json.pool.activeProcesses).toBe(2);
    expect(json.pool.busy).toBe(2);
    expect(json.findings.map((f: { id: string }) => f.id)).toContain('max-children-reached');
    const text = await status([target.path, '--fpm-config', withStatus.confPath, '--timeout', '2s']);
    expect(text.stdout).toMatch(/read at\s+127\.0\.0\.1:\d+ \(pm\.status_listen, \S+www\.conf:\d+\)/);
    await busy;
  }, 30_000);

  it('status TARGET with no --fpm-config finds the pool file through the running master, and reads pm.status_listen', async () => {
    const params = buildRequestEnvironment({ script: `${withStatus.docRoot}/slow.php`, uri: '/slow.php?s=4' });
    const target = { kind: 'unix' as const, path: (withStatus.endpoint as { path: string }).path };
    const busy = Promise.allSettled(
      Array.from({ length: 2 }, () => sendRequest(target, { params, timeoutMs: 30_000 })),
    );
    await new Promise((res) => setTimeout(res, 800));
    // The pool's own socket does not answer within its head start; then the pool file says where.
    const r = await status([target.path, '--timeout', '1s', '--format', 'json']);
    await busy;
    const json = JSON.parse(r.stdout);
    expect(json.statusListen?.target).toBe(`127.0.0.1:${statusPort}`);
    expect(json.pool.busy).toBe(2);
  }, 30_000);

  it('a saturated pool (pm.max_children = 1, one long request in flight) with pm.status_listen: status answers well within --timeout', async () => {
    const port = await freePort();
    const one = await startPhpFpm({
      listen: { kind: 'unix' },
      pm: 'static',
      maxChildren: 1,
      statusPath: '/status',
      extra: `pm.status_listen = 127.0.0.1:${port}`,
      scripts: SLOW,
    });
    let busy: Promise<unknown> = Promise.resolve();
    try {
      const params = buildRequestEnvironment({ script: `${one.docRoot}/slow.php`, uri: '/slow.php?s=15' });
      const path = (one.endpoint as { path: string }).path;
      busy = sendRequest({ kind: 'unix', path }, { params, timeoutMs: 30_000 }).catch(() => undefined);
      await new Promise((res) => setTimeout(res, 800));
      const started = Date.now();
      // No --fpm-config: the pool file is found through the running master, as a user would run it.
      const r = await status([path, '--timeout', '10s', '--format', 'json']);
      const elapsed = Date.now() - started;
      const json = JSON.parse(r.stdout);
      expect(validate(json), errorsText(validate.errors)).toBe(true);
      expect(json.statusListen?.target).toBe(`127.0.0.1:${port}`);
      expect(json.pool.activeProcesses).toBe(1);
      expect(json.findings.map((f: { id: string }) => f.id)).toContain('max-children-reached');
      // Before, the read at the pool's socket waited out the whole --timeout behind the busy worker;
      // now well within it (half, to leave a loaded machine room; it takes under a second).
      expect(elapsed).toBeLessThan(5000);
    } finally {
      // The long request ends with the pool: no need to wait it out.
      await one.stop();
      await busy;
    }
  }, 40_000);

  it('without a status socket, a saturated pool times out and the advice names pm.status_listen', async () => {
    const params = buildRequestEnvironment({ script: `${without.docRoot}/slow.php`, uri: '/slow.php?s=3' });
    const e = without.endpoint as { host: string; port: number };
    const target = { kind: 'tcp' as const, host: e.host, port: e.port };
    const busy = sendRequest(target, { params, timeoutMs: 30_000 }).catch(() => undefined);
    await new Promise((res) => setTimeout(res, 800));
    // Asked at the pool's own socket, behind its one busy worker.
    const r = await status([
      `${e.host}:${e.port}`,
      '--fpm-config',
      without.confPath,
      '--timeout',
      '1s',
      '--probe',
      'readiness',
    ]);
    expect(r.code).toBe(1);
    await busy;
    expect(r.stdout).toMatch(/pm\.status_listen/);
  }, 30_000);
});
