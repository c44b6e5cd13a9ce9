/**
 * `status --all`: every pool of the machine (./machine.ts) read at once, each
 * with its own deadline (--timeout), so a stuck pool costs one timeout, not
 * one per pool. A pool with pm.status_path is read as `status TARGET` reads it
 * (at its pm.status_listen when it has one); a pool without one gets a row
 * saying so, which is not a failure.
 */
import type { Finding } from '../findings/finding.js';
import type { StatusReport, Thresholds } from './evaluate.js';
import { poolStatus } from './index.js';
import type { MachinePool } from './machine.js';
import type { ClientErrorDescriber } from './reasons.js';

export type PoolRowState =
  /** the page answered and every threshold held */
  | 'ok'
  /** a threshold failed, or the page did not answer */
  | 'failing'
  /** no pm.status_path: nothing to ask (not a failure) */
  | 'no-status-path'
  /** no listen address FPM would use (it refuses such a pool): nothing to ask */
  | 'no-listen';

export interface PoolRow {
  pool: MachinePool;
  state: PoolRowState;
  /** the read and its verdict, for pools that were asked */
  report?: StatusReport;
}

export interface AllPoolsOptions {
  timeoutMs: number;
  thresholds: Thresholds;
  toolVersion?: string;
  maxResponseBytes?: number;
  /** pools asked at once: bounded, so a machine with hundreds of pools does not open hundreds of sockets */
  concurrency?: number;
}

/**
 * Pools read at once. Each read holds one socket for at most --timeout, so a
 * machine of up to this many pools, every one of them stuck, costs one
 * --timeout (a scrape or a cron run that must end); beyond it, one more per
 * this many.
 */
const DEFAULT_CONCURRENCY = 64;

export async function readAllPools(
  pools: readonly MachinePool[],
  opts: AllPoolsOptions,
  ctx: { describeClientError: ClientErrorDescriber },
): Promise<PoolRow[]> {
  const rows: PoolRow[] = new Array(pools.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < pools.length; i = next++) {
      const pool = pools[i] as MachinePool;
      rows[i] = await readOne(pool, opts, ctx);
    }
  };
  const lanes = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_CONCURRENCY, pools.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  return rows;
}

async function readOne(
  pool: MachinePool,
  opts: AllPoolsOptions,
  ctx: { describeClientError: ClientErrorDescriber },
): Promise<PoolRow> {
  if (!pool.facts.statusPath) return { pool, state: 'no-status-path' };
  if (!pool.target) return { pool, state: 'no-listen' };
  const report = await poolStatus(
    pool.target,
    {
      timeoutMs: opts.timeoutMs,
      thresholds: opts.thresholds,
      ...(opts.toolVersion !== undefined ? { toolVersion: opts.toolVersion } : {}),
      ...(opts.maxResponseBytes !== undefined ? { maxResponseBytes: opts.maxResponseBytes } : {}),
    },
    { pool: pool.facts, describeClientError: ctx.describeClientError },
  );
  report.findings = report.findings.map((f) => ownedBy(f, pool));
  return { pool, state: report.healthy ? 'ok' : 'failing', report };
}

/** A finding of one pool among many: its title names the pool, and it points at the pool file when it points nowhere. */
function ownedBy(f: Finding, pool: MachinePool): Finding {
  const named: Finding = { ...f, title: `[${pool.id}] ${f.title}` };
  if (!named.location) named.location = { file: pool.facts.file, line: pool.facts.line };
  return named;
}

/** Every finding of every pool, in row order. */
export function allFindings(rows: readonly PoolRow[]): Finding[] {
  return rows.flatMap((r) => r.report?.findings ?? []);
}

/**
 * Only the findings kept after suppressions (--ignore, the project file): a
 * row whose every error was suppressed is no longer failing.
 */
export function keepFindings(rows: readonly PoolRow[], kept: ReadonlySet<Finding>): PoolRow[] {
  return rows.map((r) => {
    if (!r.report) return r;
    const findings = r.report.findings.filter((f) => kept.has(f));
    const healthy = !findings.some((f) => f.severity === 'error');
    return { ...r, state: healthy ? 'ok' : 'failing', report: { ...r.report, findings, healthy } };
  });
}
