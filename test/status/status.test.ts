import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findingIdsOf } from '../../src/findings/ids.js';
import { describe, expect, it } from 'vitest';
import { FcgiClientError } from '../../src/client/errors.js';
import type { FcgiResponse } from '../../src/client/request.js';
import type { Target } from '../../src/client/target.js';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import { loadFindingDoc } from '../../src/findings/docs.js';
import {
  classify,
  derive,
  evaluate,
  evaluateThresholds,
  fpmConfigsOfMasters,
  intervalDeltas,
  parseFpmDate,
  parseStatusJson,
  parseStatusPage,
  parseStatusText,
  poolFacts,
  poolServing,
  StatusParseError,
  statusParams,
  statusPathFor,
  type PoolFile,
  type PoolStatus,
  type StatusRead,
} from '../../src/status/index.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'php-fpm', name), 'utf8');
const tcp: Target = { kind: 'tcp', host: '127.0.0.1', port: 9000 };
const unix: Target = { kind: 'unix', path: '/run/php/fpm.sock' };

function response(status: number, body: string, headers: Array<[string, string]> = [], stderr = ''): FcgiResponse {
  return {
    status,
    statusText: status === 200 ? 'OK' : status === 404 ? 'Not Found' : status === 403 ? 'Forbidden' : '',
    headers,
    body: Buffer.from(body),
    problems: [],
    stderr,
    raw: { protocolStatusName: 'REQUEST_COMPLETE' } as FcgiResponse['raw'],
    timings: { connectMs: 0.5, firstByteMs: 1, totalMs: 1.5 },
  };
}

function okRead(status: PoolStatus, atMs = 0): StatusRead {
  return { kind: 'ok', status, format: 'json', response: response(200, ''), atMs, elapsedMs: 1 };
}

const reasons = (target: Target, pool?: ReturnType<typeof poolFacts>) => ({
  target,
  path: '/status',
  pool,
  describeClientError: findingForClientError,
});

const poolFile: PoolFile = {
  name: 'www',
  file: '/etc/php/8.2/fpm/pool.d/www.conf',
  line: 1,
  endpoint: { kind: 'tcp', host: '127.0.0.1', port: 9000 },
  settings: { pm: 'dynamic', 'pm.max_children': '4', 'pm.status_path': '/fpm-status' },
  lines: { 'pm.max_children': 12, 'pm.status_path': 30 },
};

describe('parsing a real PHP-FPM 8.2 status page', () => {
  it('reads ?json&full of an idle dynamic TCP pool', () => {
    const s = parseStatusJson(fixture('status-tcp-dynamic-idle.json'));
    expect(s).toMatchObject({
      pool: 'www',
      processManager: 'dynamic',
      listenQueueLen: 4096,
      maxChildrenReached: 1,
      slowRequests: 0,
    });
    expect(s.processes?.length).toBe(s.totalProcesses);
    const own = s.processes?.find((w) => w.state === 'Running');
    expect(own?.requestUri).toBe('/status?json&full');
    expect(typeof own?.requestDurationUs).toBe('number');
  });

  it('reads a saturated pool: the listen queue holds connections, no idle worker', () => {
    const s = parseStatusJson(fixture('status-tcp-dynamic-saturated.json'));
    expect(s.listenQueue).toBeGreaterThan(0);
    expect(s.idleProcesses).toBe(0);
    expect(s.activeProcesses).toBe(s.totalProcesses);
  });

  it('reads a Unix-socket static pool: FPM says 0 for the listen queue and its length', () => {
    const s = parseStatusJson(fixture('status-unix-static.json'));
    expect(s).toMatchObject({ processManager: 'static', listenQueue: 0, listenQueueLen: 0 });
  });

  it('reads the plain page (?full) to the same figures, dates as epoch seconds', () => {
    const s = parseStatusText(fixture('status-tcp-dynamic-plain.txt'));
    expect(s).toMatchObject({ pool: 'www', processManager: 'dynamic', startTime: 1795690049, listenQueueLen: 4096 });
    expect(s.processes?.[0]?.requestUri).toMatch(/^\/slow\.php/);
    expect(parseStatusPage(fixture('status-tcp-dynamic-plain.txt')).format).toBe('text');
    expect(parseFpmDate('26/Nov/2026:10:47:29 +0000')).toBe(1795690049);
    expect(parseFpmDate('26/Nov/2026:12:47:29 +0200')).toBe(1795690049);
  });

  it('refuses what is not a status page', () => {
    expect(() => parseStatusJson('{"hello":1}')).toThrow(StatusParseError);
    expect(() => parseStatusJson('<html>')).toThrow(StatusParseError);
    expect(() => parseStatusText('File not found.')).toThrow(StatusParseError);
  });

  it('asks with SCRIPT_NAME and SCRIPT_FILENAME = the path and QUERY_STRING json&full', () => {
    const p = new Map(statusParams('/status', 'json&full'));
    expect(p.get('SCRIPT_NAME')).toBe('/status');
    expect(p.get('SCRIPT_FILENAME')).toBe('/status');
    expect(p.get('QUERY_STRING')).toBe('json&full');
  });
});

