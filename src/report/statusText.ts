/**
 * `fcgi-doctor status` for a person: the verdict first, then the pool's
 * figures, the interval, the thresholds, the notes and the findings; with
 * --verbose each worker, the longest-running requests first. Everything the
 * pool sent (pool name, request URIs, scripts, users) is escaped.
 */
import type { StatusReport } from '../status/evaluate.js';
import type { WorkerStatus } from '../status/figures.js';
import { count } from '../status/words.js';
import { escapeOneLine } from './escape.js';
import { formatFinding, formatSummary } from './findingText.js';
import type { Style } from './style.js';
import { formatBytes } from '../util/bytes.js';

export interface StatusTextOptions {
  quiet?: boolean;
  verbose?: boolean;
}

const e = escapeOneLine;
const secs = (n: number) => (Math.round(n * 10) / 10).toString();

export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function requestTime(us: number): string {
  const ms = us / 1000;
  if (ms < 1) return `${Math.round(us)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

function headline(style: Style, r: StatusReport): string {
  const { c } = style;
  const pool = r.status ? `pool ${c.bold(e(r.status.pool))} (${e(r.status.processManager)})` : 'the pool';
  if (r.probe) {
    const word =
      r.probe.kind === 'liveness' ? (r.probe.passed ? 'alive' : 'not alive') : r.probe.passed ? 'ready' : 'not ready';
    const mark = r.probe.passed
      ? r.findings.some((f) => f.severity === 'warning')
        ? style.warn
        : style.ok
      : style.fail;
    return `${mark} ${c.bold(word)}: ${pool} at ${e(r.target)} — ${e(r.probe.reason)}`;
  }
  if (r.healthy)
    return `${style.ok} ${pool} at ${e(r.target)} is healthy${r.responseMs !== undefined ? c.dim(`  (status page ${e(r.path)} answered in ${r.responseMs} ms)`) : ''}`;
  const failedThresholds = r.thresholds.filter((t) => !t.held).length;
  if (r.status && failedThresholds)
    return `${style.fail} ${pool} at ${e(r.target)}: ${count(failedThresholds, 'threshold')} not held`;
  const first = r.findings.find((f) => f.severity === 'error');
  return `${style.fail} ${pool} at ${e(r.target)}: ${first ? e(first.title) : 'unhealthy'}`;
}

function workerLine(style: Style, w: WorkerStatus, own: boolean): string {
  const busy = w.state !== 'Idle';
  const state = busy ? style.c.yellow(e(w.state).padEnd(9)) : style.c.dim(e(w.state).padEnd(9));
  const req = w.requestUri ? `${e(w.requestMethod)} ${e(w.requestUri)}` : '-';
  const tail = [
    `${busy ? 'for' : 'last took'} ${requestTime(w.requestDurationUs)}`,
    count(w.requests, 'request'),
    w.lastRequestMemory ? `mem ${formatBytes(w.lastRequestMemory)}` : '',
    w.lastRequestCpu ? `cpu ${w.lastRequestCpu.toFixed(1)}%` : '',
    w.script && w.script !== '-' ? `script ${e(w.script)}` : '',
  ].filter(Boolean);
  return `    ${String(w.pid).padStart(7)} ${state} ${req}${own ? style.c.dim(' (this status request)') : ''}  ${style.c.dim(tail.join(' · '))}`;
}

/** Busy workers first, the longest-running first; then idle ones. */
export function workersByDuration(workers: readonly WorkerStatus[]): WorkerStatus[] {
  return [...workers].sort(
    (a, b) => Number(a.state === 'Idle') - Number(b.state === 'Idle') || b.requestDurationUs - a.requestDurationUs,
  );
}

export function formatStatusText(style: Style, r: StatusReport, opts: StatusTextOptions = {}): string {
  const { c } = style;
  const out: string[] = [];
  out.push(headline(style, r));
  const s = r.status;
  const d = r.derived;
  if (s && d && !opts.quiet) {
    const label = (t: string) => `  ${c.dim(t.padEnd(11))}`;
    const of =
      d.maxChildren !== undefined
        ? `of pm.max_children ${d.maxChildren}${d.maxChildrenSource === 'static-pool' ? ' (a static pool)' : ''}`
        : 'pm.max_children unknown';
    out.push(
      `${label('workers')}${d.busy} busy, ${s.idleProcesses} idle, ${s.totalProcesses} running ${of} · ${d.busyPercent}% busy · max active ${s.maxActiveProcesses} since start${r.statusListen ? '' : c.dim(' (busy leaves out the worker answering this request)')}`,
    );
    const rate = r.interval ? ` · ${r.interval.requestsPerSecond} requests/s over ${secs(r.interval.seconds)} s` : '';
    out.push(`${label('requests')}${s.acceptedConn} accepted since start, ${duration(s.startSince)} ago${rate}`);
    // On a Unix socket FPM reads 0 here: a note says so below.
    if (d.listenQueueMeasured) {
      out.push(
        `${label('queue')}listen queue ${s.listenQueue}${r.interval && r.interval.listenQueue !== s.listenQueue ? ` (up to ${r.interval.listenQueue} in the interval)` : ''} · max ${s.maxListenQueue} since start · backlog ${s.listenQueueLen}${c.dim(' (the backlog is a size, not a queue)')}`,
      );
    }
    const delta = (n: number | undefined) =>
      n === undefined ? '' : ` (${n > 0 ? c.yellow(`+${n}`) : '+0'} in ${secs(r.interval?.seconds ?? 0)} s)`;
    out.push(
      `${label('counters')}max children reached ${s.maxChildrenReached}${delta(r.interval?.maxChildrenReached)} · slow requests ${s.slowRequests}${delta(r.interval?.slowRequests)}${r.interval ? '' : c.dim(' (totals since start: --interval 5s shows what changes now)')}`,
    );
    if (r.thresholds.length)
      out.push(
        `${label('thresholds')}${r.thresholds.map((t) => `${t.held ? style.ok : style.fail} ${e(t.text)}`).join('   ')}`,
      );
    if (r.pool)
      out.push(
        `${label('pool file')}${e(r.pool.file)}:${r.pool.line} [${e(r.pool.name)}]${r.pathSource === 'pool-file' ? ` · status path ${e(r.path)} from pm.status_path` : ''}`,
      );
    if (r.statusListen)
      out.push(
        `${label('read at')}${e(r.statusListen.target)} (pm.status_listen${r.statusListen.at ? `, ${e(r.statusListen.at)}` : ''}): answered even when every worker is busy`,
      );
  }
  if (opts.verbose && s?.processes?.length) {
    out.push(`  ${c.dim('workers, the longest-running first:')}`);
    const ownUri = `${r.path}?json&full`;
    let ownSeen = false;
    for (const w of workersByDuration(s.processes)) {
      const own = !ownSeen && w.state === 'Running' && w.requestUri === ownUri;
      if (own) ownSeen = true;
      out.push(workerLine(style, w, own));
    }
  }
  if (!opts.quiet) for (const n of r.notes) out.push(`  ${c.dim('note:')} ${e(n)}`);
  if (r.findings.length) {
    out.push('');
    for (const f of r.findings) out.push(formatFinding(style, f));
    out.push('');
    out.push(
      formatSummary(style, {
        error: r.findings.filter((f) => f.severity === 'error').length,
        warning: r.findings.filter((f) => f.severity === 'warning').length,
        info: r.findings.filter((f) => f.severity === 'info').length,
      }),
    );
  }
  return `${out.join('\n')}\n`;
}
