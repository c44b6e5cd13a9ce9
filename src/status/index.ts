/**
 * src/status: a PHP-FPM pool's health from its status page. Below src/checks
 * and beside it for the CLI: it imports src/client (to ask), src/findings (to
 * say what is wrong), src/fpm (listen addresses; every pool of the machine for
 * `status --all`, machine.ts) and of src/system its types, its FpmPools seam and
 * the shared words of a permission denial (src/system/denial.ts); what it needs
 * of the machine (the pool file: ./poolFinder.ts on src/system's interfaces; who
 * may reach the socket) and the shared words for a failed request are handed in
 * by the caller, so `status` reads the configuration and /proc only when it looks
 * for the pool file, and `check` uses the same reader.
 */
import { monotonicMs } from '../client/clock.js';
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

/**
 * How long the pool's own socket has to answer before `status` looks for its pm.status_listen.
 * A pool with a free worker answers its status page in a few milliseconds.
 */
export const STATUS_LISTEN_HEAD_START_MS = 300;

/** The read if it ends within `ms`, else undefined (the read goes on). */
async function within(read: Promise<StatusRead>, ms: number): Promise<StatusRead | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function poolStatus(
  target: Target,
  opts: PoolStatusOptions,
  ctx: PoolStatusContext,
): Promise<StatusReport> {
  const startedAt = monotonicMs();
  const readAt = (path: string, at: Target = target, more: { signal?: AbortSignal; timeoutMs?: number } = {}) =>
    readStatusPage(at, {
      path,
      timeoutMs: more.timeoutMs ?? opts.timeoutMs,
      toolVersion: opts.toolVersion,
      maxResponseBytes: opts.maxResponseBytes,
      ...(more.signal ? { signal: more.signal } : {}),
    });
  let pool = ctx.pool;
  let firstRead: StatusRead | undefined;
  /** firstRead came from pm.status_listen already. */
  let readAtStatusListen = false;
  if (pool === undefined && ctx.findPool) {
    const guess = statusPathFor(opts.path, undefined).path;
    /*
     * Which pool file owns the target is known only after a look: either from the status page
     * (it names the pool and its workers, whose master names its configuration: two /proc files),
     * or from a search of every installation (the parser and /proc). Reading at pm.status_listen
     * first would need that search on every run, and `status` starts fast: a free worker answers
     * in milliseconds. So the two race under one deadline, the pool's own socket with a head start:
     * when it has not answered by then (every worker busy, its request waiting in the listen
     * queue), the pool file is searched, and when it names pm.status_listen the page is read
     * there with what is left of the deadline (FPM answers it from a worker of its own,
     * sapi/fpm/fpm/fpm_conf.c: fpm_conf_post_process, fpm_worker_pool_shared_status_alloc), and
     * the read queued at the pool's socket is abandoned. Without pm.status_listen, that read goes
     * on as before, within the same --timeout.
     */
    const abandon = new AbortController();
    const own = readAt(guess, target, { signal: abandon.signal });
    const headStart = Math.min(STATUS_LISTEN_HEAD_START_MS, Math.floor(opts.timeoutMs / 4));
    const early = await within(own, headStart);
    if (early) {
      const hint =
        early.kind === 'ok'
          ? { pool: early.status.pool, pids: (early.status.processes ?? []).map((w) => w.pid) }
          : undefined;
      pool = ctx.findPool(hint);
      // A pool file naming another status path: ask that one instead.
      if (statusPathFor(opts.path, pool).path === guess) firstRead = early;
    } else {
      pool = ctx.findPool();
      const listenAt = statusListenTarget(pool);
      if (listenAt) {
        abandon.abort();
        own.catch(() => undefined); // abandoned: its end no longer matters
        const left = Math.max(1, opts.timeoutMs - (monotonicMs() - startedAt));
        firstRead = await readAt(statusPathFor(opts.path, pool).path, listenAt, { timeoutMs: left });
        readAtStatusListen = true;
      } else {
        const answer = await own;
        if (statusPathFor(opts.path, pool).path === guess) firstRead = answer;
      }
    }
  }
  const { path, source } = statusPathFor(opts.path, pool);
  // pm.status_listen: the page on its own socket, answered even when every worker is busy.
  const statusTarget = statusListenTarget(pool);
  if (statusTarget && !readAtStatusListen) firstRead = undefined;
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
