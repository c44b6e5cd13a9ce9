/**
 * From samples to a verdict: figures derived from the page (busy share
 * against pm.max_children, whether the listen queue is measured), the deltas
 * of an interval, the thresholds, and the probe semantics:
 * - liveness: is the pool alive? Its socket accepts connections. A pool whose
 *   workers are all busy is alive (its status request waits in the backlog):
 *   it passes, with a note, so an orchestrator does not kill it under load.
 * - readiness (and no probe): the page answers within the timeout and every
 *   threshold holds. Thresholds on counters apply to their change over
 *   --interval, never to the totals since start.
 */
import type { Target } from '../client/target.js';
import type { Finding } from '../findings/finding.js';
import { busyFix, capacityOf, fewIdleFix, queueFix } from './advice.js';
import type { PoolStatus } from './figures.js';
import type { PoolFacts } from './pool.js';
import { failedFinding, unreadableFinding, type ReasonContext } from './reasons.js';
import type { StatusRead } from './read.js';
import { statusListenAdvice } from './statusListen.js';
import { count, times } from './words.js';

/** Seconds for words: one decimal. */
const secs = (n: number) => String(Math.round(n * 10) / 10);

export type Probe = 'liveness' | 'readiness';
export type NewCounter = 'max-children-reached' | 'slow-requests';
export const NEW_COUNTERS: readonly NewCounter[] = ['max-children-reached', 'slow-requests'];

export interface Thresholds {
  maxListenQueue?: number;
  minIdle?: number;
  maxBusyPercent?: number;
  failOnNew?: readonly NewCounter[];
}

export interface Derived {
  /** pm.max_children: from the pool file, or the worker count of a static pool */
  maxChildren?: number;
  maxChildrenSource?: 'pool-file' | 'static-pool';
  /** busy workers besides the one answering this status request */
  busy: number;
  /** busy against pm.max_children (or the running workers when it is unknown) */
  busyPercent: number;
  busyOf: 'max-children' | 'total-processes';
  /** false on a Unix socket: FPM measures listen queues of TCP listeners only */
  listenQueueMeasured: boolean;
  /** the pool cannot start another worker now */
  atMaxChildren: boolean;
}

export interface IntervalDeltas {
  seconds: number;
  maxChildrenReached: number;
  slowRequests: number;
  acceptedConn: number;
  /** accepted connections per second, this tool's own second status request left out */
  requestsPerSecond: number;
  /** the pool restarted between the samples: the changes count from its restart */
  restarted: boolean;
  /** the highest listen queue of the two samples */
  listenQueue: number;
}

export interface ThresholdResult {
  name: 'max-listen-queue' | 'min-idle' | 'max-busy-percent' | 'new-max-children-reached' | 'new-slow-requests';
  limit: number;
  /** undefined: not measured (a Unix socket's listen queue) */
  actual?: number;
  held: boolean;
  text: string;
}

export interface ProbeResult {
  kind: Probe;
  passed: boolean;
  reason: string;
}

export interface StatusReport {
  target: string;
  path: string;
  pathSource: 'option' | 'pool-file' | 'default';
  pool?: PoolFacts;
  /** the last sample read */
  status?: PoolStatus;
  format?: 'json' | 'text';
  derived?: Derived;
  interval?: IntervalDeltas;
  thresholds: ThresholdResult[];
  probe?: ProbeResult;
  /** true: the pool answered and every threshold held (liveness: it is alive) */
  healthy: boolean;
  findings: Finding[];
  notes: string[];
  /** ms the status request took (the last one) */
  responseMs?: number;
  /** where the page was read when not at the target: the pool's pm.status_listen */
  statusListen?: { target: string; at?: string };
}

/**
 * viaStatusListen: the page came from pm.status_listen, answered by a worker of
 * FPM's own status pool, so no worker of this pool is busy answering it.
 */
