/**
 * `fcgi-doctor status` (the built bin, as a child process) against real
 * PHP-FPM pools (the version installed): Unix socket and TCP, pm = static, dynamic and ondemand;
 * healthy, status path not enabled, saturated by sleeping scripts, a socket
 * the caller may not reach, a stopped pool, and a FastCGI server that is not
 * PHP-FPM. Each asserts the verdict, the exit status and the reason shown.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequestEnvironment } from '../../src/client/params.js';
import { sendRequest } from '../../src/client/request.js';
import type { Target } from '../../src/client/target.js';
import { startServer } from '../../src/server/listen.js';
import { endpointToString, type Endpoint } from './harness/endpoint.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { makeTempDir } from './harness/tempdir.js';
import { afterRequest, hostileServer } from '../client/support.js';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import { errorsText, outputValidator } from '../report/support.js';

const built = requireBuiltCli();
const hasFpm = hasBinary(BINARIES.phpFpm);

const SLOW = { 'slow.php': '<?php sleep((int)($_GET["s"] ?? 3)); echo "done";' };

async function status(args: string[], opts: { asNobody?: boolean } = {}) {
  const cmd = opts.asNobody ? 'setpriv' : process.execPath;
  const argv = opts.asNobody
    ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'status', ...args]
    : [BIN, 'status', ...args];
  const r = await execa(cmd, argv, { reject: false, timeout: 30_000, env: { NO_COLOR: '1' } });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const validate = outputValidator();

/** status --format json; every document must also hold to the shipped JSON Schema. */
async function statusJson(args: string[]) {
  const r = await status([...args, '--format', 'json']);
  expect(r.stderr).toBe('');
  const json = JSON.parse(r.stdout);
  expect(validate(json), errorsText(validate.errors)).toBe(true);
  return { code: r.code, json };
}

const target = (e: Endpoint): Target =>
  e.kind === 'unix' ? { kind: 'unix', path: e.path } : { kind: 'tcp', host: e.host, port: e.port };

