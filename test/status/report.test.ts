import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import type { FcgiResponse } from '../../src/client/request.js';
import type { Target } from '../../src/client/target.js';
import { statusJsonExtras } from '../../src/report/statusJson.js';
import { formatStatusNagios } from '../../src/report/statusNagios.js';
import { formatStatusText } from '../../src/report/statusText.js';
import { createStyle } from '../../src/report/style.js';
import { evaluate, parseStatusJson, type PoolStatus } from '../../src/status/index.js';

const tcp: Target = { kind: 'tcp', host: '127.0.0.1', port: 9000 };
const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'php-fpm', name), 'utf8');
const resp = {
  status: 200,
  statusText: 'OK',
  headers: [],
  body: Buffer.alloc(0),
  problems: [],
  stderr: '',
  raw: {} as FcgiResponse['raw'],
  timings: { connectMs: 1, firstByteMs: 2, totalMs: 2.5 },
} as FcgiResponse;

function report(status: PoolStatus, extra: Partial<Parameters<typeof evaluate>[0]> = {}) {
  return evaluate({
    target: tcp,
    where: '127.0.0.1:9000',
    path: '/status',
    pathSource: 'default',
    thresholds: {},
    reads: [{ kind: 'ok', status, format: 'json', response: resp, atMs: 0, elapsedMs: 2 }],
    reasons: { target: tcp, path: '/status', describeClientError: findingForClientError },
    ...extra,
  });
}

describe('status reporters', () => {
  const busy = parseStatusJson(fixture('status-tcp-dynamic-saturated.json'));

  it('text escapes what the pool sent and lists workers longest-running first with -v', () => {
    const hostile: PoolStatus = {
      ...busy,
      pool: 'www\u001b]0;pwned\u0007',
      processes: busy.processes?.map((w, i) => ({ ...w, requestUri: i === 0 ? '/x\u001b[2J' : w.requestUri })),
    };
    const text = formatStatusText(createStyle(), report(hostile), { verbose: true });
    expect(text).not.toMatch(/\u001b/);
    expect(text).toContain('\\e]0;pwned');
    const durations = [...text.matchAll(/for (\d+(?:\.\d+)?) (µs|ms|s)/g)].map(
      (m) => Number(m[1]) * (m[2] === 's' ? 1e6 : m[2] === 'ms' ? 1e3 : 1),
    );
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
  });

  it("text says busy leaves out the status request's own worker only when the page was read at the pool's socket", () => {
    const atSocket = formatStatusText(createStyle(), report(busy));
    expect(atSocket).toContain('busy leaves out the worker answering this request');
    // At pm.status_listen a worker of FPM's own answers: every busy worker of the pool counts.
    const atStatusListen = formatStatusText(createStyle(), report(busy, { statusListen: '127.0.0.1:9001' }));
    expect(atStatusListen).toContain("read at the pool's pm.status_listen 127.0.0.1:9001");
    expect(atStatusListen).not.toContain('busy leaves out the worker answering this request');
  });

  it('JSON has the figures under camelCase names, derived figures and the probe', () => {
    const j = statusJsonExtras(report(busy)) as { pool: Record<string, unknown>; probe: unknown; interval: unknown };
    for (const k of [
      'pool',
      'processManager',
      'startSince',
      'acceptedConn',
      'listenQueue',
      'maxListenQueue',
      'listenQueueLen',
      'idleProcesses',
      'activeProcesses',
      'totalProcesses',
      'maxActiveProcesses',
      'maxChildrenReached',
      'slowRequests',
      'busy',
      'busyPercent',
      'listenQueueMeasured',
      'processes',
    ]) {
      expect(j.pool, k).toHaveProperty(k);
    }
    expect(j.interval).toBeNull();
  });

  it('nagios: one line, perfdata for every figure, CRITICAL on a failed threshold', () => {
    const ok = formatStatusNagios(report(parseStatusJson(fixture('status-tcp-dynamic-idle.json'))), 0);
    expect(ok.exitCode).toBe(0);
    expect(ok.text).toMatch(/^FCGI-DOCTOR OK - pool www: /);
    for (const label of [
      'active_processes',
      'idle_processes',
      'total_processes',
      'max_active_processes',
      'busy_percent',
      'accepted_conn',
      'listen_queue',
      'max_listen_queue',
      'listen_queue_len',
      'max_children_reached',
      'slow_requests',
      'start_since',
      'time',
    ]) {
      expect(ok.text, label).toMatch(new RegExp(`[ |]${label}=`));
    }
    const r = report(busy, { thresholds: { maxListenQueue: 0, minIdle: 2 } });
    const crit = formatStatusNagios(r, 1);
    expect(crit.exitCode).toBe(2);
    expect(crit.text).toMatch(/^FCGI-DOCTOR CRITICAL - .*\[backend-overloaded\]/);
    expect(crit.text).toMatch(/listen_queue=\d+;;0;0;4096/);
    expect(crit.text).toMatch(/idle_processes=0;;2:;0/);
    expect(crit.text.trimEnd().split('\n')).toHaveLength(1);
  });
});