describe('why a page is not the status page', () => {
  it('404 File not found. is a status path the pool does not serve', () => {
    expect(
      classify(response(404, 'File not found.\n', [['X-Powered-By', 'PHP/8.2.36']], 'Primary script unknown'), '')
        .reason,
    ).toBe('not-enabled');
  });
  it('403 Access denied. is security.limit_extensions', () => {
    expect(classify(response(403, 'Access denied.\n', [['X-Powered-By', 'PHP/8.2.36']]), '').reason).toBe(
      'extension-denied',
    );
  });
  it('a PHP script that answered', () => {
    expect(classify(response(200, '<h1>Welcome</h1>', [['X-Powered-By', 'PHP/8.2.36']]), 'not JSON').reason).toBe(
      'php-script',
    );
    expect(classify(response(200, 'done', [['Content-type', 'text/html; charset=UTF-8']]), 'not JSON').reason).toBe(
      'php-script',
    );
  });
  it('the stand-in app, fcgiwrap and unknown servers are not PHP-FPM', () => {
    const serve = classify(
      response(200, '<title>fcgi-doctor serve: FastCGI works</title>', [['X-Fcgi-Doctor-Pid', '1']]),
      '',
    );
    expect(serve).toMatchObject({ reason: 'not-fpm', server: 'fcgi-doctor serve (the stand-in app)' });
    expect(
      classify(
        response(
          403,
          'Cannot get script name, are DOCUMENT_ROOT and SCRIPT_NAME (or SCRIPT_FILENAME) set and is the script executable?',
        ),
        '',
      ),
    ).toMatchObject({ reason: 'not-fpm', server: 'fcgiwrap' });
    expect(classify(response(200, 'hello world'), '').reason).toBe('not-fpm');
  });
});

describe('pool files', () => {
  it('finds the pool that listens on the target and its facts', () => {
    expect(poolServing([poolFile], tcp)?.name).toBe('www');
    expect(poolServing([poolFile], { kind: 'tcp', host: 'localhost', port: 9000 })?.name).toBe('www');
    expect(poolServing([poolFile], { kind: 'tcp', host: '127.0.0.1', port: 9001 })).toBeUndefined();
    expect(poolServing([{ ...poolFile, endpoint: { kind: 'tcp', host: '0.0.0.0', port: 9000 } }], tcp)).toBeDefined();
    const f = poolFacts(poolFile);
    expect(f).toMatchObject({
      maxChildren: 4,
      statusPath: '/fpm-status',
      statusPathAt: '/etc/php/8.2/fpm/pool.d/www.conf:30',
    });
    expect(statusPathFor(undefined, f)).toEqual({ path: '/fpm-status', source: 'pool-file' });
    expect(statusPathFor('/x', f)).toEqual({ path: '/x', source: 'option' });
    expect(statusPathFor(undefined, undefined)).toEqual({ path: '/status', source: 'default' });
    expect(fpmConfigsOfMasters([['php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)', '', '']])).toEqual([
      '/etc/php/8.2/fpm/php-fpm.conf',
    ]);
  });
});