export function derive(
  status: PoolStatus,
  target: Target,
  pool: PoolFacts | undefined,
  viaStatusListen = false,
): Derived {
  let maxChildren: number | undefined;
  let maxChildrenSource: Derived['maxChildrenSource'];
  if (pool?.maxChildren !== undefined) {
    maxChildren = pool.maxChildren;
    maxChildrenSource = 'pool-file';
  } else if (status.processManager === 'static') {
    maxChildren = status.totalProcesses;
    maxChildrenSource = 'static-pool';
  }
  const busy = Math.max(0, status.activeProcesses - (viaStatusListen ? 0 : 1));
  const of = maxChildren ?? status.totalProcesses;
  const d: Derived = {
    busy,
    busyPercent: of > 0 ? Math.round((busy / of) * 1000) / 10 : 0,
    busyOf: maxChildren !== undefined ? 'max-children' : 'total-processes',
    listenQueueMeasured: target.kind === 'tcp',
    atMaxChildren: maxChildren !== undefined && status.activeProcesses >= maxChildren,
  };
  if (maxChildren !== undefined) d.maxChildren = maxChildren;
  if (maxChildrenSource) d.maxChildrenSource = maxChildrenSource;
  return d;
}

export function intervalDeltas(first: PoolStatus, second: PoolStatus, seconds: number): IntervalDeltas {
  const restarted =
    second.startTime !== first.startTime ||
    second.startSince < first.startSince ||
    second.acceptedConn < first.acceptedConn;
  const base = restarted ? { maxChildrenReached: 0, slowRequests: 0, acceptedConn: 0 } : first;
  const accepted = Math.max(0, second.acceptedConn - base.acceptedConn);
  const secs = seconds > 0 ? seconds : 1;
  return {
    seconds: Math.round(seconds * 1000) / 1000,
    maxChildrenReached: Math.max(0, second.maxChildrenReached - base.maxChildrenReached),
    slowRequests: Math.max(0, second.slowRequests - base.slowRequests),
    acceptedConn: accepted,
    // Our second status request is one of the accepted connections.
    requestsPerSecond: Math.round((Math.max(0, accepted - 1) / secs) * 100) / 100,
    restarted,
    listenQueue: Math.max(first.listenQueue, second.listenQueue),
  };
}

export function evaluateThresholds(
  status: PoolStatus,
  derived: Derived,
  thresholds: Thresholds,
  interval: IntervalDeltas | undefined,
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  if (thresholds.maxListenQueue !== undefined) {
    const limit = thresholds.maxListenQueue;
    if (!derived.listenQueueMeasured) {
      out.push({
        name: 'max-listen-queue',
        limit,
        held: true,
        text: `listen queue not measured on a Unix socket (limit ${limit} not applied)`,
      });
    } else {
      const actual = interval ? interval.listenQueue : status.listenQueue;
      out.push({
        name: 'max-listen-queue',
        limit,
        actual,
        held: actual <= limit,
        text: `listen queue ${actual} ${actual <= limit ? '≤' : '>'} ${limit}`,
      });
    }
  }
  if (thresholds.minIdle !== undefined) {
    const limit = thresholds.minIdle;
    const actual = status.idleProcesses;
    out.push({
      name: 'min-idle',
      limit,
      actual,
      held: actual >= limit,
      text: `idle workers ${actual} ${actual >= limit ? '≥' : '<'} ${limit}`,
    });
  }
  if (thresholds.maxBusyPercent !== undefined) {
    const limit = thresholds.maxBusyPercent;
    const actual = derived.busyPercent;
    out.push({
      name: 'max-busy-percent',
      limit,
      actual,
      held: actual <= limit,
      text: `busy ${actual}% ${actual <= limit ? '≤' : '>'} ${limit}%`,
    });
  }
  for (const c of thresholds.failOnNew ?? []) {
    if (!interval) continue;
    const actual = c === 'max-children-reached' ? interval.maxChildrenReached : interval.slowRequests;
    const what = c === 'max-children-reached' ? 'max children reached' : 'slow requests';
    // The counter's name, then its change: no noun to agree with the number.
    out.push({
      name: `new-${c}`,
      limit: 0,
      actual,
      held: actual === 0,
      text: `${what} +${actual} in ${secs(interval.seconds)} s`,
    });
  }
  return out;
}

