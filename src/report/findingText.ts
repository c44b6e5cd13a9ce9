import type { Finding } from '../findings/finding.js';
import { capList, capText, moreNote, SHOWN } from './cap.js';
import { escapeControl, escapeOneLine } from './escape.js';
import type { Style } from './style.js';

function severityLabel(style: Style, severity: Finding['severity']): string {
  if (severity === 'error') return style.c.red.bold('error');
  if (severity === 'warning') return style.c.yellow.bold('warning');
  return style.c.blue('info');
}

function indent(text: string, prefix: string): string {
  // One line (the usual case): no split, map and join.
  if (text.indexOf('\n') === -1) return prefix + text;
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/**
 * One finding as a block a person reads: what, where, why we think so, what
 * to do. `margin` starts every line (a finding nested under its setup).
 * Long texts and long evidence lists are cut (cap.ts): JSON has them whole.
 */
export function formatFinding(style: Style, f: Finding, margin = ''): string {
  const mark = f.severity === 'error' ? style.fail : f.severity === 'warning' ? style.warn : style.c.blue('i');
  const inner = `${margin}    `;
  const lines = [
    `${margin}${mark} ${severityLabel(style, f.severity)} ${style.c.bold(escapeOneLine(capText(f.title, SHOWN.title)))} ${style.c.dim(`[${escapeOneLine(f.id)}]`)}`,
  ];
  if (f.location) {
    const at = `${f.location.file}${f.location.line !== undefined ? `:${f.location.line}` : ''}`;
    const via = f.location.includedFrom?.length
      ? style.c.dim(` (included from ${f.location.includedFrom.map(escapeOneLine).join(' → ')})`)
      : '';
    lines.push(`${inner}at ${style.c.cyan(escapeOneLine(capText(at, SHOWN.line)))}${via}`);
  }
  // A log rule without a message of its own repeats its title: said once.
  if (f.message !== f.title) lines.push(indent(escapeControl(capText(f.message, SHOWN.text)), inner));
  const evidence = capList(f.evidence, SHOWN.evidence);
  for (const e of evidence.shown)
    lines.push(margin + style.c.dim(`    ${escapeOneLine(e.kind)}: `) + escapeOneLine(capText(e.text, SHOWN.line)));
  if (evidence.more) lines.push(margin + style.c.dim(`    ${moreNote(evidence.more, 'evidence lines')}`));
  if (f.fix)
    lines.push(
      `${inner}${style.c.green('fix:')} ${indent(escapeControl(capText(f.fix, SHOWN.text)), inner).trimStart()}`,
    );
  return lines.join('\n');
}

export function formatSummary(style: Style, summary: { error: number; warning: number; info: number }): string {
  const parts = [
    summary.error ? style.c.red(`${summary.error} error${summary.error === 1 ? '' : 's'}`) : '0 errors',
    summary.warning ? style.c.yellow(`${summary.warning} warning${summary.warning === 1 ? '' : 's'}`) : '0 warnings',
    `${summary.info} info`,
  ];
  return parts.join(', ');
}
