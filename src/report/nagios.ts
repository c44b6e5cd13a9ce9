/**
 * A Nagios / Icinga plugin's output: one status line
 * `FCGI-DOCTOR STATE - what | perfdata` and the plugin exit codes
 * (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), so `ping` and `check` run as
 * monitoring checks from an existing engine.
 */
import type { Finding, Severity } from '../findings/finding.js';
import { summarize } from '../findings/finding.js';
import type { LogNotice, ScanStats } from '../logs/index.js';
import type { CheckedSummary } from './checkSummary.js';
import { capText, SHOWN } from './cap.js';
import { escapeOneLine } from './escape.js';
import { statusLine } from './httpStatus.js';
import type { PingReport } from './pingText.js';

export type NagiosState = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export const NAGIOS_EXIT: Record<NagiosState, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export interface PerfDatum {
  label: string;
  value: number;
  /** '', 's', 'ms', 'B', '%', 'c' */
  uom?: string;
  warn?: number;
  crit?: number;
  min?: number;
  max?: number;
}

export interface NagiosInput {
  findings: readonly Finding[];
  /** the exit status of the other formats: 2 (the tool could not do its job) is UNKNOWN */
  exitCode: number;
  /** with `--fail-on warning`, warnings are CRITICAL too */
  failOn?: Severity;
  /** what the OK line says ("200 OK from /run/php/fpm.sock in 1.2 ms") */
  okText?: string;
  /** why the tool could not do its job, for UNKNOWN */
  failure?: string;
  /** perfdata beyond the finding counts */
  perf?: PerfDatum[];
  /** how many findings a suppression took out */
  suppressed?: number;
}

export function nagiosState(findings: readonly Finding[], exitCode: number, failOn: Severity = 'error'): NagiosState {
  if (exitCode === 2) return 'UNKNOWN';
  const s = summarize(findings);
  if (s.error > 0 || (failOn === 'warning' && s.warning > 0)) return 'CRITICAL';
  if (s.warning > 0) return 'WARNING';
  return 'OK';
}

/**
 * Plugin text is one line, and `|` starts the performance data. Line breaks
 * and tabs become spaces; other control characters (ESC, BEL, C1, bidi
 * overrides: a monitoring UI or a terminal could act on them) become visible
 * escapes.
 */
export function nagiosText(text: string): string {
  return escapeOneLine(capText(text, SHOWN.line).replace(/[\r\n\t\v\f]+/g, ' '))
    .replace(/\|/g, '/')
    .replace(/ {2,}/g, ' ')
    .trim();
}

function perfNumber(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '';
  return String(Number(n.toPrecision(6)));
}