function thresholdFinding(t: ThresholdResult, report: StatusReport, status: PoolStatus, derived: Derived): Finding {
  const where = report.target;
  const ev = (text: string) => ({ kind: 'probe' as const, text: `${where} status: ${text}` });
  const poolName = `pool ${status.pool}`;
  const maxText =
    derived.maxChildren !== undefined
      ? `pm.max_children ${derived.maxChildren}${report.pool ? ` (${report.pool.file})` : ''}`
      : 'pm.max_children';
  const capacity = capacityOf(status, derived, report.pool);
  const inInterval = `in ${secs(report.interval?.seconds ?? 0)} s`;
  const n = t.actual ?? 0;
  switch (t.name) {
    case 'max-listen-queue':
      return {
        id: 'backend-overloaded',
        severity: 'error',
        title: `${count(n, 'connection')} ${n === 1 ? 'waits' : 'wait'} for a worker (listen queue over ${t.limit})`,
        message: `In ${poolName}, ${count(n, 'connection')} ${n === 1 ? 'is' : 'are'} waiting in the listen queue for a free worker (limit ${t.limit}); ${derived.busy} of ${count(derived.maxChildren ?? status.totalProcesses, 'worker')} busy. Requests wait, then time out (504) or fail when the backlog (${status.listenQueueLen}) is full.`,
        evidence: [
          ev(
            `listen queue ${status.listenQueue}, max listen queue ${status.maxListenQueue} since start, active ${status.activeProcesses}, idle ${status.idleProcesses}, total ${status.totalProcesses}, pm ${status.processManager}`,
          ),
        ],
        fix: queueFix(capacity),
      };
    case 'min-idle':
    case 'max-busy-percent':
      return {
        id: 'pool-busy',
        severity: 'error',
        title:
          t.name === 'min-idle'
            ? `${n === 0 ? 'No idle worker' : `Only ${count(n, 'idle worker')}`} (fewer than ${t.limit})`
            : `${t.actual}% of the workers are busy (over ${t.limit}%)`,
        message: `${poolName} (pm = ${status.processManager}) has ${count(status.idleProcesses, 'idle worker')} and ${count(derived.busy, 'busy worker')} besides the one answering this status request, ${derived.busyOf === 'max-children' ? `${status.totalProcesses} running of ${maxText}` : `${status.totalProcesses} running (pm.max_children unknown: the pool file could not be read)`}: ${t.text}.`,
        evidence: [
          ev(
            `idle ${status.idleProcesses}, active ${status.activeProcesses}, total ${status.totalProcesses}, max active ${status.maxActiveProcesses} since start, pm ${status.processManager}`,
          ),
        ],
        fix:
          t.name === 'min-idle' ? fewIdleFix(capacity, t.limit) : busyFix(capacity, derived.busyOf === 'max-children'),
      };
    case 'new-max-children-reached':
      return {
        id: 'max-children-reached',
        severity: 'error',
        title: `The pool reached pm.max_children ${times(n)} ${inInterval}`,
        message: `During the interval, ${poolName} wanted more workers than ${maxText} allows ${times(n)}: requests waited in the listen queue.`,
        evidence: [ev(`max children reached ${status.maxChildrenReached} since start, +${n} ${inInterval}`)],
        fix: `Raise ${maxText} if memory allows (each worker needs about its memory_limit), or find what keeps workers busy (the slow log).`,
      };
    case 'new-slow-requests':
      return {
        id: 'slow-request',
        severity: 'error',
        title: `${count(n, 'request')} slower than request_slowlog_timeout ${inInterval}`,
        message: `During the interval, ${count(n, 'request')} of ${poolName} ran longer than request_slowlog_timeout${report.pool?.slowlogTimeout ? ` (${report.pool.slowlogTimeout})` : ''}.`,
        evidence: [ev(`slow requests ${status.slowRequests} since start, +${n} ${inInterval}`)],
        fix: "Read the pool's slow log (slowlog =): it holds a stack trace of each slow request.",
      };
  }
}

