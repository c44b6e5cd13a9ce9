import type { Finding } from '../findings/finding.js';
import { summarize } from '../findings/finding.js';
import type { LogNotice, ScanStats } from '../logs/index.js';
import { escapeOneLine } from './escape.js';
import { formatFinding, formatSummary } from './findingText.js';
import type { Style } from './style.js';
import { formatBytes } from '../util/bytes.js';

export interface LogsReport {
  target: string;
  findings: Finding[];
  notices: LogNotice[];
  stats: ScanStats;
  exitCode: number;
}

export function formatLogsText(style: Style, r: LogsReport, opts: { quiet?: boolean } = {}): string {
  const { c } = style;
  const out: string[] = [];
  if (!opts.quiet) {
    out.push(
      c.bold('fcgi-doctor logs'),
      `  read  ${escapeOneLine(r.target)}`,
      c.dim(
        `  ${r.stats.lines} line${r.stats.lines === 1 ? '' : 's'}, ${formatBytes(r.stats.bytes)}; ${r.stats.matchedLines} about FastCGI${r.stats.skippedBySince ? `, ${r.stats.skippedBySince} older than --since skipped` : ''}${r.stats.bytesSkippedBySince ? `, ${formatBytes(r.stats.bytesSkippedBySince)} older than --since passed over` : ''}${r.stats.foldedLines ? `, ${r.stats.foldedLines} folded into findings without their values listed` : ''}`,
      ),
      '',
    );
  }
  // Where a log that is not a file here can be read is a note, as `check` shows it; the rest are warnings.
  for (const n of r.notices)
    out.push(
      n.code === 'elsewhere' ? c.dim(`note: ${escapeOneLine(n.message)}`) : `${style.warn} ${escapeOneLine(n.message)}`,
      '',
    );
  for (const f of r.findings) {
    if (opts.quiet && f.severity === 'info') continue;
    out.push(formatFinding(style, f), '');
  }
  if (r.findings.length === 0 && r.notices.every((n) => n.code === 'elsewhere') && !opts.quiet)
    out.push(`${style.ok} no known FastCGI problem in these logs`, '');
  const verdict =
    r.exitCode === 0
      ? c.green('no error found')
      : r.exitCode === 1
        ? c.red('problems found')
        : c.red('a log could not be read');
  out.push(`${formatSummary(style, summarize(r.findings))} — ${verdict} (exit ${r.exitCode})`);
  return `${out.join('\n')}\n`;
}
