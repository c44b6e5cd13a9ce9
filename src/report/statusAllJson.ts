/**
 * What `status --all --format json` adds to the envelope: `healthy` (every pool
 * asked answered and held its thresholds), `pools` (one object per pool: `id`,
 * `name`, `phpVersion`, `config`, `file`, `line`, `listen`, `statusPath`,
 * `statusListen`, `state`, and for a pool that was asked `healthy`, `pool` — the
 * figures as `status --format json` gives them — and `notes`), and `notes`.
 */
import type { PoolRow } from '../status/all.js';
import { statusJsonExtras } from './statusJson.js';

export function statusAllJsonExtras(rows: readonly PoolRow[], notes: readonly string[]): Record<string, unknown> {
  return {
    healthy: rows.every((r) => r.state !== 'failing'),
    pools: rows.map(poolJson),
    notes,
  };
}

/** One pool of `status --all`, as the JSON lists it and as each `pool` line of jsonl carries it. */
export function poolJson(r: PoolRow): Record<string, unknown> {
  const p = r.pool;
  const out: Record<string, unknown> = {
    id: p.id,
    name: p.name,
    phpVersion: p.phpVersion ?? null,
    config: p.config,
    masterPid: p.masterPid ?? null,
    file: p.facts.file,
    line: p.facts.line,
    listen: p.listen ?? null,
    pm: p.facts.pm ?? null,
    maxChildren: p.facts.maxChildren ?? null,
    statusPath: p.facts.statusPath ?? null,
    statusListen: p.facts.statusListen ?? null,
    state: r.state,
  };
  if (r.report) {
    const one = statusJsonExtras(r.report);
    Object.assign(out, {
      healthy: one.healthy,
      pool: one.pool,
      statusRead: one.statusListen,
      thresholds: one.thresholds,
      notes: one.notes,
      findings: r.report.findings.map((f) => f.id),
    });
  }
  return out;
}