/** Warnings from the figures of one moment, with no threshold asked: shared with `check`. */
export function liveFigureFindings(
  status: PoolStatus,
  derived: Derived,
  where: string,
  pool: PoolFacts | undefined,
): Finding[] {
  const out: Finding[] = [];
  const ev = (text: string) => ({ kind: 'probe' as const, text: `${where} status: ${text}` });
  const figures = `active ${status.activeProcesses}, idle ${status.idleProcesses}, total ${status.totalProcesses}, listen queue ${status.listenQueue}`;
  if (derived.atMaxChildren && derived.maxChildren !== undefined) {
    out.push({
      id: 'max-children-reached',
      severity: 'warning',
      title: `Pool ${status.pool} is at pm.max_children (${derived.maxChildren}) now`,
      message: `Every worker of pool ${status.pool} (${derived.maxChildren}, pm.max_children${pool ? ` in ${pool.file}` : ''}) was busy when its status page answered, counting the one that answered: the next request waits in the listen queue.`,
      evidence: [ev(figures)],
      fix: `Raise pm.max_children${pool ? ` in ${pool.file}` : ''} if memory allows, or find what keeps workers busy (request_slowlog_timeout and the slow log).`,
    });
  }
  if (derived.listenQueueMeasured && status.listenQueue > 0) {
    const q = status.listenQueue;
    out.push({
      id: 'backend-overloaded',
      severity: 'warning',
      title: `${count(q, 'connection')} of pool ${status.pool} ${q === 1 ? 'waits' : 'wait'} for a worker`,
      message: `Pool ${status.pool}'s listen queue holds ${count(q, 'connection')} (at most ${status.maxListenQueue} since start, backlog ${status.listenQueueLen}): requests wait for a free worker.`,
      evidence: [ev(figures)],
      fix: queueFix(capacityOf(status, derived, pool)),
    });
  }
  return out;
}

export interface EvaluateInput {
  target: Target;
  where: string;
  path: string;
  pathSource: StatusReport['pathSource'];
  probe?: Probe;
  thresholds: Thresholds;
  reads: StatusRead[];
  /** wall-clock seconds between the two reads, when there were two */
  intervalSeconds?: number;
  reasons: ReasonContext;
  /** the page was read at the pool's pm.status_listen (this address), not at the target */
  statusListen?: string;
}

export function evaluate(input: EvaluateInput): StatusReport {
  const { probe } = input;
  const report: StatusReport = {
    target: input.where,
    path: input.path,
    pathSource: input.pathSource,
    thresholds: [],
    healthy: false,
    findings: [],
    notes: [],
  };
  if (input.reasons.pool) report.pool = input.reasons.pool;
  if (input.statusListen !== undefined) {
    report.statusListen = { target: input.statusListen };
    if (input.reasons.pool?.statusListenAt) report.statusListen.at = input.reasons.pool.statusListenAt;
    report.notes.push(
      `read at the pool's pm.status_listen ${input.statusListen}${input.reasons.pool?.statusListenAt ? ` (${input.reasons.pool.statusListenAt})` : ''}: FPM answers it from a worker of its own, so the figures count only the pool's requests and the page answers even when every worker is busy.`,
    );
  }
  const oks = input.reads.filter((r): r is Extract<StatusRead, { kind: 'ok' }> => r.kind === 'ok');
  const last = oks[oks.length - 1];
  const failure = input.reads.find((r): r is Exclude<StatusRead, { kind: 'ok' }> => r.kind !== 'ok');
  if (last) {
    report.status = last.status;
    report.format = last.format;
    report.responseMs = Math.round(last.response.timings.totalMs * 10) / 10;
    report.derived = derive(last.status, input.target, input.reasons.pool, input.statusListen !== undefined);
    if (!report.derived.listenQueueMeasured)
      report.notes.push('listen queue: PHP-FPM measures it only on TCP listeners; on a Unix socket it always reads 0.');
    if (report.derived.maxChildren === undefined)
      report.notes.push(
        'pm.max_children unknown (the status page does not say it and no readable pool file listens here): busy share is of the running workers.',
      );
  }
  const first = oks[0];
  if (first && last && first !== last && input.intervalSeconds !== undefined) {
    report.interval = intervalDeltas(first.status, last.status, input.intervalSeconds);
    if (report.interval.restarted)
      report.notes.push('The pool restarted between the two samples: its counters started again from 0.');
  }
  if (report.status?.processManager === 'static' && input.thresholds.failOnNew?.includes('max-children-reached')) {
    report.notes.push(
      'A pm = static pool never counts "max children reached": watch the listen queue (TCP) and idle workers instead.',
    );
  }
  if (input.thresholds.failOnNew?.includes('slow-requests') && report.pool && !report.pool.slowlogTimeout) {
    report.notes.push(
      `PHP-FPM counts slow requests only when request_slowlog_timeout is set; ${report.pool.file} does not set it.`,
    );
  }

  if (probe === 'liveness') {
    report.probe = liveness(report, failure, input);
    if (input.statusListen === undefined && saturated(report, failure))
      report.notes.push(statusListenAdvice(report.pool));
    report.healthy = report.probe.passed;
    return report;
  }
  if (failure) {
    report.findings.push(
      failure.kind === 'failed' ? failedFinding(failure, input.reasons) : unreadableFinding(failure, input.reasons),
    );
  }
  if (last && report.derived) {
    report.thresholds = evaluateThresholds(last.status, report.derived, input.thresholds, report.interval);
    for (const t of report.thresholds)
      if (!t.held) report.findings.push(thresholdFinding(t, report, last.status, report.derived));
    if (!failure) {
      const ids = new Set(report.findings.map((f) => f.id));
      for (const f of liveFigureFindings(last.status, report.derived, input.where, input.reasons.pool))
        if (!ids.has(f.id)) report.findings.push(f);
    }
  }
  report.healthy = !report.findings.some((f) => f.severity === 'error');
  if (input.statusListen === undefined && saturated(report, failure))
    report.notes.push(statusListenAdvice(report.pool));
  if (probe === 'readiness') {
    const bad = report.findings.find((f) => f.severity === 'error');
    report.probe = {
      kind: 'readiness',
      passed: report.healthy,
      reason: bad
        ? bad.title
        : `the status page answered in ${report.responseMs ?? 0} ms${report.thresholds.length ? ' and every threshold held' : ''}`,
    };
  }
  return report;
}

