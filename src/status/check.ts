/**
 * What `check` asks of the status reader: for each backend of the
 * configuration that a PHP-FPM pool with pm.status_path serves, one read of
 * its status page, and the findings of the moment's figures — a pool at
 * pm.max_children now (max-children-reached), connections waiting in its
 * listen queue (backend-overloaded) — the same words `status` uses. A page
 * that cannot be read adds nothing here: the request step already says why
 * the backend fails.
 */
import type { Target } from '../client/target.js';
import { formatTarget } from '../client/target.js';
import type { Finding } from '../findings/finding.js';
import { derive, liveFigureFindings } from './evaluate.js';
import { poolFacts, poolServing, type PoolFile } from './pool.js';
import { readStatusPage } from './read.js';
import { statusListenTarget } from './statusListen.js';

export interface RequestedBackend {
  target: Target;
  setup?: { id: string };
}

export async function poolStatusFindings(
  requests: readonly RequestedBackend[],
  pools: readonly PoolFile[],
  opts: { timeoutMs: number; toolVersion?: string },
): Promise<Finding[]> {
  const seen = new Set<string>();
  const jobs: Promise<Finding[]>[] = [];
  for (const r of requests) {
    const key = formatTarget(r.target);
    if (seen.has(key)) continue;
    seen.add(key);
    const file = poolServing(pools, r.target);
    if (!file) continue;
    const pool = poolFacts(file);
    if (!pool.statusPath) continue;
    // pm.status_listen answers even when every worker is busy: the moment this check is for.
    const at = statusListenTarget(pool);
    jobs.push(
      readStatusPage(at ?? r.target, {
        path: pool.statusPath,
        timeoutMs: opts.timeoutMs,
        toolVersion: opts.toolVersion,
      }).then((read) => {
        if (read.kind !== 'ok') return [];
        const line = file.lines['pm.max_children'] ?? file.line;
        return liveFigureFindings(read.status, derive(read.status, r.target, pool, at !== undefined), key, pool).map(
          (f) => ({
            ...f,
            location: { file: file.file, line },
            ...(r.setup ? { setup: r.setup.id } : {}),
          }),
        );
      }),
    );
  }
  return (await Promise.all(jobs)).flat();
}
