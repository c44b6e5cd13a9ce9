import type { ExpectationResult } from '../client/expectations.js';
import type { LoadResult } from '../client/load.js';
import type { FcgiResponse } from '../client/request.js';
import type { Finding } from '../findings/finding.js';
import { capList, capText, moreNote, SHOWN } from './cap.js';
import { escapeControl, escapeOneLine } from './escape.js';
import { formatFinding } from './findingText.js';
import { statusLine } from './httpStatus.js';
import type { Style } from './style.js';

export interface PingReport {
  target: string;
  response?: FcgiResponse;
  expectations: ExpectationResult[];
  findings: Finding[];
  load?: LoadResult;
  managementValues?: Map<string, string>;
  /** likely causes of a failure, in a line or two */
  hints?: string[];
}

export interface PingTextOptions {
  /** body bytes shown before "(truncated)"; undefined: all */
  bodyLimit?: number;
  quiet?: boolean;
  verbose?: boolean;
}

const ms = (n: number) => (n < 10 ? `${n.toFixed(2)} ms` : n < 100 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`);

export function formatPingText(style: Style, report: PingReport, opts: PingTextOptions = {}): string {
  const out: string[] = [];
  const { c } = style;
  const failed = report.findings.some((f) => f.severity === 'error');
  const r = report.response;
  if (report.managementValues) {
    out.push(c.bold(`FCGI_GET_VALUES from ${escapeOneLine(report.target)}`));
    // Names come from the backend as much as values do: both are escaped.
    for (const [k, v] of report.managementValues) out.push(`  ${escapeOneLine(k)} = ${escapeOneLine(v)}`);
    if (report.managementValues.size === 0) out.push('  (the backend answered none of the variables)');
    out.push('');
  }
  if (r && !opts.quiet) {
    const mark = failed ? style.fail : style.ok;
    const statusText = escapeOneLine(statusLine(r.status, r.statusText));
    out.push(
      `${mark} ${c.bold(statusText)} from ${escapeOneLine(report.target)}  ${c.dim(`connect ${ms(r.timings.connectMs)} · first byte ${ms(r.timings.firstByteMs)} · total ${ms(r.timings.totalMs)}`)}`,
    );
    for (const e of report.expectations)
      out.push(
        `  ${e.held ? style.ok : style.fail} ${escapeOneLine(e.what)}${e.held ? '' : c.dim(` (${escapeOneLine(e.actual)})`)}`,
      );
    out.push('');
    // A backend can send a huge header block (cap.ts): the first headers, and how many more.
    const headers = capList(r.headers, SHOWN.headers);
    for (const [name, value] of headers.shown)
      out.push(`${c.cyan(escapeOneLine(capText(name, SHOWN.line)))}: ${escapeOneLine(capText(value, SHOWN.line))}`);
    if (headers.more) out.push(c.dim(moreNote(headers.more, 'headers')));
    if (r.headers.length) out.push('');
    if (r.body.length) {
      // Output with no end of headers is not a body: its start is enough to see what went wrong.
      const unparsed = r.status === 0 && r.problems.length > 0;
      const limit = opts.verbose
        ? undefined
        : unparsed
          ? Math.min(opts.bodyLimit ?? SHOWN.unparsedBytes, SHOWN.unparsedBytes)
          : opts.bodyLimit;
      const shown = limit !== undefined && r.body.length > limit ? r.body.subarray(0, limit) : r.body;
      out.push(escapeControl(shown.toString('utf8')).replace(/\n$/, ''));
      if (shown.length < r.body.length)
        out.push(c.dim(`… (body truncated: ${shown.length} of ${r.body.length} bytes shown; --verbose shows all)`));
    } else {
      out.push(c.dim('(empty body)'));
    }
    if (r.stderr) {
      out.push('', c.yellow.bold('stderr:'));
      out.push(c.yellow(escapeControl(r.stderr).replace(/\n$/, '')));
      if (r.raw.stderrDropped) out.push(c.dim(`… (${r.raw.stderrDropped} more bytes of stderr not kept)`));
    }
    out.push('');
  }
  if (report.load) out.push(formatLoad(style, report.load), '');
  for (const f of report.findings) {
    if (opts.quiet && f.severity === 'info') continue;
    out.push(formatFinding(style, f), '');
  }
  if (!r && !report.load && !report.managementValues && !failed)
    out.push(`${style.ok} ${escapeOneLine(report.target)}`);
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function formatLoad(style: Style, load: LoadResult): string {
  const { c } = style;
  const l = load.latencyMs;
  const lines = [
    c.bold(`${load.count} requests, concurrency ${load.concurrency}: ${load.completed} ok, ${load.failed} failed`),
    `  ${Math.round(load.requestsPerSecond)} requests/s over ${ms(load.elapsedMs)}`,
    `  latency min ${ms(l.min)} · median ${ms(l.median)} · p99 ${ms(l.p99)} · max ${ms(l.max)}`,
  ];
  for (const f of load.failures.slice(0, 5)) lines.push(`  ${style.fail} ${f.count}× ${escapeOneLine(f.message)}`);
  return lines.join('\n');
}
