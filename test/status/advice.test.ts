/**
 * What `status` advises when idle workers are few, busy ones many or
 * connections wait, on pages recorded from PHP-FPM with the pool's own pm
 * settings: raising pm.max_children is right only for a pool that runs all of
 * them; a pm = dynamic pool below it is short of pm.min_spare_servers, and a
 * pm = ondemand pool keeps no idle worker by design. Words agree with numbers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import type { FcgiResponse } from '../../src/client/request.js';
import type { Target } from '../../src/client/target.js';
import { formatStatusText } from '../../src/report/statusText.js';
import { createStyle } from '../../src/report/style.js';
import {
  evaluate,
  intervalDeltas,
  parseStatusJson,
  poolFacts,
  type PoolFile,
  type PoolStatus,
  type Thresholds,
} from '../../src/status/index.js';

const page = (name: string) =>
  parseStatusJson(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'php-fpm', name), 'utf8'));
/** www, dynamic: 1 idle, 1 active (the status request), 2 running; listen queue 0. */
const IDLE_DYNAMIC = page('status-tcp-dynamic-idle.json');
/** www, dynamic: 0 idle, 2 active, 2 running; listen queue 4. */
const SATURATED_DYNAMIC = page('status-tcp-dynamic-saturated.json');
/** uds, static: 1 idle, 1 active, 2 running. */
const STATIC = page('status-unix-static.json');
/** www, ondemand: 0 idle, 1 active (the status request), 1 running. */
const ONDEMAND = page('status-unix-ondemand.json');

const tcp: Target = { kind: 'tcp', host: '127.0.0.1', port: 9000 };
const FILE = '/etc/php/8.3/fpm/pool.d/www.conf';

function poolFile(settings: Record<string, string>): ReturnType<typeof poolFacts> {
  const file: PoolFile = {
    name: 'www',
    file: FILE,
    line: 1,
    endpoint: { kind: 'tcp', host: '127.0.0.1', port: 9000 },
    settings: { 'pm.status_path': '/status', ...settings },
    lines: {
      pm: 10,
      'pm.max_children': 11,
      'pm.start_servers': 12,
      'pm.min_spare_servers': 13,
      'pm.max_spare_servers': 14,
      'pm.status_path': 30,
    },
  };
  return poolFacts(file);
}

const dynamicPool = (max: number, minSpare: number) =>
  poolFile({
    pm: 'dynamic',
    'pm.max_children': String(max),
    'pm.start_servers': String(minSpare),
    'pm.min_spare_servers': String(minSpare),
    'pm.max_spare_servers': String(max),
  });

const response = {
  status: 200,
  statusText: 'OK',
  headers: [],
  body: Buffer.alloc(0),
  problems: [],
  stderr: '',
  raw: {},
  timings: { connectMs: 1, firstByteMs: 1, totalMs: 2 },
} as unknown as FcgiResponse;

function judge(
  status: PoolStatus,
  thresholds: Thresholds,
  pool?: ReturnType<typeof poolFacts>,
  second?: PoolStatus,
  probe: 'readiness' | 'none' = 'readiness',
) {
  const reads = [{ kind: 'ok' as const, status, format: 'json' as const, response, atMs: 0, elapsedMs: 2 }];
  if (second)
    reads.push({ kind: 'ok' as const, status: second, format: 'json' as const, response, atMs: 5000, elapsedMs: 2 });
  return evaluate({
    target: tcp,
    where: '127.0.0.1:9000',
    path: '/status',
    pathSource: 'default',
    probe: probe === 'none' ? undefined : probe,
    thresholds,
    reads,
    intervalSeconds: second ? 5 : undefined,
    reasons: { target: tcp, path: '/status', pool, describeClientError: findingForClientError },
  });
}

const only = (r: ReturnType<typeof judge>, id: string) => {
  const found = r.findings.filter((f) => f.id === id);
  expect(found, JSON.stringify(r.findings.map((f) => f.id))).toHaveLength(1);
  return found[0]!;
};

