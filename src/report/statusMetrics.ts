/**
 * `status --format openmetrics` (one pool, or every pool with --all) and the
 * scrapes of `status --serve-metrics`: PHP-FPM's figures as metric families.
 *
 * Types follow what FPM counts (php-src sapi/fpm/fpm/fpm_status.c,
 * fpm_status_handle_request, and fpm_scoreboard.h): accepted conn, slow
 * requests and max children reached only ever grow until the pool restarts,
 * so they are counters (_total); the listen queue and the process counts are
 * gauges; the high-water marks (max listen queue, max active processes) are
 * gauges under their own names, not counters, since they do not count events.
 * The listen queue is measured by FPM on TCP listeners only (Unix sockets
 * always say 0): on a Unix socket it is left out rather than exported as a
 * reassuring 0.
 */
import type { StatusReport } from '../status/evaluate.js';
import type { PoolRow } from '../status/all.js';
import {
  type Exposition,
  formatMetrics,
  type MetricFamily,
  type MetricUnit,
  msToSeconds,
  runFamilies,
} from './metrics.js';

type Labels = Record<string, string | undefined>;

/** One pool as the families see it: its labels, and its read when it was asked. */
export interface PoolMetricsInput {
  labels: Labels;
  report?: StatusReport;
  /** pm.max_children from the pool file, for a pool that was not asked */
  maxChildren?: number;
  /** false: the pool file sets no pm.status_path, so there is nothing to ask */
  statusPathSet: boolean;
}

interface Figure {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  unit?: MetricUnit;
  value: (r: StatusReport) => number | undefined;
}

const FIGURES: readonly Figure[] = [
  {
    name: 'fcgi_doctor_pool_healthy',
    type: 'gauge',
    help: '1 when the pool answered and every threshold held, else 0',
    value: (r) => (r.healthy ? 1 : 0),
  },
  {
    name: 'fcgi_doctor_fpm_accepted_connections',
    type: 'counter',
    help: 'Connections the pool accepted since it started (PHP-FPM accepted conn)',
    value: (r) => r.status?.acceptedConn,
  },
  {
    name: 'fcgi_doctor_fpm_slow_requests',
    type: 'counter',
    help: 'Requests slower than request_slowlog_timeout since the pool started (PHP-FPM slow requests)',
    value: (r) => r.status?.slowRequests,
  },
  {
    name: 'fcgi_doctor_fpm_max_children_reached',
    type: 'counter',
    help: 'Times the pool wanted a worker beyond pm.max_children since it started (PHP-FPM max children reached)',
    value: (r) => r.status?.maxChildrenReached,
  },
  {
    name: 'fcgi_doctor_fpm_listen_queue',
    type: 'gauge',
    help: 'Connections waiting for a free worker now (TCP listeners only: FPM does not measure Unix sockets)',
    value: (r) => (r.derived?.listenQueueMeasured ? r.status?.listenQueue : undefined),
  },
  {
    name: 'fcgi_doctor_fpm_max_listen_queue',
    type: 'gauge',
    help: 'Highest listen queue since the pool started, a high-water mark (TCP listeners only)',
    value: (r) => (r.derived?.listenQueueMeasured ? r.status?.maxListenQueue : undefined),
  },
  {
    name: 'fcgi_doctor_fpm_listen_queue_length',
    type: 'gauge',
    help: 'Size of the listen backlog, the most connections that can wait (TCP listeners only)',
    value: (r) => (r.derived?.listenQueueMeasured ? r.status?.listenQueueLen : undefined),
  },
  {
    name: 'fcgi_doctor_fpm_idle_processes',
    type: 'gauge',
    help: 'Idle workers',
    value: (r) => r.status?.idleProcesses,
  },
  {
    name: 'fcgi_doctor_fpm_active_processes',
    type: 'gauge',
    help: 'Busy workers, the one answering this status request included unless read at pm.status_listen',
    value: (r) => r.status?.activeProcesses,
  },
  {
    name: 'fcgi_doctor_fpm_total_processes',
    type: 'gauge',
    help: 'Workers running, idle and busy',
    value: (r) => r.status?.totalProcesses,
  },
  {
    name: 'fcgi_doctor_fpm_max_active_processes',
    type: 'gauge',
    help: 'Most workers busy at once since the pool started, a high-water mark',
    value: (r) => r.status?.maxActiveProcesses,
  },
  {
    name: 'fcgi_doctor_fpm_start_time_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'When the pool (re)started, seconds since the epoch: its counters count from then',
    value: (r) => r.status?.startTime,
  },
  {
    name: 'fcgi_doctor_status_read_duration_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'How long the status page took to answer',
    value: (r) => (r.status && r.responseMs !== undefined ? msToSeconds(r.responseMs) : undefined),
  },
];