/** Requests that keep workers busy: `sleep(seconds)` each, not awaited. */
function occupy(fpm: PhpFpmServer, count: number, seconds: number): Promise<unknown> {
  const params = buildRequestEnvironment({ script: `${fpm.docRoot}/slow.php`, uri: `/slow.php?s=${seconds}` });
  return Promise.allSettled(
    Array.from({ length: count }, () => sendRequest(target(fpm.endpoint), { params, timeoutMs: 30_000 })),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!built || !hasFpm)('status against PHP-FPM', () => {
  const pools: PhpFpmServer[] = [];
  let unixStatic: PhpFpmServer;
  let tcpDynamic: PhpFpmServer;
  let noStatus: PhpFpmServer;
  beforeAll(async () => {
    unixStatic = await startPhpFpm({
      listen: { kind: 'unix' },
      pm: 'static',
      maxChildren: 3,
      statusPath: '/status',
      scripts: SLOW,
    });
    tcpDynamic = await startPhpFpm({
      listen: { kind: 'tcp' },
      pm: 'dynamic',
      maxChildren: 4,
      statusPath: '/status',
      scripts: SLOW,
    });
    noStatus = await startPhpFpm({ listen: { kind: 'unix' }, scripts: SLOW });
    pools.push(unixStatic, tcpDynamic, noStatus);
  });
  afterAll(async () => {
    for (const p of pools) await p.stop();
  });

  it('a healthy static pool on a Unix socket: exit 0, pm.max_children from the pool file, the listen queue noted as not measured', async () => {
    const { code, json } = await statusJson([endpointToString(unixStatic.endpoint)]);
    expect(code).toBe(0);
    expect(json.command).toBe('status');
    expect(json.healthy).toBe(true);
    expect(json.pool).toMatchObject({
      processManager: 'static',
      maxChildren: 3,
      maxChildrenSource: 'pool-file',
      totalProcesses: 3,
      listenQueueMeasured: false,
      busy: 0,
    });
    expect(json.poolFile.file).toBe(unixStatic.poolConfPath);
    expect(json.statusPathSource).toBe('pool-file');
    expect(json.notes.join(' ')).toMatch(/measures it only on TCP listeners/);
    const text = await status([endpointToString(unixStatic.endpoint), '-v']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/✓ pool www \(static\) at .* is healthy/);
    expect(text.stdout).toContain('(this status request)');
  });

  it('a healthy dynamic pool on TCP: exit 0, the listen queue measured; nagios OK with performance data', async () => {
    const where = endpointToString(tcpDynamic.endpoint);
    const { code, json } = await statusJson([where, '--max-listen-queue', '5', '--min-idle', '0']);
    expect(code).toBe(0);
    expect(json.pool).toMatchObject({
      processManager: 'dynamic',
      maxChildren: 4,
      listenQueueMeasured: true,
      listenQueueLen: expect.any(Number),
    });
    expect(json.thresholds.every((t: { held: boolean }) => t.held)).toBe(true);
    const n = await status([where, '--format', 'nagios']);
    expect(n.code).toBe(0);
    expect(n.stdout).toMatch(/^FCGI-DOCTOR OK - pool www: .*\| .*listen_queue=0/);
  });

  it('status path not enabled: exit 1, says which pool file needs pm.status_path', async () => {
    const r = await status([endpointToString(noStatus.endpoint)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[status-page-not-enabled]');
    expect(r.stdout).toContain('404 "File not found."');
    expect(r.stdout).toContain(`In pool [www] (${noStatus.poolConfPath}:`);
    expect(r.stdout).toContain('add "pm.status_path = /status"');
    const live = await status([endpointToString(noStatus.endpoint), '--probe', 'liveness']);
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(/alive/);
  });

  it('a path that reaches a PHP script instead of the status page', async () => {
    const r = await status([
      endpointToString(unixStatic.endpoint),
      '--path',
      `${unixStatic.docRoot}/slow.php`,
      '--timeout',
      '6s',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[status-page-not-status]');
  });

  it('--max-response-bytes bounds the page: a larger page fails with the hint to raise it, a larger bound reads it', async () => {
    const where = endpointToString(unixStatic.endpoint);
    const small = await status([where, '--max-response-bytes', '100']);
    expect(small.code).toBe(1);
    expect(small.stdout).toContain('response larger than 100 bytes: stopped reading');
    expect(small.stdout).toContain('--max-response-bytes');
    const big = await statusJson([where, '--max-response-bytes', '100000']);
    expect(big.code).toBe(0);
    expect(big.json.healthy).toBe(true);
    for (const bad of ['0', 'lots', String(512 * 1024 * 1024)]) {
      const r = await status([where, '--max-response-bytes', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/--max-response-bytes must be/);
    }
  });

  it('bad arguments: exit 2', async () => {
    expect((await status([endpointToString(tcpDynamic.endpoint), '--fail-on-new', 'max-children-reached'])).code).toBe(
      2,
    );
    expect((await status([endpointToString(tcpDynamic.endpoint), '--probe', 'sometimes'])).code).toBe(2);
    expect((await status([endpointToString(tcpDynamic.endpoint), '--max-busy-percent', '150'])).code).toBe(2);
  });
});

describe.skipIf(!built || !hasFpm)('status of a busy pool', () => {
  let fpm: PhpFpmServer | undefined;
  afterAll(async () => {
    await fpm?.stop();
  });

  it('every worker busy with long requests: liveness passes with a note, readiness fails', async () => {
    fpm = await startPhpFpm({
      listen: { kind: 'tcp' },
      pm: 'static',
      maxChildren: 2,
      statusPath: '/status',
      scripts: SLOW,
    });
    const where = endpointToString(fpm.endpoint);
    const busy = occupy(fpm, 2, 6);
    await sleep(700);
    const live = await status([where, '--probe', 'liveness', '--timeout', '1s']);
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(/alive: .* every worker is busy: the status request waited in the listen backlog/);
    const ready = await status([where, '--probe', 'readiness', '--timeout', '1s']);
    expect(ready.code).toBe(1);
    expect(ready.stdout).toMatch(/not ready/);
    expect(ready.stdout).toContain('[backend-timeout]');
    const n = await status([where, '--probe', 'readiness', '--timeout', '1s', '--format', 'nagios']);
    expect(n.code).toBe(2);
    expect(n.stdout).toMatch(/^FCGI-DOCTOR CRITICAL - readiness failed/);
    await busy;
    await fpm.stop();
    fpm = undefined;
  });

  it('saturated TCP pool: the listen queue grows and --max-listen-queue fails with backend-overloaded', async () => {
    fpm = await startPhpFpm({
      listen: { kind: 'tcp' },
      pm: 'static',
      maxChildren: 2,
      statusPath: '/status',
      scripts: SLOW,
    });
    const where = endpointToString(fpm.endpoint);
    // Two workers busy for 3 s; the status request queues behind them, and two more requests queue behind it.
    const first = occupy(fpm, 2, 3);
    await sleep(500);
    const pending = status([where, '--max-listen-queue', '0', '--timeout', '10s', '--format', 'json']);
    await sleep(1200);
    const behind = occupy(fpm, 2, 1);
    const r = await pending;
    await Promise.all([first, behind]);
    const json = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    expect(json.pool.listenQueue).toBeGreaterThan(0);
    expect(json.pool.maxListenQueue).toBeGreaterThanOrEqual(3);
    expect(json.findings[0]).toMatchObject({ id: 'backend-overloaded', severity: 'error' });
    expect(json.findings[0].title).toMatch(/connections wait for a worker \(listen queue over 0\)/);
    await fpm.stop();
    fpm = undefined;
  });

  it('max children reached rises during --interval on a dynamic pool: --fail-on-new fails on the change, not the total', async () => {
    fpm = await startPhpFpm({
      listen: { kind: 'tcp' },
      pm: 'dynamic',
      maxChildren: 2,
      startServers: 1,
      minSpareServers: 1,
      maxSpareServers: 2,
      statusPath: '/status',
      scripts: SLOW,
    });
    const where = endpointToString(fpm.endpoint);
    const pending = status([
      where,
      '--interval',
      '5s',
      '--fail-on-new',
      'max-children-reached,slow-requests',
      '--timeout',
      '5s',
      '--format',
      'json',
    ]);
    await sleep(1200);
    const load = occupy(fpm, 3, 2);
    const r = await pending;
    await load;
    const json = JSON.parse(r.stdout);
    expect(json.interval.maxChildrenReached).toBeGreaterThan(0);
    expect(json.interval.acceptedConn).toBeGreaterThanOrEqual(4);
    expect(r.code).toBe(1);
    expect(json.findings.map((f: { id: string }) => f.id)).toContain('max-children-reached');
    // Now the total since start is above 0 but nothing changes: the same check passes.
    const quiet = await statusJson([where, '--interval', '1s', '--fail-on-new', 'max-children-reached']);
    expect(quiet.json.pool.maxChildrenReached).toBeGreaterThan(0);
    expect(quiet.json.interval.maxChildrenReached).toBe(0);
    expect(quiet.code).toBe(0);
    await fpm.stop();
    fpm = undefined;
  });
});

describe.skipIf(!built || !hasFpm)("status advice follows the pool's process manager (issue 12 item 6)", () => {
  const started: PhpFpmServer[] = [];
  afterAll(async () => {
    for (const p of started) await p.stop();
  });

  it('an idle dynamic pool with room (0 busy, 2 of 4 running), --min-idle 3: pm.min_spare_servers, not pm.max_children', async () => {
    const fpm = await startPhpFpm({
      listen: { kind: 'tcp' },
      pm: 'dynamic',
      maxChildren: 4,
      startServers: 2,
      minSpareServers: 1,
      maxSpareServers: 3,
      statusPath: '/status',
    });
    started.push(fpm);
    const where = endpointToString(fpm.endpoint);
    const { code, json } = await statusJson([where, '--probe', 'readiness', '--min-idle', '3']);
    expect(code).toBe(1);
    expect(json.pool).toMatchObject({
      processManager: 'dynamic',
      maxChildren: 4,
      busy: 0,
      totalProcesses: 2,
      idleProcesses: 1,
    });
    const f = json.findings.find((x: { id: string }) => x.id === 'pool-busy');
    expect(f.title).toBe('Only 1 idle worker (fewer than 3)');
    expect(f.fix).toContain(`The pool has room: 2 of pm.max_children 4 (${fpm.poolConfPath}:`);
    expect(f.fix).toContain(
      `pm.min_spare_servers workers idle, 1 now: set pm.min_spare_servers = 4 (${fpm.poolConfPath}:`,
    );
    expect(f.fix).not.toMatch(/raise pm\.max_children/i);
    const text = await status([where, '--probe', 'readiness', '--min-idle', '3']);
    expect(text.stdout).toMatch(/✗ not ready: pool www \(dynamic\) at .* — Only 1 idle worker \(fewer than 3\)/);
    // Held when asked for what the pool keeps.
    expect((await status([where, '--probe', 'readiness', '--min-idle', '1'])).code).toBe(0);
  });

  it('the worker answering the status request is not idle: pm.min_spare_servers 2 shows 1 idle, --min-idle 2 needs 3 kept', async () => {
    const two = await startPhpFpm({
      listen: { kind: 'tcp' },
      pm: 'dynamic',
      maxChildren: 4,
      startServers: 2,
      minSpareServers: 2,
      maxSpareServers: 3,
      statusPath: '/status',
    });
    started.push(two);
    const short = await statusJson([endpointToString(two.endpoint), '--min-idle', '2']);
    expect(short.code).toBe(1);
    expect(short.json.pool).toMatchObject({ idleProcesses: 1, totalProcesses: 2 });
    expect(short.json.findings.find((x: { id: string }) => x.id === 'pool-busy').fix).toContain(
      '2 now: set pm.min_spare_servers = 3',
    );
    const three = await startPhpFpm({
      listen: { kind: 'tcp' },
      pm: 'dynamic',
      maxChildren: 4,
      startServers: 3,
      minSpareServers: 3,
      maxSpareServers: 3,
      statusPath: '/status',
    });
    started.push(three);
    const held = await statusJson([endpointToString(three.endpoint), '--min-idle', '2']);
    expect(held.json.pool).toMatchObject({ idleProcesses: 2, totalProcesses: 3 });
    expect(held.code).toBe(0);
    expect(held.json.findings).toEqual([]);
  });

  it('a dynamic pool running all pm.max_children, none idle: raise pm.max_children', async () => {
    const fpm = await startPhpFpm({
      listen: { kind: 'tcp' },
      pm: 'dynamic',
      maxChildren: 2,
      startServers: 2,
      minSpareServers: 1,
      maxSpareServers: 2,
      statusPath: '/status',
      scripts: SLOW,
    });
    started.push(fpm);
    const busy = occupy(fpm, 1, 4);
    await sleep(700);
    const { code, json } = await statusJson([endpointToString(fpm.endpoint), '--min-idle', '1']);
    await busy;
    expect(code).toBe(1);
    expect(json.pool).toMatchObject({ totalProcesses: 2, idleProcesses: 0, maxChildren: 2 });
    const f = json.findings.find((x: { id: string }) => x.id === 'pool-busy');
    expect(f.title).toBe('No idle worker (fewer than 1)');
    expect(f.fix).toMatch(
      /^Every worker pm\.max_children 2 \(.*\) allows is running \(2\): raise pm\.max_children if memory allows/,
    );
  });

  it('an ondemand pool keeps no idle worker: --min-idle says it does not fit, not to raise pm.max_children', async () => {
    const fpm = await startPhpFpm({ listen: { kind: 'unix' }, pm: 'ondemand', maxChildren: 4, statusPath: '/status' });
    started.push(fpm);
    const { code, json } = await statusJson([endpointToString(fpm.endpoint), '--min-idle', '1']);
    expect(code).toBe(1);
    expect(json.pool).toMatchObject({ processManager: 'ondemand', maxChildren: 4, idleProcesses: 0 });
    const f = json.findings.find((x: { id: string }) => x.id === 'pool-busy');
    expect(f.fix).toContain('pm = ondemand keeps no idle workers');
    expect(f.fix).not.toMatch(/raise pm\.max_children/i);
  });
});

describe.skipIf(!built || !hasFpm)('status when the pool cannot be read', () => {
  const started: PhpFpmServer[] = [];
  afterAll(async () => {
    for (const p of started) await p.stop();
  });

  it('a socket the caller may not reach (root:root 0660, run as nobody): exit 1, the missing bit', async () => {
    const fpm = await startPhpFpm({
      listen: { kind: 'unix' },
      listenOwner: null,
      listenGroup: null,
      listenMode: null,
      statusPath: '/status',
    });
    started.push(fpm);
    const r = await status([endpointToString(fpm.endpoint)], { asNobody: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[socket-permission-denied]');
    expect(r.stdout).toMatch(
      /nobody may not connect to .*: it lacks write \(w\) permission on the socket \(srw-rw---- root:root\); the "other" bits apply/,
    );
    const live = await status([endpointToString(fpm.endpoint), '--probe', 'liveness'], { asNobody: true });
    expect(live.code).toBe(1);
  });

  it('a stopped pool: TCP refused and a Unix socket gone, liveness fails too', async () => {
    const tcp = await startPhpFpm({ listen: { kind: 'tcp' }, statusPath: '/status' });
    const unix = await startPhpFpm({ listen: { kind: 'unix' }, statusPath: '/status' });
    const tcpWhere = endpointToString(tcp.endpoint);
    const unixWhere = endpointToString(unix.endpoint);
    await tcp.stop();
    await unix.stop();
    const r = await status([tcpWhere]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[backend-unreachable]');
    expect(r.stdout).toContain('connection refused');
    const live = await status([tcpWhere, '--probe', 'liveness', '--format', 'nagios']);
    expect(live.code).toBe(2);
    expect(live.stdout).toMatch(/^FCGI-DOCTOR CRITICAL - liveness failed/);
    const u = await status([unixWhere, '--probe', 'liveness']);
    expect(u.code).toBe(1);
    expect(u.stdout).toMatch(/\[socket-(missing|stale)\]/);
  });

  it('a page with values PHP-FPM never writes: not believed, readiness fails naming the field', async () => {
    const dir = makeTempDir('status-bogus');
    const page = JSON.stringify({
      pool: 'www',
      'process manager': 'dynamic',
      'start time': 1,
      'start since': 5,
      'accepted conn': 3,
      'listen queue': [50],
      'max listen queue': 0,
      'listen queue len': 0,
      'idle processes': 1,
      'active processes': 1,
      'total processes': 2,
      'max active processes': 1,
      'max children reached': 0,
      'slow requests': 0,
    });
    const server = await hostileServer({ path: dir.join('fpm.sock') }, (socket) =>
      afterRequest(socket, (id) =>
        socket.end(
          Buffer.concat([
            ...encodeStream(RecordType.STDOUT, id, Buffer.from(`Content-Type: application/json\r\n\r\n${page}`)),
            encodeEndRequest(id, 0, 0),
          ]),
        ),
      ),
    );
    try {
      const r = await status([server.address, '--probe', 'readiness', '--max-listen-queue', '0']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/not ready/);
      expect(r.stdout).toContain('[status-page-not-status]');
      expect(r.stdout).toContain('"listen queue" is [50], not a whole number of 0 or more');
      expect(r.stdout).not.toMatch(/listen queue 0 ≤ 0/);
    } finally {
      await server.close();
      dir.remove();
    }
  });

  it('the stand-in app is not PHP-FPM: exit 1 and says so, even for liveness', async () => {
    const dir = makeTempDir('status-serve');
    const server = await startServer({ kind: 'unix', path: dir.join('serve.sock') });
    try {
      const r = await status([dir.join('serve.sock')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('[not-php-fpm]');
      expect(r.stdout).toContain('is not PHP-FPM (it is fcgi-doctor serve (the stand-in app))');
      expect((await status([dir.join('serve.sock'), '--probe', 'liveness'])).code).toBe(1);
    } finally {
      await server.close();
      dir.remove();
    }
  });
});
