/**
 * src/status: a PHP-FPM pool's health from its status page. Below src/checks
 * and beside it for the CLI: it imports only src/client (to ask) and
 * src/findings (to say what is wrong); what it needs of the machine (the pool
 * file, who may reach the socket) and the shared words for a failed request
 * are handed in by the caller, so `status` starts without the configuration
 * parser and `check` can use the same reader.
 */
import { formatTarget, type Target } from '../client/target.js';
import { evaluate, type Probe, type StatusReport, type Thresholds } from './evaluate.js';
import type { PoolFacts } from './pool.js';
import { readStatusPage, type StatusRead } from './read.js';
import type { AccessInfo, ClientErrorDescriber } from './reasons.js';

export * from './figures.js';
export * from './pool.js';
export * from './read.js';
export * from './reasons.js';
export * from './evaluate.js';

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
}

export interface PoolStatusContext {
  /** the pool file that owns the target, when it could be read */
  pool?: PoolFacts;
  /**
   * Or how to find it: called while the first request to /status is under way,
   * since most pools use that path and the search reads files.
   */
  findPool?: () => PoolFacts | undefined;
  describeClientError: ClientErrorDescriber;
  /** why this user may not reach the socket, when a connect is denied: computed lazily by the caller */
  access?: () => AccessInfo | undefined;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function statusPathFor(optionPath: string | undefined, pool: PoolFacts | undefined): { path: string; source: StatusReport['pathSource'] } {
  if (optionPath !== undefined) return { path: optionPath, source: 'option' };
  if (pool?.statusPath) return { path: pool.statusPath, source: 'pool-file' };
  return { path: DEFAULT_STATUS_PATH, source: 'default' };
}

export async function poolStatus(target: Target, opts: PoolStatusOptions, ctx: PoolStatusContext): Promise<StatusReport> {
  const readAt = (path: string) => readStatusPage(target, { path, timeoutMs: opts.timeoutMs, toolVersion: opts.toolVersion });
  let pool = ctx.pool;
  let firstRead: Promise<StatusRead> | undefined;
  if (pool === undefined && ctx.findPool) {
    const guess = statusPathFor(opts.path, undefined).path;
    const speculative = readAt(guess);
    // Let the connect and the request go out, then look for the pool file while PHP-FPM answers.
    await new Promise<void>((resolve) => setImmediate(resolve));
    pool = ctx.findPool();
    // A pool file naming another status path: ask that one instead.
    if (statusPathFor(opts.path, pool).path === guess) firstRead = speculative;
  }
  const { path, source } = statusPathFor(opts.path, pool);
  const read = () => readAt(path);
  const reads: StatusRead[] = [];
  const first = await (firstRead ?? read());
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
    reasons: { target, path, pool, access, describeClientError: ctx.describeClientError },
  });
}
