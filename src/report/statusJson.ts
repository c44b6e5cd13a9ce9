/**
 * What `status --format json` adds to the envelope, under documented names
 * (README, "status"): `pool` (the page's figures in camelCase, with
 * `maxChildren`, `busy`, `busyPercent` and `listenQueueMeasured` derived, and
 * `processes` longest-running first), `poolFile`, `interval`, `thresholds`,
 * `probe`, `healthy`, `statusPath`, `notes`. Strings from the pool are left as
 * they are: JSON.stringify escapes them.
 */
import type { StatusReport } from '../status/evaluate.js';
import { workersByDuration } from './statusText.js';

export function statusJsonExtras(r: StatusReport): Record<string, unknown> {
  const extras: Record<string, unknown> = {
    healthy: r.healthy,
    statusPath: r.path,
    statusPathSource: r.pathSource,
  };
  if (r.status && r.derived) {
    const { processes, ...figures } = r.status;
    const d = r.derived;
    extras.pool = {
      ...figures,
      maxChildren: d.maxChildren ?? null,
      maxChildrenSource: d.maxChildrenSource ?? null,
      busy: d.busy,
      busyPercent: d.busyPercent,
      busyOf: d.busyOf,
      atMaxChildren: d.atMaxChildren,
      listenQueueMeasured: d.listenQueueMeasured,
      responseMs: r.responseMs ?? null,
      ...(processes ? { processes: workersByDuration(processes) } : {}),
    };
  } else {
    extras.pool = null;
  }
  if (r.pool)
    extras.poolFile = {
      name: r.pool.name,
      file: r.pool.file,
      line: r.pool.line,
      pm: r.pool.pm ?? null,
      maxChildren: r.pool.maxChildren ?? null,
      statusPath: r.pool.statusPath ?? null,
      statusListen: r.pool.statusListen ?? null,
    };
  // Where the page was read: the pool's pm.status_listen, or null for the target itself.
  extras.statusListen = r.statusListen ? { target: r.statusListen.target, at: r.statusListen.at ?? null } : null;
  extras.interval = r.interval ?? null;
  extras.thresholds = r.thresholds;
  extras.probe = r.probe ?? null;
  extras.notes = r.notes;
  return extras;
}
