import type { SuppressedFinding } from '../findings/suppress.js';
import { capList, moreNote } from './cap.js';
import { escapeOneLine } from './escape.js';
import type { Style } from './style.js';

/**
 * The suppressed findings under a text report: counted always (none is dropped
 * silently), listed with their reasons and where each suppression is written
 * with --verbose. Empty when nothing was suppressed.
 */
export function formatSuppressedText(style: Style, suppressed: readonly SuppressedFinding[], verbose = false): string {
  if (suppressed.length === 0) return '';
  const { c } = style;
  const ids = [...new Set(suppressed.map((s) => s.finding.id))];
  const out = [
    c.dim(
      `${suppressed.length} finding${suppressed.length === 1 ? '' : 's'} suppressed (${escapeOneLine(ids.join(', '))})${verbose ? ':' : '; --verbose lists them'}`,
    ),
  ];
  if (verbose) {
    // Bounded like every list a person reads; JSON lists them all.
    const list = capList(suppressed, 200);
    for (const { finding: f, entry } of list.shown) {
      const at = f.location
        ? ` at ${f.location.file}${f.location.line !== undefined ? `:${f.location.line}` : ''}`
        : '';
      out.push(`  ${c.dim('-')} ${f.severity} ${escapeOneLine(f.title)} [${escapeOneLine(f.id)}]${escapeOneLine(at)}`);
      out.push(`    ${c.dim('suppressed by')} ${escapeOneLine(entry.source)}: ${escapeOneLine(entry.reason)}`);
    }
    if (list.more) out.push(c.dim(`  ${moreNote(list.more, 'suppressed findings')}`));
  }
  return `${out.join('\n')}\n`;
}