describe('--min-idle not held: the advice follows the process manager and the room left', () => {
  it('an idle dynamic pool with room (0 busy, 2 of 4 running), pm.min_spare_servers 1: set pm.min_spare_servers, not pm.max_children', () => {
    const r = judge(IDLE_DYNAMIC, { minIdle: 3 }, dynamicPool(4, 1));
    expect(r.probe?.passed).toBe(false);
    const f = only(r, 'pool-busy');
    expect(f.title).toBe('Only 1 idle worker (fewer than 3)');
    expect(f.message).toContain(
      'has 1 idle worker and 0 busy workers besides the one answering this status request, 2 running of pm.max_children 4',
    );
    expect(f.fix).toBe(
      `The pool has room: 2 of pm.max_children 4 (${FILE}:11) are running, so pm.max_children need not change. A pm = dynamic pool keeps pm.min_spare_servers workers idle, 1 now: set pm.min_spare_servers = 4 (${FILE}:13), one more than --min-idle 3, as the worker answering this status request is not idle while it answers (pm.max_spare_servers at least that, pm.start_servers between the two), and reload PHP-FPM.`,
    );
    expect(f.fix).not.toMatch(/raise pm\.max_children/i);
  });

  it('pm.min_spare_servers equal to --min-idle is one short: the worker answering the status request is not idle', () => {
    const f = only(judge(IDLE_DYNAMIC, { minIdle: 2 }, dynamicPool(4, 2)), 'pool-busy');
    expect(f.fix).toContain(
      `pm.min_spare_servers workers idle, 2 now: set pm.min_spare_servers = 3 (${FILE}:13), one more than --min-idle 2`,
    );
    expect(f.fix).not.toMatch(/raise pm\.max_children/i);
  });

  it('a pool already keeping enough spare: FPM was catching up with a burst, still not pm.max_children', () => {
    const f = only(judge(IDLE_DYNAMIC, { minIdle: 3 }, dynamicPool(4, 4)), 'pool-busy');
    expect(f.fix).toContain(
      `pm.min_spare_servers is already 4 (${FILE}:13): FPM starts the missing idle workers on its once-a-second check`,
    );
    expect(f.fix).not.toMatch(/raise pm\.max_children/i);
  });

  it('a dynamic pool whose file could not be read: pm.min_spare_servers first, pm.max_children only if all run', () => {
    const f = only(judge(IDLE_DYNAMIC, { minIdle: 3 }), 'pool-busy');
    expect(f.fix).toMatch(
      /^A pm = dynamic pool keeps pm\.min_spare_servers workers idle: set pm\.min_spare_servers = 4 in the pool file, one more than --min-idle 3/,
    );
    expect(f.fix).toContain(
      'Raise pm.max_children only if all of them already run (2 now; the pool file could not be read to tell)',
    );
  });

  it('a dynamic pool at pm.max_children (2 of 2 running, none idle): raise pm.max_children', () => {
    const r = judge(SATURATED_DYNAMIC, { minIdle: 1 }, dynamicPool(2, 1));
    const f = only(r, 'pool-busy');
    expect(f.title).toBe('No idle worker (fewer than 1)');
    expect(f.fix).toBe(
      `Every worker pm.max_children 2 (${FILE}:11) allows is running (2): raise pm.max_children if memory allows (each worker needs about its memory_limit), or find what keeps workers busy (request_slowlog_timeout and the slow log).`,
    );
    // And the moment's warning that it is at pm.max_children now.
    expect(r.findings.map((x) => x.id)).toContain('max-children-reached');
  });

  it('a static pool runs exactly pm.max_children: raise it', () => {
    const four = { ...STATIC, idleProcesses: 1, activeProcesses: 3, totalProcesses: 4 };
    const f = only(judge(four, { minIdle: 2 }, poolFile({ pm: 'static', 'pm.max_children': '4' })), 'pool-busy');
    expect(f.title).toBe('Only 1 idle worker (fewer than 2)');
    expect(f.fix).toMatch(
      /^pm = static runs exactly pm\.max_children 4 \(.*:11\) workers: raise pm\.max_children if memory allows/,
    );
  });

  it('an ondemand pool keeps no idle worker by design: the threshold does not fit it, pm.max_children is not the answer', () => {
    const f = only(judge(ONDEMAND, { minIdle: 1 }, poolFile({ pm: 'ondemand', 'pm.max_children': '4' })), 'pool-busy');
    expect(f.title).toBe('No idle worker (fewer than 1)');
    expect(f.fix).toMatch(
      /^The pool has room: 1 of pm\.max_children 4 \(.*\) is running, so pm\.max_children need not change\. pm = ondemand keeps no idle workers/,
    );
    expect(f.fix).toContain(
      'switch the pool to pm = dynamic with pm.min_spare_servers = 2 (one more than --min-idle 1',
    );
    expect(f.fix).not.toMatch(/raise pm\.max_children/i);
  });

  it('as many idle workers as pm.max_children or more: the threshold can never hold, one worker answers the status request', () => {
    for (const [page, limit, pool] of [
      [IDLE_DYNAMIC, 4, dynamicPool(4, 1)],
      [IDLE_DYNAMIC, 9, dynamicPool(4, 1)],
      [STATIC, 2, poolFile({ pm: 'static', 'pm.max_children': '2' })],
    ] as const) {
      const f = only(judge(page, { minIdle: limit }, pool), 'pool-busy');
      expect(f.fix).toMatch(
        new RegExp(
          `^--min-idle ${limit} can never hold: pm\\.max_children ${pool.maxChildren} \\(.*\\) allows ${pool.maxChildren} workers in all, and one of them answers this status request\\.`,
        ),
      );
    }
  });

  it('held: no finding, no advice', () => {
    const r = judge(IDLE_DYNAMIC, { minIdle: 1 }, dynamicPool(4, 1));
    expect(r.findings).toEqual([]);
    expect(r.healthy).toBe(true);
  });
});

