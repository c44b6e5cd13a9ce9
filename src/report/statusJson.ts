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

/**
 * The pool of `status TARGET` in the shape of a `status --all` pool (its
 * `pool` line in jsonl), so one dashboard reads both: the pool file's facts
 * when it was found (null when not), the target as `listen`, and the read.
 */
export function singlePoolJson(r: StatusReport): Record<string, unknown> {
  const one = statusJsonExtras(r);
  const name = r.pool?.name ?? r.status?.pool ?? null;
  return {
    id: name ?? r.target,
    name,
    phpVersion: null,
    config: null,
    masterPid: null,
    file: r.pool?.file ?? null,
    line: r.pool?.line ?? null,
    listen: r.target,
    pm: r.status?.processManager ?? r.pool?.pm ?? null,
    maxChildren: r.derived?.maxChildren ?? r.pool?.maxChildren ?? null,
    statusPath: r.path,
    statusListen: r.pool?.statusListen ?? null,
    state: r.healthy ? 'ok' : 'failing',
    healthy: r.healthy,
    pool: one.pool,
    statusRead: one.statusListen,
    thresholds: one.thresholds,
    notes: one.notes,
    findings: r.findings.map((f) => f.id),
    interval: one.interval,
    probe: one.probe,
  };
}
