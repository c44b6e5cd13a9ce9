/**
 * src/status: a PHP-FPM pool's health from its status page. Below src/checks
 * and beside it for the CLI: it imports src/client (to ask), src/findings (to
 * say what is wrong) and of src/system only its types and the shared words of
 * a permission denial (src/system/denial.ts); what it needs of the machine
 * (the pool file: ./poolFinder.ts on src/system's interfaces; who may reach
 * the socket) and the shared words for a failed request are handed in by the
 * caller, so `status` starts without the configuration parser or /proc and
 * `check` can use the same reader.
 */
import { formatTarget, type Target } from '../client/target.js';
import { evaluate, type Probe, type StatusReport, type Thresholds } from './evaluate.js';
import type { PoolFacts } from './pool.js';
import { readStatusPage, type StatusRead } from './read.js';
import type { AccessInfo, ClientErrorDescriber } from './reasons.js';
import { statusListenTarget } from './statusListen.js';

export * from './figures.js';
export * from './pool.js';
export * from './read.js';
export * from './reasons.js';
export * from './evaluate.js';
export * from './advice.js';
export * from './words.js';
export * from './statusListen.js';

export const DEFAULT_STATUS_PATH = '/status';

export interface PoolStatusOptions {
  /** the status path; undefined: the pool file's pm.status_path, else /status */
  path?: string;
  timeoutMs: number;
  /** take two samples this far apart */
  intervalMs?: number;
  probe?: Probe;
  thresholds: Thresholds;
  toolVersion?: string;
  /** stop reading a page beyond this size (default DEFAULT_STATUS_MAX_BYTES) */
  maxResponseBytes?: number;
}

export interface PoolStatusContext {
  /** the pool file that owns the target, when it could be read */
  pool?: PoolFacts;
  /**
   * Or how to find it, called once the first request (to /status, which most
   * pools use) has an answer: when that answer is the pool's status page, the
   * hint names the pool and its workers, from which the caller can walk to the
   * master and its configuration instead of searching the machine.
   */
  findPool?: (hint?: PoolHint) => PoolFacts | undefined;
  describeClientError: ClientErrorDescriber;
  /** why this user may not reach the socket, when a connect is denied: computed lazily by the caller */
  access?: () => AccessInfo | undefined;
  sleep?: (ms: number) => Promise<void>;
}

/** What a status page tells of where the pool runs: its name and its workers' process ids. */
export interface PoolHint {
  pool: string;
  pids: number[];
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function statusPathFor(
  optionPath: string | undefined,
  pool: PoolFacts | undefined,
): { path: string; source: StatusReport['pathSource'] } {
  if (optionPath !== undefined) return { path: optionPath, source: 'option' };
  if (pool?.statusPath) return { path: pool.statusPath, source: 'pool-file' };
  return { path: DEFAULT_STATUS_PATH, source: 'default' };
}

export async function poolStatus(
  target: Target,
  opts: PoolStatusOptions,
  ctx: PoolStatusContext,
): Promise<StatusReport> {
  const readAt = (path: string, at: Target = target) =>
    readStatusPage(at, {
      path,
      timeoutMs: opts.timeoutMs,
      toolVersion: opts.toolVersion,
      maxResponseBytes: opts.maxResponseBytes,
    });
  let pool = ctx.pool;
  let firstRead: StatusRead | undefined;
  if (pool === undefined && ctx.findPool) {
    const guess = statusPathFor(opts.path, undefined).path;
    const answer = await readAt(guess);
    const hint =
      answer.kind === 'ok'
        ? { pool: answer.status.pool, pids: (answer.status.processes ?? []).map((w) => w.pid) }
        : undefined;
    pool = ctx.findPool(hint);
    // A pool file naming another status path: ask that one instead.
    if (statusPathFor(opts.path, pool).path === guess) firstRead = answer;
  }
  const { path, source } = statusPathFor(opts.path, pool);
  // pm.status_listen: the page on its own socket, answered even when every worker is busy.
  const statusTarget = statusListenTarget(pool);
  if (statusTarget) firstRead = undefined;
  const read = () => (statusTarget ? readAt(path, statusTarget) : readAt(path));
  const reads: StatusRead[] = [];
  const first = firstRead ?? (await read());
  reads.push(first);
  let intervalSeconds: number | undefined;
  // Liveness asks one question; an interval only means something for figures that were read.
  if (opts.intervalMs !== undefined && opts.probe !== 'liveness' && first.kind === 'ok') {
    await (ctx.sleep ?? realSleep)(opts.intervalMs);
    const second = await read();
    reads.push(second);
    if (second.kind === 'ok') intervalSeconds = (second.atMs - first.atMs) / 1000;
  }
  const failed = reads.find((r) => r.kind === 'failed');
  const access = failed?.kind === 'failed' && failed.error.code === 'connect-denied' ? ctx.access?.() : undefined;
  return evaluate({
    target,
    where: formatTarget(target),
    path,
    pathSource: source,
    probe: opts.probe,
    thresholds: opts.thresholds,
    reads,
    intervalSeconds,
    reasons: { target: statusTarget ?? target, path, pool, access, describeClientError: ctx.describeClientError },
    ...(statusTarget ? { statusListen: formatTarget(statusTarget) } : {}),
  });
}
