/**
 * status --all on fixture pool files: every pool of every installation (two
 * PHP versions side by side, a Docker layout, a master's own -y), told apart
 * when two share a name; pm.status_listen read from the pool file; the rows as
 * text; and pools read concurrently, each with its own verdict.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import { memoryFpmFileReader } from '../../src/fpm/index.js';
import { createStyle } from '../../src/report/style.js';
import { formatStatusAllText, rowState } from '../../src/report/statusAllText.js';
import { statusAllJsonExtras } from '../../src/report/statusAllJson.js';
import { keepFindings, readAllPools } from '../../src/status/all.js';
import { derive, evaluate, listenTarget, statusListenTarget, type PoolStatus } from '../../src/status/index.js';
import { fpmSources, machinePoolServing, machinePools } from '../../src/status/machine.js';
import { FcgiClientError } from '../../src/client/errors.js';
import { afterRequest, hostileServer, makeTempDir } from '../client/support.js';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import { poolStatusFindings } from '../../src/status/check.js';
import type { PoolFile } from '../../src/status/pool.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const mainConf = (includeDir: string) => `[global]\npid = /run/php/fpm.pid\ninclude = ${includeDir}/*.conf\n`;

const pool = (name: string, listen: string, extra = '') =>
  `[${name}]\nuser = www-data\ngroup = www-data\nlisten = ${listen}\npm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n${extra}`;

const machine = memoryFpmFileReader({
  '/etc/php/8.2/fpm/php-fpm.conf': mainConf('/etc/php/8.2/fpm/pool.d'),
  '/etc/php/8.2/fpm/pool.d/www.conf': pool(
    'www',
    '/run/php/php8.2-fpm.sock',
    'pm.status_path = /status\npm.status_listen = 127.0.0.1:9001\n',
  ),
  '/etc/php/8.3/fpm/php-fpm.conf': mainConf('/etc/php/8.3/fpm/pool.d'),
  '/etc/php/8.3/fpm/pool.d/www.conf': pool('www', '/run/php/php8.3-fpm.sock'),
  '/etc/php/8.3/fpm/pool.d/api.conf': pool('api', '9000', 'pm.status_path = /fpm-status\n'),
  '/srv/private/fpm.conf': mainConf('/srv/private/pools'),
  '/srv/private/pools/shop.conf': pool('shop', '[::]:9100', 'pm.status_path = /status\n'),
});

const blank: PoolStatus = {
  pool: 'www',
  processManager: 'static',
  startTime: 0,
  startSince: 10,
  acceptedConn: 5,
  listenQueue: 0,
  maxListenQueue: 0,
  listenQueueLen: 0,
  idleProcesses: 0,
  activeProcesses: 2,
  totalProcesses: 2,
  maxActiveProcesses: 2,
  maxChildrenReached: 0,
  slowRequests: 0,
};

describe('every pool of the machine', () => {
  const masters = [
    { pid: 4242, argv: ['php-fpm: master process (/srv/private/fpm.conf)'], exe: '/usr/sbin/php-fpm8.3' },
  ];
  const { pools, problems } = machinePools(machine, fpmSources(machine, masters));

  it('lists the pools of each PHP version and of a running master, with the version from the path or the binary', () => {
    expect(problems).toEqual([]);
    expect(pools.map((p) => [p.id, p.phpVersion, p.listen])).toEqual([
      ['www@8.2', '8.2', '/run/php/php8.2-fpm.sock'],
      ['api', '8.3', '9000'],
      ['www@8.3', '8.3', '/run/php/php8.3-fpm.sock'],
      ['shop', '8.3', '[::]:9100'],
    ]);
    expect(pools.find((p) => p.name === 'shop')?.masterPid).toBe(4242);
  });

  it('reads pm.status_listen with its file:line, and where to connect for each listen form', () => {
    const www = pools[0];
    expect(www?.facts.statusListen).toBe('127.0.0.1:9001');
    expect(www?.facts.statusListenAt).toBe('/etc/php/8.2/fpm/pool.d/www.conf:11');
    expect(statusListenTarget(www?.facts)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9001 });
    expect(pools.find((p) => p.name === 'api')?.target).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(pools.find((p) => p.name === 'shop')?.target).toEqual({ kind: 'tcp', host: '::1', port: 9100 });
    expect(listenTarget('/run/php/x.sock')).toEqual({ kind: 'unix', path: '/run/php/x.sock' });
    expect(listenTarget('')).toBeUndefined();
  });

  it('with --fpm-config: only those files, the version from a master running one; the pool serving a target', () => {
    const given = fpmSources(machine, masters, ['/srv/private/fpm.conf', '/etc/php/8.3/fpm/php-fpm.conf']);
    expect(given.map((g) => [g.config, g.version])).toEqual([
      ['/srv/private/fpm.conf', '8.3'],
      ['/etc/php/8.3/fpm/php-fpm.conf', '8.3'],
    ]);
    const mine = machinePools(machine, given).pools;
    expect(mine.map((p) => p.id)).toEqual(['shop', 'api', 'www']);
    expect(machinePoolServing(mine, { kind: 'tcp', host: '127.0.0.1', port: 9000 })?.name).toBe('api');
    expect(machinePoolServing(mine, { kind: 'unix', path: '/nowhere.sock' })).toBeUndefined();
  });

  it('two pools of one name and no version to tell them apart are named by their file', () => {
    const r = memoryFpmFileReader({
      '/a/fpm.conf': mainConf('/a/pools'),
      '/a/pools/www.conf': pool('www', '/a/www.sock'),
      '/b/fpm.conf': mainConf('/b/pools'),
      '/b/pools/www.conf': pool('www', '/b/www.sock'),
    });
    const { pools: two } = machinePools(r, fpmSources(r, [], ['/a/fpm.conf', '/b/fpm.conf']));
    expect(two.map((p) => p.id)).toEqual(['www@/a/pools/www.conf', 'www@/b/pools/www.conf']);
  });

  it('a pool file it may not read is a note, not a crash', () => {
    const r = memoryFpmFileReader({
      '/a/fpm.conf': mainConf('/a/pools'),
      '/a/pools/www.conf': { error: 'Permission denied', code: 'EACCES' },
    });
    const res = machinePools(r, fpmSources(r, [], ['/a/fpm.conf']), { readerUser: 'nobody' });
    expect(res.pools).toEqual([]);
    expect(res.problems.join('\n')).toMatch(/www\.conf/);
  });
});

describe('reading at pm.status_listen', () => {
  it('counts no worker of the pool as answering the status request', () => {
    const t = { kind: 'unix' as const, path: '/x.sock' };
    expect(derive(blank, t, undefined).busy).toBe(1);
    expect(derive(blank, t, undefined, true).busy).toBe(2);
  });

  it('says where it read, and advises pm.status_listen for a pool that saturates without one', () => {
    const t = { kind: 'unix' as const, path: '/x.sock' };
    const timedOut = {
      kind: 'failed' as const,
      connected: true,
      error: new FcgiClientError('timeout', 'no answer within 1000 ms'),
    };
    const base = { target: t, where: '/x.sock', path: '/status', pathSource: 'pool-file' as const, thresholds: {} };
    const reasons = { target: t, path: '/status', describeClientError: findingForClientError };
    const saturated = evaluate({ ...base, probe: 'readiness', reads: [timedOut], reasons });
    expect(saturated.healthy).toBe(false);
    expect(saturated.notes.join('\n')).toMatch(/pm\.status_listen/);
    const via = evaluate({
      ...base,
      reads: [
        {
          kind: 'ok',
          status: blank,
          format: 'json',
          atMs: 0,
          elapsedMs: 1,
          response: {
            status: 200,
            statusText: 'OK',
            headers: [],
            body: Buffer.from(''),
            problems: [],
            stderr: '',
            raw: { protocolStatusName: 'REQUEST_COMPLETE' },
            timings: { connectMs: 0, firstByteMs: 0, totalMs: 1 },
          } as never,
        },
      ],
      reasons,
      statusListen: '127.0.0.1:9001',
    });
    expect(via.statusListen).toEqual({ target: '127.0.0.1:9001' });
    expect(via.notes.join('\n')).toMatch(/read at the pool's pm\.status_listen 127\.0\.0\.1:9001/);
    expect(via.notes.join('\n')).not.toMatch(/This pool saturates/);
  });
});

describe('check reads a pool at its pm.status_listen', () => {
  it('a pool whose own socket would make it wait is read on its status socket: at pm.max_children now', async () => {
    const dir = makeTempDir('statuslisten');
    const idle = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '..', '..', 'fixtures', 'php-fpm', 'status-tcp-dynamic-idle.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const busyPage = JSON.stringify({
      ...idle,
      'idle processes': 0,
      'active processes': 3,
      'total processes': 3,
      processes: undefined,
    });
    const server = await hostileServer({ path: dir.join('status.sock') }, (socket) =>
      afterRequest(socket, (id) =>
        socket.end(
          Buffer.concat([
            ...encodeStream(RecordType.STDOUT, id, Buffer.from(`Content-Type: application/json\r\n\r\n${busyPage}`)),
            encodeEndRequest(id, 0, 0),
          ]),
        ),
      ),
    );
    try {
      const file: PoolFile = {
        name: 'www',
        file: '/etc/php/8.3/fpm/pool.d/www.conf',
        line: 1,
        // Nobody listens here: only the status socket can answer.
        endpoint: { kind: 'unix', path: dir.join('www.sock') },
        settings: {
          pm: 'dynamic',
          'pm.max_children': '3',
          'pm.status_path': '/status',
          'pm.status_listen': server.address,
        },
        lines: { 'pm.max_children': 7 },
      };
      const findings = await poolStatusFindings([{ target: { kind: 'unix', path: dir.join('www.sock') } }], [file], {
        timeoutMs: 1000,
      });
      expect(findings.map((f) => f.id)).toEqual(['max-children-reached']);
      expect(findings[0]?.location).toEqual({ file: '/etc/php/8.3/fpm/pool.d/www.conf', line: 7 });
    } finally {
      await server.close();
      dir.remove();
    }
  });
});

describe('reading every pool', () => {
  it('a pool without pm.status_path is a row, not a failure; one whose status socket is missing fails', async () => {
    const dir = makeTempDir('statusall');
    try {
      const r = memoryFpmFileReader({
        '/a/fpm.conf': mainConf('/a/pools'),
        '/a/pools/quiet.conf': pool('quiet', dir.join('quiet.sock')),
        '/a/pools/gone.conf': pool('gone', dir.join('gone.sock'), 'pm.status_path = /status\n'),
      });
      const { pools } = machinePools(r, fpmSources(r, [], ['/a/fpm.conf']));
      const rows = await readAllPools(
        pools,
        { timeoutMs: 1000, thresholds: {} },
        { describeClientError: findingForClientError },
      );
      expect(rows.map((x) => [x.pool.id, x.state])).toEqual([
        ['gone', 'failing'],
        ['quiet', 'no-status-path'],
      ]);
      const gone = rows[0];
      expect(gone?.report?.findings[0]?.title).toMatch(/^\[gone\] /);
      expect(gone?.report?.findings[0]?.location?.file).toBe('/a/pools/gone.conf');
      expect(rowState(rows[1] as never)).toBe('no pm.status_path (not read)');
      const text = formatStatusAllText(createStyle(), rows, []);
      const lines = text.split('\n');
      expect(lines[0]).toMatch(/^POOL\s+PHP\s+LISTEN\s+PM\s+ACTIVE\s+IDLE\s+MAX\s+QUEUE\s+STATE$/);
      expect(lines[1]).toMatch(/^gone\s+\?\s+\S+gone\.sock\s+dynamic\s+-\s+-\s+5\s+-\s+FAIL: /);
      expect(lines[2]).toMatch(/^quiet\s.*no pm\.status_path \(not read\)$/);
      // Its error suppressed (--ignore), the pool is no longer failing.
      const ignored = keepFindings(rows, new Set());
      expect(ignored.map((x) => x.state)).toEqual(['ok', 'no-status-path']);
      const json = statusAllJsonExtras(rows, []);
      expect(json.healthy).toBe(false);
      expect((json.pools as Array<Record<string, unknown>>).map((p) => p.state)).toEqual(['failing', 'no-status-path']);
    } finally {
      dir.remove();
    }
  });

  it('reads the pools at once, each with its own deadline: two stuck pools cost one timeout', async () => {
    const dir = makeTempDir('statusall');
    const servers = ['a', 'b'].map((n) => {
      const server = createServer(() => undefined); // accepts, never answers: every worker busy
      server.listen(dir.join(`${n}.sock`));
      return server;
    });
    try {
      await Promise.all(servers.map((s) => once(s, 'listening')));
      const r = memoryFpmFileReader({
        '/a/fpm.conf': mainConf('/a/pools'),
        '/a/pools/a.conf': pool('a', dir.join('a.sock'), 'pm.status_path = /status\n'),
        '/a/pools/b.conf': pool('b', dir.join('b.sock'), 'pm.status_path = /status\n'),
      });
      const { pools } = machinePools(r, fpmSources(r, [], ['/a/fpm.conf']));
      const started = Date.now();
      const rows = await readAllPools(
        pools,
        { timeoutMs: 600, thresholds: {} },
        { describeClientError: findingForClientError },
      );
      expect(Date.now() - started).toBeLessThan(1100);
      expect(rows.map((x) => x.state)).toEqual(['failing', 'failing']);
      expect(rows[0]?.report?.notes.join('\n')).toMatch(/pm\.status_listen/);
    } finally {
      for (const s of servers) s.close();
      dir.remove();
    }
  });

  it('escapes what a pool file says in the rows', () => {
    const r = memoryFpmFileReader({
      '/a/fpm.conf': mainConf('/a/pools'),
      '/a/pools/x.conf': pool('evil\u001b[31m', '/a/x.sock'),
    });
    const { pools } = machinePools(r, fpmSources(r, [], ['/a/fpm.conf']));
    const text = formatStatusAllText(createStyle(), [{ pool: pools[0] as never, state: 'no-status-path' }], []);
    expect(text).not.toContain('\u001b');
  });
});
