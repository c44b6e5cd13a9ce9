import type { FindingDoc } from '../findings/docs.js';
import type { RuleExplanation, RuleSummary } from '../logs/index.js';
import { escapeControl, escapeOneLine } from './escape.js';
import type { Style } from './style.js';

export type Explanation =
  | { kind: 'finding'; doc: FindingDoc; rules: RuleExplanation[] }
  | { kind: 'rule'; rule: RuleExplanation; doc: FindingDoc | undefined };

function severity(style: Style, s: string): string {
  return s === 'error' ? style.c.red(s) : s === 'warning' ? style.c.yellow(s) : style.c.blue(s);
}

/** Markdown headings in bold, the rest as written: the pages are meant to read well as plain text. */
function renderBody(style: Style, body: string): string {
  return escapeControl(body)
    .split('\n')
    .map((l) => (l.startsWith('## ') ? style.c.bold(l.slice(3)) : l))
    .join('\n')
    .trim();
}

function ruleBlock(style: Style, r: RuleExplanation): string[] {
  const lines = [
    `${style.c.bold(r.id)} ${style.c.dim(`(${r.software.join(', ')}, ${r.severity})`)}: ${escapeOneLine(r.title)}`,
  ];
  for (const e of r.examples.slice(0, 2)) lines.push(style.c.dim(`    ${escapeOneLine(e)}`));
  return lines;
}

export function formatExplainText(style: Style, x: Explanation): string {
  const { c } = style;
  const out: string[] = [];
  if (x.kind === 'finding') {
    out.push(
      `${c.bold(x.doc.id)} ${severity(style, x.doc.severity)} — ${escapeOneLine(x.doc.title)}`,
      c.dim(`applies to: ${x.doc.appliesTo.join(', ')}`),
      '',
      renderBody(style, x.doc.body),
    );
    if (x.rules.length) {
      out.push('', c.bold('Log lines that prove it'));
      for (const r of x.rules) out.push(...ruleBlock(style, r));
    }
  } else {
    const r = x.rule;
    out.push(
      `${c.bold(r.id)} ${severity(style, r.severity)} — ${escapeOneLine(r.title)}`,
      c.dim(`log rule of ${r.software.join(', ')}; its finding id: ${r.finding}`),
      '',
    );
    out.push(
      c.bold('What it means'),
      escapeControl(r.explanation.trim()),
      '',
      c.bold('How to fix'),
      escapeControl(r.fix.trim()),
    );
    if (r.examples.length) out.push('', c.bold('Example lines'), ...r.examples.map((e) => `  ${escapeOneLine(e)}`));
    if (r.links.length) out.push('', c.bold('Read more'), ...r.links.map((l) => `  ${escapeOneLine(l)}`));
    if (x.doc) out.push('', c.dim(`fcgi-doctor explain ${r.finding} — the cause in general`));
  }
  return `${out.join('\n')}\n`;
}

export function formatRulesText(
  style: Style,
  rules: RuleSummary[],
  findings: Array<{ id: string; severity: string; title: string; parts: readonly string[] }>,
): string {
  const { c } = style;
  const out = [c.bold(`Finding ids (${findings.length}): fcgi-doctor explain ID`)];
  const w = Math.max(...findings.map((f) => f.id.length), 10);
  const pw = Math.max(...findings.map((f) => f.parts.join(',').length), 10);
  for (const f of findings) {
    out.push(
      `  ${f.id.padEnd(w)}  ${severity(style, f.severity.padEnd(7))}  ${(f.parts.join(',') || '-').padEnd(pw)}  ${escapeOneLine(f.title)}`,
    );
  }
  out.push('', c.bold(`Log rules (${rules.length}): the messages fcgi-doctor logs recognises`));
  const rw = Math.max(...rules.map((r) => r.id.length), 10);
  for (const r of rules)
    out.push(
      `  ${r.id.padEnd(rw)}  ${severity(style, r.severity.padEnd(7))}  ${r.software.join(',').padEnd(16)}  ${escapeOneLine(r.title)}`,
    );
  return `${out.join('\n')}\n`;
}
