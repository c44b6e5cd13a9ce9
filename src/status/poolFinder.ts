/**
 * Which pool file listens on the target, on this machine's processes and
 * files: src/system's interfaces are handed in (a fixture machine in tests, the
 * live one for `status`), so the search is tested without /proc.
 */
import type { Target } from '../client/target.js';
import type { SystemProbes } from '../system/types.js';
import type { PoolHint } from './index.js';
import { fpmConfigsOfMasters, poolFacts, poolServing, type PoolFacts } from './pool.js';

/** "php-fpm: pool www": the command line PHP-FPM gives a worker of pool www. */
const isWorkerOf = (cmdline: readonly string[], pool: string) => cmdline.join(' ').trim() === `php-fpm: pool ${pool}`;

/** How to find the pool file that listens on the target, on this machine's processes and files. */
export function poolFinder(
  { processes, fpm }: Pick<SystemProbes, 'processes' | 'fpm'>,
  target: Target,
): (hint?: PoolHint) => PoolFacts | undefined {
  /**
   * The page named the pool and its workers: a worker's parent is the master,
   * whose command line names its configuration. Two small /proc files and that
   * configuration, instead of every process and the usual places. The ids come
   * from the backend: a worker of another pool, or no such process here (a pool
   * in another container or on another host), falls through to the search.
   */
  const viaMaster = (hint: PoolHint): PoolFacts | undefined => {
    for (const pid of hint.pids.slice(0, 3)) {
      const worker = processes.parentAndCommandLine(pid);
      if (!worker || !isWorkerOf(worker.cmdline, hint.pool)) continue;
      const master = processes.parentAndCommandLine(worker.ppid);
      const configs = master ? fpmConfigsOfMasters([master.cmdline]) : [];
      const found = configs.length ? poolServing(fpm.read(configs).pools, target) : undefined;
      return found ? poolFacts(found) : undefined;
    }
    return undefined;
  };
  const findPool = (hint?: PoolHint): PoolFacts | undefined => {
    const direct = hint ? viaMaster(hint) : undefined;
    if (direct) return direct;
    // The search: every installation, with whatever configuration a running master
    // was started with (a pool in a private directory, a container's own path).
    const found = poolServing(fpm.scan().pools, target);
    return found ? poolFacts(found) : undefined;
  };
  return findPool;
}