const MAX_CHILDREN: Omit<MetricFamily, 'samples'> = {
  name: 'fcgi_doctor_fpm_max_children',
  type: 'gauge',
  help: 'pm.max_children, from the pool file (or the worker count of a static pool)',
};

const STATUS_PATH_SET: Omit<MetricFamily, 'samples'> = {
  name: 'fcgi_doctor_pool_status_path_configured',
  type: 'gauge',
  help: '1 when the pool file sets pm.status_path, so the pool can be read, else 0',
};

/** The families of these pools; `runLabels` label the run's timestamp. */
export function statusFamilies(pools: readonly PoolMetricsInput[], runLabels: Labels, atMs: number): MetricFamily[] {
  const asked = pools.filter((p) => p.report);
  const families = runFamilies({
    up: asked.map((p) => ({ labels: p.labels, up: p.report?.status !== undefined })),
    runLabels,
    atMs,
  });
  families.push({
    ...STATUS_PATH_SET,
    samples: pools.map((p) => ({ labels: p.labels, value: p.statusPathSet ? 1 : 0 })),
  });
  for (const f of FIGURES) {
    const samples = asked.flatMap((p) => {
      const v = f.value(p.report as StatusReport);
      return v === undefined ? [] : [{ labels: p.labels, value: v }];
    });
    families.push({ name: f.name, type: f.type, help: f.help, ...(f.unit ? { unit: f.unit } : {}), samples });
  }
  families.push({
    ...MAX_CHILDREN,
    samples: pools.flatMap((p) => {
      const v = p.report?.derived?.maxChildren ?? p.report?.pool?.maxChildren ?? p.maxChildren;
      return v === undefined ? [] : [{ labels: p.labels, value: v }];
    }),
  });
  return families;
}

/** `status TARGET`: one pool, labelled with its name (from the page, else the pool file), target and PHP version. */
export function statusTargetFamilies(
  report: StatusReport,
  phpVersion: string | undefined,
  atMs: number,
): MetricFamily[] {
  const labels: Labels = {
    command: 'status',
    pool: report.status?.pool ?? report.pool?.name,
    target: report.target,
    php_version: phpVersion,
  };
  return statusFamilies(
    [{ labels, report, statusPathSet: report.status !== undefined || Boolean(report.pool?.statusPath) }],
    { command: 'status', target: report.target },
    atMs,
  );
}

export function formatStatusMetrics(
  report: StatusReport,
  opts: { phpVersion?: string; atMs: number; exposition?: Exposition },
): string {
  return formatMetrics(statusTargetFamilies(report, opts.phpVersion, opts.atMs), opts.exposition ?? 'openmetrics');
}

/** The pools of `status --all` (and of a scrape): one label set each, told apart by target and PHP version. */
export function statusAllPools(rows: readonly PoolRow[]): PoolMetricsInput[] {
  return rows.map((r) => ({
    labels: {
      command: 'status',
      pool: r.pool.name,
      target: r.report?.target ?? r.pool.listen ?? '',
      php_version: r.pool.phpVersion,
    },
    ...(r.report ? { report: r.report } : {}),
    ...(r.pool.facts.maxChildren !== undefined ? { maxChildren: r.pool.facts.maxChildren } : {}),
    statusPathSet: Boolean(r.pool.facts.statusPath),
  }));
}

export function formatStatusAllMetrics(
  rows: readonly PoolRow[],
  opts: { atMs: number; exposition?: Exposition },
): string {
  return formatMetrics(
    statusFamilies(statusAllPools(rows), { command: 'status' }, opts.atMs),
    opts.exposition ?? 'openmetrics',
  );
}