describe('figures, intervals and thresholds', () => {
  const idle = parseStatusJson(fixture('status-tcp-dynamic-idle.json'));
  const busy = parseStatusJson(fixture('status-tcp-dynamic-saturated.json'));

  it('busy leaves out the worker answering the status request; max children from the pool file', () => {
    const d = derive(busy, tcp, poolFacts(poolFile));
    expect(d).toMatchObject({
      maxChildren: 4,
      maxChildrenSource: 'pool-file',
      busy: busy.activeProcesses - 1,
      busyOf: 'max-children',
      listenQueueMeasured: true,
    });
    expect(d.busyPercent).toBe(25);
    const unknown = derive(busy, unix, undefined);
    expect(unknown).toMatchObject({ busyOf: 'total-processes', listenQueueMeasured: false });
    expect(unknown.maxChildren).toBeUndefined();
    const staticPool = derive(parseStatusJson(fixture('status-unix-static.json')), unix, undefined);
    expect(staticPool).toMatchObject({ maxChildren: 2, maxChildrenSource: 'static-pool' });
  });

  it('counters are read as changes over the interval, our own request left out of requests per second', () => {
    const second: PoolStatus = {
      ...idle,
      acceptedConn: idle.acceptedConn + 11,
      maxChildrenReached: idle.maxChildrenReached + 2,
      slowRequests: idle.slowRequests + 1,
      listenQueue: 3,
    };
    const d = intervalDeltas(idle, second, 5);
    expect(d).toMatchObject({
      maxChildrenReached: 2,
      slowRequests: 1,
      acceptedConn: 11,
      requestsPerSecond: 2,
      restarted: false,
      listenQueue: 3,
    });
    const restarted = intervalDeltas(
      idle,
      { ...idle, startTime: idle.startTime + 100, startSince: 2, acceptedConn: 3, maxChildrenReached: 0 },
      5,
    );
    expect(restarted).toMatchObject({ restarted: true, acceptedConn: 3, maxChildrenReached: 0 });
  });

  it('a counter total since start never fails --fail-on-new; its change does', () => {
    const d = derive(idle, tcp, undefined);
    expect(idle.maxChildrenReached).toBeGreaterThan(0);
    const same = evaluateThresholds(idle, d, { failOnNew: ['max-children-reached'] }, intervalDeltas(idle, idle, 5));
    expect(same).toEqual([expect.objectContaining({ name: 'new-max-children-reached', actual: 0, held: true })]);
    const grew = evaluateThresholds(
      idle,
      d,
      { failOnNew: ['max-children-reached'] },
      intervalDeltas(idle, { ...idle, maxChildrenReached: idle.maxChildrenReached + 1 }, 5),
    );
    expect(grew[0]).toMatchObject({ held: false, actual: 1 });
  });

  it('listen queue thresholds apply on TCP and are not measured on a Unix socket', () => {
    const onTcp = evaluateThresholds(busy, derive(busy, tcp, undefined), { maxListenQueue: 2 }, undefined);
    expect(onTcp[0]).toMatchObject({ held: false, actual: busy.listenQueue });
    const onUnix = evaluateThresholds(busy, derive(busy, unix, undefined), { maxListenQueue: 0 }, undefined);
    expect(onUnix[0]).toMatchObject({ held: true });
    expect(onUnix[0]?.actual).toBeUndefined();
    const room = evaluateThresholds(
      busy,
      derive(busy, tcp, poolFacts(poolFile)),
      { minIdle: 1, maxBusyPercent: 20 },
      undefined,
    );
    expect(room.map((t) => t.held)).toEqual([false, false]);
  });
});

