/**
 * `status --all` on the machine as it runs (issue 16 item 3), the built bin
 * against two real PHP-FPM masters with private configurations, each with a
 * pool named www (Unix socket) and one named api (TCP): with no --fpm-config,
 * both masters' pools are found from the running processes, told apart, and
 * carry the installed PHP version and their master's pid; a stuck pool (a
 * server that accepts and never answers) costs one --timeout however many
 * there are; `--format jsonl` holds to its schema. Only one PHP version is
 * installable here, so two masters stand for two versions.
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phpVersionOf } from '../../src/fpm/index.js';
import { hostileServer, makeTempDir, type Hostile, type TempDir } from '../client/support.js';
import { jsonlValidator, readJsonl } from '../report/jsonlSupport.js';
import { errorsText, outputValidator } from '../report/support.js';
import { PHP_FPM_BINARY, startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';

const built = requireBuiltCli();
const hasFpm = hasBinary(BINARIES.phpFpm);

async function status(args: string[]) {
  const r = await execa(process.execPath, [BIN, 'status', ...args], {
    reject: false,
    timeout: 30_000,
    env: { NO_COLOR: '1' },
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

type Pool = Record<string, unknown> & { id: string; name: string; file: string; masterPid: number | null };

describe.skipIf(!built || !hasFpm)('status --all of the running PHP-FPM masters', () => {
  const masters: PhpFpmServer[] = [];
  const version = phpVersionOf(realpathSync(PHP_FPM_BINARY));
  const validateJson = outputValidator();
  const validateJsonl = jsonlValidator();
  let stuck: Hostile[] = [];
  let dir: TempDir;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++)
      masters.push(
        await startPhpFpm({
          pm: 'static',
          maxChildren: 2,
          statusPath: '/status',
          pools: [
            { name: 'www', listen: { kind: 'unix' } },
            { name: 'api', listen: { kind: 'tcp' } },
          ],
        }),
      );
    dir = makeTempDir('stuck-pools');
    stuck = await Promise.all([1, 2, 3].map(() => hostileServer({ tcp: true }, () => undefined)));
  }, 60_000);
  afterAll(async () => {
    for (const m of masters) await m.stop();
    for (const s of stuck) await s.close();
    dir?.remove();
  });

  it('finds every pool of both masters from the running processes, each told apart, with its version and master', async () => {
    const r = await status(['--all', '--format', 'json']);
    const json = JSON.parse(r.stdout);
    expect(validateJson(json), errorsText(validateJson.errors)).toBe(true);
    const pools = json.pools as Pool[];
    for (const m of masters) {
      const mine = pools.filter((p) => p.masterPid === m.pid);
      expect(mine.map((p) => [p.name, p.phpVersion, p.state]).sort(), r.stdout).toEqual([
        ['api', version ?? null, 'ok'],
        ['www', version ?? null, 'ok'],
      ]);
      expect(mine.every((p) => p.config === m.confPath && p.file.startsWith(m.dir))).toBe(true);
    }
    // Pools of one name on two masters (and maybe the packaged www): every id is different.
    const ids = pools.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(masters.map((m) => `www@${m.poolConfPath}`)));
  });

  it('--format jsonl: a line per pool that holds to the schema, then the summary', async () => {
    const configs = masters.flatMap((m) => ['--fpm-config', m.confPath]);
    const r = await status(['--all', ...configs, '--format', 'jsonl']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = readJsonl(`${r.stdout}\n`, validateJsonl);
    const pools = lines.filter((l) => l.kind === 'pool');
    expect(pools.map((p) => [p.name, p.state, p.masterPid])).toEqual(
      masters.flatMap((m) => [
        ['api', 'ok', m.pid],
        ['www', 'ok', m.pid],
      ]),
    );
    expect(pools.every((p) => p.phpVersion === (version ?? null) && p.host && p.target === '--all')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ kind: 'summary', exitStatus: 0, pools: 4, healthy: true });
  });

  it('three stuck pools beside the live ones cost one --timeout, not three, and fail alone', async () => {
    const poolDir = dir.join('pool.d');
    mkdirSync(poolDir, { recursive: true });
    const conf = dir.join('php-fpm.conf');
    writeFileSync(conf, `[global]\npid = ${dir.join('fpm.pid')}\ninclude = ${poolDir}/*.conf\n`);
    for (const [i, s] of stuck.entries())
      writeFileSync(
        `${poolDir}/stuck${i}.conf`,
        `[stuck${i}]\nuser = www-data\nlisten = ${s.address}\npm = static\npm.max_children = 2\npm.status_path = /status\n`,
      );
    const configs = [...masters.flatMap((m) => ['--fpm-config', m.confPath]), '--fpm-config', conf];
    const started = Date.now();
    const r = await status(['--all', ...configs, '--timeout', '1500ms', '--format', 'json']);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(1);
    const states = (JSON.parse(r.stdout).pools as Pool[]).map((p) => [p.name, p.state]);
    expect(states).toEqual([
      ['api', 'ok'],
      ['www', 'ok'],
      ['api', 'ok'],
      ['www', 'ok'],
      ['stuck0', 'failing'],
      ['stuck1', 'failing'],
      ['stuck2', 'failing'],
    ]);
    // Read one after another, three stuck pools would take 4.5 s; at once, one --timeout and the start-up.
    expect(elapsed).toBeLessThan(3000);
  }, 30_000);
});