describe('connections waiting and busy share', () => {
  it('a queue in a dynamic pool with room: spare workers, not pm.max_children', () => {
    const f = only(judge(SATURATED_DYNAMIC, {}, dynamicPool(4, 1)), 'backend-overloaded');
    expect(f.severity).toBe('warning');
    expect(f.title).toBe('4 connections of pool www wait for a worker');
    expect(f.fix).toMatch(
      /^The pool has room: 2 of pm\.max_children 4 .* A pm = dynamic pool starts workers on its once-a-second check, so a burst waits for them: keep more ready with pm\.min_spare_servers \(1 now, .*:13\)/,
    );
    const strict = only(judge(SATURATED_DYNAMIC, { maxListenQueue: 0 }, dynamicPool(4, 1)), 'backend-overloaded');
    expect(strict.title).toBe('4 connections wait for a worker (listen queue over 0)');
    expect(strict.fix).not.toMatch(/raise pm\.max_children/i);
  });

  it('a queue in a pool at pm.max_children: raise it', () => {
    const f = only(judge(SATURATED_DYNAMIC, { maxListenQueue: 0 }, dynamicPool(2, 1)), 'backend-overloaded');
    expect(f.fix).toMatch(/^Raise pm\.max_children 2 \(.*:11\) if memory allows/);
  });

  it('one connection waiting: singular words', () => {
    const one = { ...SATURATED_DYNAMIC, listenQueue: 1 };
    expect(only(judge(one, {}, dynamicPool(2, 1)), 'backend-overloaded').title).toBe(
      '1 connection of pool www waits for a worker',
    );
    expect(only(judge(one, { maxListenQueue: 0 }, dynamicPool(2, 1)), 'backend-overloaded').title).toBe(
      '1 connection waits for a worker (listen queue over 0)',
    );
  });

  it('busy share over the limit: of pm.max_children, raise it; of the running workers only, say so', () => {
    const known = only(judge(SATURATED_DYNAMIC, { maxBusyPercent: 40 }, dynamicPool(2, 1)), 'pool-busy');
    expect(known.fix).toMatch(/^Raise pm\.max_children 2 \(.*:11\) if memory allows/);
    expect(known.fix).not.toContain('max_spare_servers');
    const unknown = only(judge(SATURATED_DYNAMIC, { maxBusyPercent: 40 }), 'pool-busy');
    expect(unknown.fix).toMatch(
      /^The share is of the 2 workers running, not of pm\.max_children \(the pool file could not be read\): a pm = dynamic pool below pm\.max_children starts more/,
    );
  });
});

describe('words agree with numbers', () => {
  it('counters grown once over an interval', () => {
    const later = {
      ...IDLE_DYNAMIC,
      maxChildrenReached: IDLE_DYNAMIC.maxChildrenReached + 1,
      slowRequests: IDLE_DYNAMIC.slowRequests + 1,
      acceptedConn: IDLE_DYNAMIC.acceptedConn + 2,
    };
    const r = judge(IDLE_DYNAMIC, { failOnNew: ['max-children-reached', 'slow-requests'] }, dynamicPool(4, 1), later);
    expect(r.interval).toEqual(intervalDeltas(IDLE_DYNAMIC, later, 5));
    expect(only(r, 'max-children-reached').title).toBe('The pool reached pm.max_children once in 5 s');
    expect(only(r, 'slow-request').title).toBe('1 request slower than request_slowlog_timeout in 5 s');
    expect(r.thresholds.map((t) => t.text)).toEqual(['max children reached +1 in 5 s', 'slow requests +1 in 5 s']);
  });

  it('the text report: no "1 … workers", "1 requests" or "1 thresholds"', () => {
    const oneRequest = { ...IDLE_DYNAMIC, processes: IDLE_DYNAMIC.processes?.map((w) => ({ ...w, requests: 1 })) };
    const text = formatStatusText(
      createStyle(),
      judge(oneRequest, { minIdle: 3 }, dynamicPool(4, 1), undefined, 'none'),
      { verbose: true },
    );
    expect(text).toContain('1 threshold not held');
    expect(text).toContain('Only 1 idle worker (fewer than 3)');
    expect(text).toContain('1 request ·');
    expect(text).not.toMatch(/\b1 (idle |busy )?(workers|requests|connections|thresholds)\b/);
  });
});