function perfLabel(label: string): string {
  const clean = label.replace(/['=]/g, '_');
  return /[\s]/.test(clean) ? `'${clean}'` : clean;
}

export function formatPerfDatum(p: PerfDatum): string {
  const tail = [p.warn, p.crit, p.min, p.max].map(perfNumber);
  while (tail.length && tail[tail.length - 1] === '') tail.pop();
  return `${perfLabel(p.label)}=${perfNumber(p.value)}${p.uom ?? ''}${tail.length ? `;${tail.join(';')}` : ''}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatNagios(input: NagiosInput): { text: string; exitCode: number; state: NagiosState } {
  const state = nagiosState(input.findings, input.exitCode, input.failOn);
  const s = summarize(input.findings);
  let what: string;
  if (state === 'UNKNOWN') {
    what =
      input.failure ?? input.findings.find((f) => f.severity === 'error')?.title ?? 'the check could not be completed';
  } else if (state === 'OK') {
    const counts =
      s.warning || s.info
        ? ` (${[s.warning ? plural(s.warning, 'warning') : '', s.info ? `${s.info} info` : ''].filter(Boolean).join(', ')})`
        : '';
    what = `${input.okText ?? 'no problem found'}${counts}`;
  } else {
    const worst =
      input.findings.find((f) => f.severity === 'error') ?? input.findings.find((f) => f.severity === 'warning');
    const counts = [s.error ? plural(s.error, 'error') : '', s.warning ? plural(s.warning, 'warning') : '']
      .filter(Boolean)
      .join(', ');
    what = `${counts}: ${worst ? `${worst.title} [${worst.id}]` : ''}`;
  }
  const perf: PerfDatum[] = [
    ...(input.perf ?? []),
    { label: 'errors', value: s.error, min: 0 },
    { label: 'warnings', value: s.warning, min: 0 },
    { label: 'info', value: s.info, min: 0 },
  ];
  if (input.suppressed) {
    what += ` (${input.suppressed} suppressed)`;
    perf.push({ label: 'suppressed', value: input.suppressed, min: 0 });
  }
  const text = `FCGI-DOCTOR ${state} - ${nagiosText(what)} | ${perf.map(formatPerfDatum).join(' ')}\n`;
  return { text, exitCode: NAGIOS_EXIT[state], state };
}

/** The line for a failure before any check ran (bad arguments, an internal error). */
export function formatNagiosUnknown(reason: string): string {
  return `FCGI-DOCTOR UNKNOWN - ${nagiosText(reason)}\n`;
}

/** What a command hands over for its OK line and performance data. */
export type NagiosSubject =
  | { kind: 'ping'; report: PingReport }
  | { kind: 'check'; summary: CheckedSummary; unreadable?: Finding }
  | { kind: 'logs'; stats: ScanStats; notices: LogNotice[] };

export function nagiosFigures(subject: NagiosSubject): Pick<NagiosInput, 'okText' | 'failure' | 'perf'> {
  if (subject.kind === 'check') {
    const s = subject.summary;
    // check FILE: the setups it covers, not another site's.
    const n = s.setups.filter((x) => !x.elsewhere).length;
    return {
      okText: `${plural(n, 'FastCGI setup')} in ${s.targetFile ?? s.rootFile}, no error`,
      failure: subject.unreadable ? `${subject.unreadable.title}: ${subject.unreadable.message}` : undefined,
      perf: [{ label: 'setups', value: n, min: 0 }],
    };
  }
  if (subject.kind === 'logs') {
    const st = subject.stats;
    // A note of where a log that is not a file can be read ('elsewhere') is no failure of the read.
    const failed = subject.notices.filter((x) => x.code !== 'elsewhere');
    return {
      okText: `no known FastCGI problem in ${plural(st.lines, 'log line')}`,
      failure: failed.length ? failed.map((x) => x.message).join('; ') : undefined,
      perf: [
        { label: 'lines', value: st.lines, min: 0 },
        { label: 'matched', value: st.matchedLines, min: 0 },
      ],
    };
  }
  const report = subject.report;
  const l = report.load;
  if (l) {
    return {
      okText: `${l.completed} of ${plural(l.count, 'request')} to ${report.target} ok, ${Math.round(l.requestsPerSecond)} requests/s`,
      perf: [
        { label: 'requests_per_second', value: l.requestsPerSecond, min: 0 },
        { label: 'latency_median', value: l.latencyMs.median / 1000, uom: 's', min: 0 },
        { label: 'latency_p99', value: l.latencyMs.p99 / 1000, uom: 's', min: 0 },
        { label: 'failed', value: l.failed, min: 0, max: l.count },
      ],
    };
  }
  const r = report.response;
  if (r) {
    return {
      okText: `${statusLine(r.status, r.statusText)} from ${report.target} in ${r.timings.totalMs.toFixed(1)} ms`,
      perf: [
        { label: 'time', value: r.timings.totalMs / 1000, uom: 's', min: 0 },
        { label: 'size', value: r.body.length, uom: 'B', min: 0 },
      ],
    };
  }
  return { okText: `${report.target} answered`, perf: [] };
}
