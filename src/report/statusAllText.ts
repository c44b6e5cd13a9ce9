/**
 * `fcgi-doctor status --all` for a person: one row per pool (pool, PHP version,
 * listen, pm, active/idle/max children, listen queue, state), then each
 * failing pool's findings and the notes. Everything from pool files and
 * status pages is escaped.
 */
import type { PoolRow } from '../status/all.js';
import { escapeOneLine } from './escape.js';
import { formatFinding, formatSummary } from './findingText.js';
import type { Style } from './style.js';

const e = escapeOneLine;
/** A cell never longer than this: a socket path can be long, a row must stay readable. */
const MAX_CELL = 48;

function cell(text: string): string {
  const t = e(text);
  return t.length > MAX_CELL ? `…${t.slice(t.length - MAX_CELL + 1)}` : t;
}

/** The state column: what a person acts on. */
export function rowState(r: PoolRow): string {
  switch (r.state) {
    case 'no-status-path':
      return 'no pm.status_path (not read)';
    case 'no-listen':
      return 'no listen address (not read)';
    case 'ok':
      return r.report?.statusListen ? 'ok (via pm.status_listen)' : 'ok';
    case 'failing': {
      const first = r.report?.findings.find((f) => f.severity === 'error') ?? r.report?.findings[0];
      // The finding's title carries "[pool] " for the list below; the row already names the pool.
      return `FAIL: ${first ? first.title.replace(/^\[[^\]]*\] /, '') : 'unhealthy'}`;
    }
  }
}

function figures(r: PoolRow): { active: string; idle: string; max: string; queue: string } {
  const s = r.report?.status;
  const max = r.report?.derived?.maxChildren ?? r.pool.facts.maxChildren;
  const maxText = max !== undefined ? String(max) : '-';
  if (!s) return { active: '-', idle: '-', max: maxText, queue: '-' };
  const queue = r.report?.derived?.listenQueueMeasured ? String(s.listenQueue) : 'n/a';
  return { active: String(s.activeProcesses), idle: String(s.idleProcesses), max: maxText, queue };
}

export function formatStatusAllText(
  style: Style,
  rows: readonly PoolRow[],
  notes: readonly string[],
  opts: { quiet?: boolean } = {},
): string {
  const { c } = style;
  if (!rows.length) {
    const out = [
      'No PHP-FPM pool found: no pool file in the usual places or named by a running master (--fpm-config FILE names one).',
    ];
    if (!opts.quiet) for (const n of notes) out.push(`  ${c.dim('note:')} ${e(n)}`);
    return `${out.join('\n')}\n`;
  }
  const header = ['POOL', 'PHP', 'LISTEN', 'PM', 'ACTIVE', 'IDLE', 'MAX', 'QUEUE', 'STATE'];
  const table = rows.map((r) => {
    const f = figures(r);
    return [
      // Never shortened: the id is what tells two pools of one name apart.
      e(r.pool.id),
      cell(r.pool.phpVersion ?? '?'),
      cell(r.pool.listen ?? '-'),
      cell(r.report?.status?.processManager ?? r.pool.facts.pm ?? '-'),
      f.active,
      f.idle,
      f.max,
      f.queue,
      cell(rowState(r)),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => (i === cells.length - 1 ? x : x.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [c.dim(line(header))];
  rows.forEach((r, i) => {
    const text = line(table[i] ?? []);
    out.push(r.state === 'failing' ? c.red(text) : r.state === 'ok' ? text : c.dim(text));
  });
  const findings = rows.flatMap((r) => r.report?.findings ?? []);
  if (!opts.quiet) {
    const shown = new Set<string>();
    for (const r of rows)
      for (const n of r.report?.notes ?? []) {
        const text = `[${r.pool.id}] ${n}`;
        if (!shown.has(text) && /pm\.status_listen/.test(n)) out.push(`  ${c.dim('note:')} ${e(text)}`);
        shown.add(text);
      }
    for (const n of notes) out.push(`  ${c.dim('note:')} ${e(n)}`);
  }
  if (findings.length) {
    out.push('');
    for (const f of findings) out.push(formatFinding(style, f));
    out.push('');
    out.push(
      formatSummary(style, {
        error: findings.filter((f) => f.severity === 'error').length,
        warning: findings.filter((f) => f.severity === 'warning').length,
        info: findings.filter((f) => f.severity === 'info').length,
      }),
    );
  }
  return `${out.join('\n')}\n`;
}