/** Every worker busy now: the status request waited out its deadline, the pool is at pm.max_children, or connections queue. */
function saturated(report: StatusReport, failure: Exclude<StatusRead, { kind: 'ok' }> | undefined): boolean {
  if (failure?.kind === 'failed' && failure.connected && failure.error.code === 'timeout') return true;
  if (failure?.kind === 'failed' && failure.error.code === 'connect-overloaded') return true;
  return report.derived?.atMaxChildren === true || (report.status?.listenQueue ?? 0) > 0;
}

function liveness(
  report: StatusReport,
  failure: Exclude<StatusRead, { kind: 'ok' }> | undefined,
  input: EvaluateInput,
): ProbeResult {
  const asked = input.thresholds;
  if (
    asked.maxListenQueue !== undefined ||
    asked.minIdle !== undefined ||
    asked.maxBusyPercent !== undefined ||
    asked.failOnNew?.length
  ) {
    report.notes.push(
      'Thresholds do not apply to --probe liveness: a busy pool is alive. Use them with --probe readiness.',
    );
  }
  if (!failure)
    return {
      kind: 'liveness',
      passed: true,
      reason: `the pool answered its status page in ${report.responseMs ?? 0} ms`,
    };
  if (failure.kind === 'failed') {
    const f = failedFinding(failure, input.reasons);
    if (failure.connected && failure.error.code === 'timeout') {
      report.findings.push({ ...f, severity: 'warning' });
      return {
        kind: 'liveness',
        passed: true,
        reason:
          'the socket accepts connections, but every worker is busy: the status request waited in the listen backlog (alive, not ready)',
      };
    }
    if (failure.error.code === 'connect-overloaded') {
      report.findings.push({ ...f, severity: 'warning' });
      return {
        kind: 'liveness',
        passed: true,
        reason: 'the socket exists and is listened on, but its listen backlog is full (alive, overloaded)',
      };
    }
    report.findings.push(f);
    return { kind: 'liveness', passed: false, reason: f.title };
  }
  const f = unreadableFinding(failure, input.reasons);
  // Not PHP-FPM at all: no pool is there to be alive, and a probe pointed at the wrong thing must say so.
  if (failure.reason === 'not-fpm') {
    report.findings.push(f);
    return { kind: 'liveness', passed: false, reason: f.title };
  }
  // PHP-FPM answered, though not with the page asked for: the pool is alive.
  report.findings.push({ ...f, severity: 'warning' });
  return { kind: 'liveness', passed: true, reason: `the backend answered FastCGI (but: ${f.title})` };
}