describe('verdicts and probes', () => {
  const busy = parseStatusJson(fixture('status-tcp-dynamic-saturated.json'));
  const idle = parseStatusJson(fixture('status-tcp-dynamic-idle.json'));
  const base = {
    target: tcp,
    where: '127.0.0.1:9000',
    path: '/status',
    pathSource: 'default' as const,
    reasons: reasons(tcp),
  };
  const waited: StatusRead = {
    kind: 'failed',
    connected: true,
    error: new FcgiClientError('timeout', 'timed out after 1 s waiting for the first byte', { phase: 'first-byte' }),
  };
  const refused: StatusRead = {
    kind: 'failed',
    connected: false,
    error: new FcgiClientError('connect-refused', 'connection refused: nobody listens on 127.0.0.1:9000', {
      phase: 'connect',
    }),
  };

  it('a healthy pool: no error, healthy', () => {
    const r = evaluate({ ...base, thresholds: {}, reads: [okRead(idle)] });
    expect(r.healthy).toBe(true);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('a saturated pool read at that moment warns (listen queue), fails only on thresholds', () => {
    const r = evaluate({ ...base, thresholds: {}, reads: [okRead(busy)] });
    expect(r.healthy).toBe(true);
    expect(r.findings.map((f) => `${f.id}:${f.severity}`)).toContain('backend-overloaded:warning');
    const strict = evaluate({ ...base, thresholds: { maxListenQueue: 0 }, reads: [okRead(busy)] });
    expect(strict.healthy).toBe(false);
    expect(strict.findings[0]).toMatchObject({ id: 'backend-overloaded', severity: 'error' });
  });

  it('all workers busy: liveness passes with a warning, readiness fails', () => {
    const live = evaluate({ ...base, probe: 'liveness', thresholds: { minIdle: 1 }, reads: [waited] });
    expect(live.probe).toMatchObject({ kind: 'liveness', passed: true });
    expect(live.findings).toEqual([expect.objectContaining({ id: 'backend-timeout', severity: 'warning' })]);
    expect(live.notes.join(' ')).toMatch(/Thresholds do not apply to --probe liveness/);
    const ready = evaluate({ ...base, probe: 'readiness', thresholds: {}, reads: [waited] });
    expect(ready.probe).toMatchObject({ kind: 'readiness', passed: false });
    expect(ready.findings[0]).toMatchObject({ id: 'backend-timeout', severity: 'error' });
    expect(ready.findings[0]?.message).toMatch(/waits in the listen backlog/);
  });

  it('nobody listening fails liveness too, in the words check uses', () => {
    const live = evaluate({ ...base, probe: 'liveness', thresholds: {}, reads: [refused] });
    expect(live.probe?.passed).toBe(false);
    expect(live.findings[0]).toMatchObject({ id: 'backend-unreachable', severity: 'error' });
  });

  it('a denied socket names the missing bit and the pool file', () => {
    const denied: StatusRead = {
      kind: 'failed',
      connected: false,
      error: new FcgiClientError('connect-denied', 'permission denied connecting to /run/php/fpm.sock', {
        phase: 'connect',
      }),
    };
    const r = evaluate({
      ...base,
      target: unix,
      where: '/run/php/fpm.sock',
      thresholds: {},
      reads: [denied],
      reasons: {
        ...reasons(unix, poolFacts({ ...poolFile, endpoint: { kind: 'unix', path: '/run/php/fpm.sock' } })),
        access: {
          user: 'nobody',
          uid: 65534,
          path: '/run/php/fpm.sock',
          isSocket: true,
          missing: ['w'],
          cls: 'other',
          modeText: 'srw-rw----',
          owner: 'root',
          group: 'root',
        },
      },
    });
    const f = r.findings[0];
    expect(f).toMatchObject({ id: 'socket-permission-denied', severity: 'error' });
    expect(f?.message).toMatch(
      /lacks write \(w\) permission on the socket \(srw-rw---- root:root\); the "other" bits apply/,
    );
    expect(f?.fix).toMatch(/pool \[www\] \(\/etc\/php\/8\.2\/fpm\/pool\.d\/www\.conf\).*listen\.mode = 0660/);
  });

  it('status path not enabled: says where to enable it', () => {
    const r = evaluate({
      ...base,
      thresholds: {},
      reads: [
        {
          kind: 'unreadable',
          reason: 'not-enabled',
          response: response(404, 'File not found.'),
          detail: '404 "File not found."',
        },
      ],
      reasons: reasons(tcp, poolFacts({ ...poolFile, settings: { 'pm.max_children': '4' }, lines: {} })),
    });
    expect(r.findings[0]).toMatchObject({ id: 'status-page-not-enabled' });
    expect(r.findings[0]?.fix).toMatch(
      /In pool \[www\] \(\/etc\/php\/8\.2\/fpm\/pool\.d\/www\.conf:1\) add "pm.status_path = \/status", then systemctl reload php8\.2-fpm/,
    );
    const live = evaluate({
      ...base,
      probe: 'liveness',
      thresholds: {},
      reads: [{ kind: 'unreadable', reason: 'not-enabled', response: response(404, 'File not found.'), detail: '' }],
    });
    expect(live.probe?.passed).toBe(true);
  });

  it('status path not enabled and no pool file found: the hint names the PHP version of the socket, never an assumed one', () => {
    const notEnabled: StatusRead = {
      kind: 'unreadable',
      reason: 'not-enabled',
      response: response(404, 'File not found.'),
      detail: '404 "File not found."',
    };
    const sock83: Target = { kind: 'unix', path: '/run/php/php8.3-fpm.sock' };
    const on83 = evaluate({
      ...base,
      target: sock83,
      where: sock83.path,
      thresholds: {},
      reads: [notEnabled],
      reasons: reasons(sock83),
    });
    expect(on83.findings[0]?.fix).toContain('/etc/php/8.3/fpm/pool.d/www.conf (Debian, Ubuntu)');
    expect(on83.findings[0]?.fix).toContain('systemctl reload php8.3-fpm');
    const onTcp = evaluate({ ...base, thresholds: {}, reads: [notEnabled], reasons: reasons(tcp) });
    expect(onTcp.findings[0]?.fix).toContain(
      '/etc/php/*/fpm/pool.d/www.conf (Debian, Ubuntu) or /etc/php-fpm.d/www.conf (RHEL)',
    );
    for (const r of [on83, onTcp]) expect(JSON.stringify(r.findings)).not.toContain('8.2');
    // A pool file found under /etc/php/8.4: its own version.
    const pool84 = poolFacts({ ...poolFile, file: '/etc/php/8.4/fpm/pool.d/www.conf', settings: {}, lines: {} });
    const found = evaluate({ ...base, thresholds: {}, reads: [notEnabled], reasons: reasons(tcp, pool84) });
    expect(found.findings[0]?.fix).toContain('then systemctl reload php8.4-fpm');
  });

  it('not PHP-FPM fails even liveness', () => {
    const r = evaluate({
      ...base,
      probe: 'liveness',
      thresholds: {},
      reads: [{ kind: 'unreadable', reason: 'not-fpm', response: response(200, 'x'), detail: '200', server: 'uWSGI' }],
    });
    expect(r.probe?.passed).toBe(false);
    expect(r.findings[0]).toMatchObject({ id: 'not-php-fpm', severity: 'error' });
  });

  it('every id status emits has an explanation page', () => {
    const ids = findingIdsOf('status');
    expect(ids).toContain('slow-request');
    for (const id of ids) expect(loadFindingDoc(id)?.id, id).toBe(id);
  });
});
