/**
 * What to change when a pool has too few idle workers, too many busy ones, or
 * connections waiting: the answer depends on the process manager and on
 * whether the pool may still start workers (fewer running than
 * pm.max_children). Raising pm.max_children helps only a pool that runs them
 * all; a pm = dynamic pool below it keeps pm.min_spare_servers idle, and a
 * pm = ondemand pool keeps none by design. The numbers come from the status
 * page (what runs now) and the pool file (the limits), when it was read.
 */
import type { Derived } from './evaluate.js';
import type { PoolStatus } from './figures.js';
import type { PoolFacts } from './pool.js';
import { count } from './words.js';

export interface Capacity {
  /** the process manager the page reports: what runs now */
  pm: string;
  running: number;
  idle: number;
  /** busy besides the worker answering the status request */
  busy: number;
  maxChildren?: number;
  pool?: PoolFacts;
}

export function capacityOf(status: PoolStatus, derived: Derived, pool: PoolFacts | undefined): Capacity {
  const c: Capacity = {
    pm: status.processManager,
    running: status.totalProcesses,
    idle: status.idleProcesses,
    busy: derived.busy,
  };
  if (derived.maxChildren !== undefined) c.maxChildren = derived.maxChildren;
  if (pool) c.pool = pool;
  return c;
}

/** true: the pool may start more workers now; false: it runs all pm.max_children allows; undefined: pm.max_children unknown. */
export function hasRoom(c: Capacity): boolean | undefined {
  if (c.pm === 'static') return false;
  return c.maxChildren === undefined ? undefined : c.running < c.maxChildren;
}

/** "pm.max_children 4 (/etc/php/8.3/fpm/pool.d/www.conf:113)" */
function maxChildrenText(c: Capacity): string {
  const where = c.pool ? ` (${c.pool.maxChildrenAt ?? c.pool.file})` : '';
  return c.maxChildren !== undefined ? `pm.max_children ${c.maxChildren}${where}` : `pm.max_children${where}`;
}

const MORE_WORKERS =
  'if memory allows (each worker needs about its memory_limit), or find what keeps workers busy (request_slowlog_timeout and the slow log)';

/** The pool runs every worker it may: only more of them, or faster requests, help. */
function raiseMaxChildren(c: Capacity): string {
  const runs =
    c.pm === 'static'
      ? `pm = static runs exactly ${maxChildrenText(c)} workers`
      : c.maxChildren !== undefined
        ? `Every worker ${maxChildrenText(c)} allows is running (${c.running})`
        : `All ${count(c.running, 'worker')} running may be all pm.max_children allows (the pool file could not be read to tell)`;
  return `${runs}: raise pm.max_children ${MORE_WORKERS}.`;
}

/** "The pool has room: 2 of pm.max_children 4 (…) are running" */
function roomText(c: Capacity): string {
  return `The pool has room: ${c.running} of ${maxChildrenText(c)} ${c.running === 1 ? 'is' : 'are'} running, so pm.max_children need not change.`;
}

/**
 * The fix for `--min-idle LIMIT` not held. The worker answering the status
 * request is busy while it answers, so the page shows one idle worker fewer
 * than the pool keeps: LIMIT idle needs LIMIT + 1 kept, and can never hold
 * when LIMIT reaches pm.max_children.
 */
export function fewIdleFix(c: Capacity, limit: number): string {
  const need = limit + 1;
  if (c.maxChildren !== undefined && need > c.maxChildren) {
    return `--min-idle ${limit} can never hold: ${maxChildrenText(c)} allows ${count(c.maxChildren, 'worker')} in all, and one of them answers this status request. Lower --min-idle, or raise pm.max_children if memory allows.`;
  }
  const room = hasRoom(c);
  if (room === false) return raiseMaxChildren(c);
  const lead = room ? `${roomText(c)} ` : '';
  const ownWorker = `one more than --min-idle ${limit}, as the worker answering this status request is not idle while it answers`;
  if (c.pm === 'ondemand') {
    return `${lead}pm = ondemand keeps no idle workers: it starts one when a request comes, up to pm.max_children, and stops it after pm.process_idle_timeout, so --min-idle does not measure this pool's readiness. Use --max-busy-percent or --max-listen-queue (TCP) instead, or switch the pool to pm = dynamic with pm.min_spare_servers = ${need} (${ownWorker}) if workers must be kept ready.`;
  }
  if (c.pm === 'dynamic') {
    const min = c.pool?.minSpareServers;
    const where = c.pool ? ` (${c.pool.minSpareServersAt ?? c.pool.file})` : ' in the pool file';
    const unknownMax =
      room === undefined
        ? ` Raise pm.max_children only if all of them already run (${c.running} now; the pool file could not be read to tell).`
        : '';
    if (min !== undefined && min >= need) {
      return `${lead}pm.min_spare_servers is already ${min}${where}: FPM starts the missing idle workers on its once-a-second check (a few at a time), so this reading came while it caught up with a burst. If it repeats, raise pm.start_servers and pm.min_spare_servers, or find what keeps workers busy (the slow log).${unknownMax}`;
    }
    const now = min !== undefined ? `, ${min} now` : '';
    return `${lead}A pm = dynamic pool keeps pm.min_spare_servers workers idle${now}: set pm.min_spare_servers = ${need}${where}, ${ownWorker} (pm.max_spare_servers at least that, pm.start_servers between the two), and reload PHP-FPM.${unknownMax}`;
  }
  return raiseMaxChildren(c);
}

/** The fix for busy workers over --max-busy-percent. */
export function busyFix(c: Capacity, busyOfMaxChildren: boolean): string {
  if (!busyOfMaxChildren && c.pm !== 'static') {
    return `The share is of the ${count(c.running, 'worker')} running, not of pm.max_children (the pool file could not be read): a pm = ${c.pm} pool below pm.max_children starts more as requests come. Run status where it can read the pool file, or use --max-listen-queue (TCP); if pm.max_children is ${c.running}, raise it ${MORE_WORKERS}.`;
  }
  return `Raise ${maxChildrenText(c)} ${MORE_WORKERS}.`;
}

/** The fix for connections waiting in the listen queue. */
export function queueFix(c: Capacity): string {
  if (hasRoom(c) !== true) return `Raise ${maxChildrenText(c)} ${MORE_WORKERS}.`;
  if (c.pm === 'ondemand') {
    return `${roomText(c)} pm = ondemand starts a worker only when a connection waits, so bursts queue while workers start: switch the pool to pm = dynamic with spare workers (pm.min_spare_servers) to keep them ready.`;
  }
  const min = c.pool?.minSpareServers;
  return `${roomText(c)} A pm = dynamic pool starts workers on its once-a-second check, so a burst waits for them: keep more ready with pm.min_spare_servers${min !== undefined ? ` (${min} now${c.pool?.minSpareServersAt ? `, ${c.pool.minSpareServersAt}` : ''})` : ''} and pm.start_servers, or find what keeps workers busy (the slow log).`;
}
