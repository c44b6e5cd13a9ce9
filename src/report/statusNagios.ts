/**
 * `status --format nagios`: one plugin line, `FCGI-DOCTOR STATE - what | perfdata`,
 * with performance data for every figure of the page (and of the interval),
 * the thresholds asked as warn/crit ranges. Built on nagios.ts's helpers.
 * OK 0, WARNING 1 (a note worth a look: alive but busy), CRITICAL 2 (a
 * threshold or the probe failed), UNKNOWN 3 (the tool could not run).
 */
import type { StatusReport } from '../status/evaluate.js';
import { formatPerfDatum, NAGIOS_EXIT, nagiosState, nagiosText, type PerfDatum } from './nagios.js';

function perf(r: StatusReport): string[] {
  const out: string[] = [];
  const s = r.status;
  const d = r.derived;
  const limit = (name: string) => r.thresholds.find((t) => t.name === name)?.limit;
  if (r.responseMs !== undefined)
    out.push(formatPerfDatum({ label: 'time', value: r.responseMs / 1000, uom: 's', min: 0 }));
  if (s && d) {
    const max = d.maxChildren;
    const data: PerfDatum[] = [
      { label: 'active_processes', value: s.activeProcesses, min: 0, ...(max !== undefined ? { max } : {}) },
      { label: 'busy_processes', value: d.busy, min: 0, ...(max !== undefined ? { max } : {}) },
      { label: 'total_processes', value: s.totalProcesses, min: 0, ...(max !== undefined ? { max } : {}) },
      { label: 'max_active_processes', value: s.maxActiveProcesses, min: 0 },
      { label: 'busy_percent', value: d.busyPercent, uom: '%', crit: limit('max-busy-percent'), min: 0, max: 100 },
      { label: 'accepted_conn', value: s.acceptedConn, uom: 'c', min: 0 },
      { label: 'max_children_reached', value: s.maxChildrenReached, uom: 'c', min: 0 },
      { label: 'slow_requests', value: s.slowRequests, uom: 'c', min: 0 },
      { label: 'start_since', value: s.startSince, uom: 's', min: 0 },
    ];
    if (d.maxChildren !== undefined) data.push({ label: 'max_children', value: d.maxChildren, min: 0 });
    if (d.listenQueueMeasured) {
      data.push(
        {
          label: 'listen_queue',
          value: s.listenQueue,
          crit: limit('max-listen-queue'),
          min: 0,
          max: s.listenQueueLen || undefined,
        },
        { label: 'max_listen_queue', value: s.maxListenQueue, min: 0 },
        { label: 'listen_queue_len', value: s.listenQueueLen, min: 0 },
      );
    }
    out.push(...data.map(formatPerfDatum));
    // "idle below N" is the range "N:" (alert outside N..∞), which PerfDatum's numbers cannot say.
    const minIdle = limit('min-idle');
    out.push(
      `idle_processes=${s.idleProcesses};;${minIdle !== undefined ? `${minIdle}:` : ''};0${max !== undefined ? `;${max}` : ''}`,
    );
    if (r.interval) {
      out.push(
        formatPerfDatum({ label: 'requests_per_second', value: r.interval.requestsPerSecond, min: 0 }),
        formatPerfDatum({
          label: 'new_max_children_reached',
          value: r.interval.maxChildrenReached,
          crit: limit('new-max-children-reached'),
          min: 0,
        }),
        formatPerfDatum({
          label: 'new_slow_requests',
          value: r.interval.slowRequests,
          crit: limit('new-slow-requests'),
          min: 0,
        }),
      );
    }
  }
  return out;
}

export function formatStatusNagios(
  r: StatusReport,
  exitCode: number,
  suppressed = 0,
): { text: string; exitCode: number } {
  const state = nagiosState(r.findings, exitCode);
  const worst = r.findings.find((f) => f.severity === 'error') ?? r.findings.find((f) => f.severity === 'warning');
  const s = r.status;
  const figures =
    s && r.derived
      ? `pool ${s.pool}: ${r.derived.busy} busy, ${s.idleProcesses} idle${r.derived.maxChildren !== undefined ? ` of ${r.derived.maxChildren}` : ''}${r.derived.listenQueueMeasured ? `, listen queue ${s.listenQueue}` : ''}${r.interval ? `, ${r.interval.requestsPerSecond} req/s` : ''}`
      : r.target;
  let what: string;
  if (r.probe)
    what = `${r.probe.kind} ${r.probe.passed ? 'passed' : 'failed'}: ${r.probe.reason}${worst && r.probe.passed ? ` [${worst.id}]` : ''} (${figures})`;
  else if (state === 'OK') what = `${figures}`;
  else what = `${worst ? `${worst.title} [${worst.id}]` : 'unhealthy'} (${figures})`;
  if (suppressed) what += ` (${suppressed} suppressed)`;
  const p = perf(r);
  if (suppressed) p.push(formatPerfDatum({ label: 'suppressed', value: suppressed, min: 0 }));
  const text = `FCGI-DOCTOR ${state} - ${nagiosText(what)}${p.length ? ` | ${p.join(' ')}` : ''}\n`;
  return { text, exitCode: NAGIOS_EXIT[state] };
}
