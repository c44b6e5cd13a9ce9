import { findingForClientError } from '../checks/request/outcome.js';
import { formatTarget, type Target } from '../client/target.js';
import { buildEnvelope, formatJson } from '../report/envelope.js';
import { loadStyle } from '../report/style.js';
import {
  NEW_COUNTERS,
  poolStatus,
  type AccessInfo,
  type NewCounter,
  type PoolFacts,
  type PoolHint,
  type Probe,
} from '../status/index.js';
import { poolFinder } from '../status/poolFinder.js';
import { exitStatusFor } from './exitStatus.js';
import { colorEnabled, UsageError, type CliIO } from './io.js';
import { parseDuration, parseFormat, parsePositiveInt, parseTargetArgument } from './parse.js';
import { loadSuppressions, reported, suppress, type SuppressionOptions } from './suppressions.js';
import type { ScrapeMetrics } from './serveMetrics.js';
import type { Thresholds } from '../status/evaluate.js';
import { TOOL_VERSION } from './version.js';

export const STATUS_FORMATS = ['text', 'json', 'nagios', 'jsonl', 'openmetrics', 'prometheus'] as const;

/** The most --max-response-bytes may ask: 256 MiB, some 600,000 workers' lines. */
export const MAX_STATUS_RESPONSE_BYTES = 256 * 1024 * 1024;

export interface StatusCliOptions extends SuppressionOptions {
  path?: string;
  interval?: string;
  maxListenQueue?: string;
  minIdle?: string;
  maxBusyPercent?: string;
  failOnNew?: string[];
  probe?: string;
  timeout?: string;
  maxResponseBytes?: string;
  format?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  /** every PHP-FPM pool on the machine (or of the --fpm-config files) */
  all?: boolean;
  /** PHP-FPM main configurations to read pools from, instead of the machine's (repeatable) */
  fpmConfig?: string[];
  /** HOST:PORT: serve /metrics for Prometheus instead of one report */
  serveMetrics?: string;
  /** --output FILE (main.ts writes it): refused with --serve-metrics, which writes no report */
  output?: string;
}

function wholeNumber(text: string | undefined, what: string, max = 1_000_000): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) > max)
    throw new UsageError(`${what} takes a whole number from 0 to ${max}, not "${text}"`);
  return Number(text);
}

function parseProbe(text: string | undefined): Probe | undefined {
  if (text === undefined) return undefined;
  if (text !== 'liveness' && text !== 'readiness')
    throw new UsageError(`--probe takes liveness or readiness, not "${text}"`);
  return text;
}

function parseFailOnNew(values: string[] | undefined): NewCounter[] {
  const out: NewCounter[] = [];
  for (const v of (values ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!(NEW_COUNTERS as readonly string[]).includes(v))
      throw new UsageError(`--fail-on-new takes ${NEW_COUNTERS.join(', ')}; not "${v}"`);
    if (!out.includes(v as NewCounter)) out.push(v as NewCounter);
  }
  return out;
}

/**
 * How to find the pool file, and who may not reach its socket. Loaded here,
 * run once the first status request has its answer.
 */
async function poolLookup(
  target: Target,
): Promise<{ findPool: (hint?: PoolHint) => PoolFacts | undefined; access: () => AccessInfo | undefined }> {
  const { liveSystem, mayConnect, modeString } = await import('../system/index.js');
  const system = liveSystem();
  const findPool = poolFinder(system, target);
  const access = (): AccessInfo | undefined => {
    if (target.kind !== 'unix' || typeof process.getuid !== 'function') return undefined;
    const uid = process.getuid();
    const gids = [...new Set([process.getgid?.() ?? uid, ...(process.getgroups?.() ?? [])])];
    const user = system.users.userName(uid) ?? `uid ${uid}`;
    const v = mayConnect(system.fs, { uid, gids, name: user }, target.path);
    if (v.result !== 'denied') return undefined;
    return {
      user,
      uid,
      path: v.path,
      isSocket: v.stat.type === 'socket',
      missing: v.missing,
      cls: v.cls,
      modeText: modeString(v.stat),
      owner: system.users.userName(v.stat.uid) ?? String(v.stat.uid),
      group: system.users.groupName(v.stat.gid) ?? String(v.stat.gid),
    };
  };
  return { findPool, access };
}

function suppressionOptionsOf(opts: StatusCliOptions): SuppressionOptions {
  const { ignore, config } = opts;
  return { ...(ignore !== undefined ? { ignore } : {}), ...(config !== undefined ? { config } : {}) };
}

/**
 * What each scrape of `status TARGET --serve-metrics` reads: that pool, its
 * pool file found again each time (from --fpm-config, or on the machine).
 */
/** --fpm-config: the pool serving TARGET comes from the files given, not from a search of the machine. */
async function poolFromConfigs(fpmConfigs: readonly string[], target: Target): Promise<PoolFacts | undefined> {
  if (fpmConfigs.length === 0) return undefined;
  const { loadMachinePools } = await import('./statusAll.js');
  const { machinePoolServing } = await import('../status/machine.js');
  return machinePoolServing((await loadMachinePools(fpmConfigs)).pools, target)?.facts;
}

async function targetScrape(
  target: Target,
  fpmConfigs: readonly string[],
  s: SuppressionOptions & { timeoutMs: number; thresholds: Thresholds; maxResponseBytes?: number; path?: string },
): Promise<ScrapeMetrics> {
  const suppressions = await loadSuppressions(s, reported('status'));
  const { statusTargetFamilies } = await import('../report/statusMetrics.js');
  const { phpVersionOf } = await import('../fpm/installations.js');
  return async (timeoutMs) => {
    const atMs = Date.now();
    const { findPool, access } = await poolLookup(target);
    const pool = await poolFromConfigs(fpmConfigs, target);
    const report = await poolStatus(
      target,
      {
        path: s.path,
        // Without the pool file known, poolStatus may ask twice (/status, then the pool file's path): each gets half.
        timeoutMs: pool ? timeoutMs : Math.max(50, Math.floor(timeoutMs / 2)),
        thresholds: s.thresholds,
        toolVersion: TOOL_VERSION,
        maxResponseBytes: s.maxResponseBytes,
      },
      { ...(pool ? { pool } : { findPool }), describeClientError: findingForClientError, access },
    );
    const { findings } = suppress(report.findings, suppressions);
    report.findings = findings;
    // A pool whose every error was suppressed is healthy, as status --all counts it.
    report.healthy = report.status !== undefined && !findings.some((f) => f.severity === 'error');
    return statusTargetFamilies(report, report.pool ? phpVersionOf(report.pool.file) : undefined, atMs);
  };
}

export async function runStatus(targetText: string | undefined, opts: StatusCliOptions, io: CliIO): Promise<number> {
  const format = parseFormat(opts.format ?? 'text', STATUS_FORMATS);
  if (opts.all && targetText !== undefined)
    throw new UsageError(`status --all lists every pool: give no TARGET ("${targetText}"), or drop --all`);
  if (!opts.all && targetText === undefined && opts.serveMetrics === undefined)
    throw new UsageError(
      "status needs a TARGET (the pool's socket or address), or --all for every pool on the machine",
    );
  const fpmConfigs = (opts.fpmConfig ?? []).map((f) => {
    if (!f.startsWith('/')) throw new UsageError(`--fpm-config takes an absolute path to a php-fpm.conf, not "${f}"`);
    return f;
  });
  const timeoutMs = parseDuration(opts.timeout ?? '3s', '--timeout');
  const intervalMs = opts.interval !== undefined ? parseDuration(opts.interval, '--interval') : undefined;
  const probe = parseProbe(opts.probe);
  const failOnNew = parseFailOnNew(opts.failOnNew);
  if (failOnNew.length && intervalMs === undefined) {
    throw new UsageError(
      '--fail-on-new compares two samples: add --interval (e.g. --interval 5s); the counters since start say nothing about now',
    );
  }
  const maxBusyPercent = wholeNumber(opts.maxBusyPercent, '--max-busy-percent', 100);
  // A page held in memory whole: bounded, even when asked for more.
  const maxResponseBytes =
    opts.maxResponseBytes !== undefined
      ? parsePositiveInt(opts.maxResponseBytes, '--max-response-bytes', MAX_STATUS_RESPONSE_BYTES)
      : undefined;
  if (opts.path !== undefined && !opts.path.startsWith('/'))
    throw new UsageError(`--path takes the pool's pm.status_path, a URL path such as /status, not "${opts.path}"`);
  const thresholds = {
    maxListenQueue: wholeNumber(opts.maxListenQueue, '--max-listen-queue'),
    minIdle: wholeNumber(opts.minIdle, '--min-idle'),
    maxBusyPercent,
    failOnNew,
  };

  if (opts.serveMetrics !== undefined) {
    const { parseListenAddress, runMetricsServer } = await import('./serveMetrics.js');
    const address = parseListenAddress(opts.serveMetrics);
    const refused = [
      ['--format', opts.format !== undefined && opts.format !== 'text' ? opts.format : undefined],
      ['--output', opts.output],
      ['--interval', opts.interval],
      ['--fail-on-new', failOnNew.length ? 'x' : undefined],
      ['--probe', probe],
      // Every pool is asked at its own pool file's pm.status_path; one path fits one pool.
      ['--path', targetText === undefined ? opts.path : undefined],
    ].find(([, v]) => v !== undefined);
    if (refused)
      throw new UsageError(
        `${refused[0]} does not go with --serve-metrics: each scrape reads the pools once and answers in the format Prometheus asks for`,
      );
    const settings = {
      ...suppressionOptionsOf(opts),
      timeoutMs,
      thresholds,
      ...(maxResponseBytes !== undefined ? { maxResponseBytes } : {}),
    };
    if (targetText === undefined) {
      const { statusAllScrape } = await import('./statusAll.js');
      const scrape = await statusAllScrape({ ...settings, fpmConfigs });
      const what = fpmConfigs.length ? `the pools of ${fpmConfigs.join(', ')}` : 'every PHP-FPM pool of this machine';
      return runMetricsServer({ address, timeoutMs, scrape }, io, what);
    }
    const target = parseTargetArgument(targetText);
    const scrape = await targetScrape(target, fpmConfigs, { ...settings, path: opts.path });
    return runMetricsServer({ address, timeoutMs, scrape }, io, formatTarget(target));
  }

  if (opts.all) {
    const unsupported = [
      ['--interval', opts.interval],
      ['--fail-on-new', failOnNew.length ? 'x' : undefined],
      ['--probe', probe],
      ['--path', opts.path],
    ].find(([, v]) => v !== undefined);
    if (unsupported) throw new UsageError(`${unsupported[0]} reads one pool: use it with status TARGET, not --all`);
    if (format === 'nagios') throw new UsageError('--format nagios speaks of one pool: use it with status TARGET');
    const { runStatusAll } = await import('./statusAll.js');
    return runStatusAll(
      {
        ...suppressionOptionsOf(opts),
        quiet: opts.quiet,
        color: opts.color,
        format,
        fpmConfigs,
        timeoutMs,
        thresholds,
        ...(maxResponseBytes !== undefined ? { maxResponseBytes } : {}),
      },
      io,
    );
  }
  const target = parseTargetArgument(targetText ?? '');
  const suppressions = await loadSuppressions(opts, reported('status'));
  const { findPool, access } = await poolLookup(target);
  const pool = await poolFromConfigs(fpmConfigs, target);
  const report = await poolStatus(
    target,
    { path: opts.path, timeoutMs, intervalMs, probe, thresholds, toolVersion: TOOL_VERSION, maxResponseBytes },
    { ...(pool ? { pool } : { findPool }), describeClientError: findingForClientError, access },
  );
  const { findings, suppressed } = suppress(report.findings, suppressions);
  report.findings = findings;
  const exitCode = exitStatusFor(findings, 'error');
  const where = formatTarget(target);
  if (format === 'json') {
    const { statusJsonExtras } = await import('../report/statusJson.js');
    io.stdout(
      formatJson(buildEnvelope(TOOL_VERSION, 'status', where, report.findings, statusJsonExtras(report), suppressed)),
    );
    return exitCode;
  }
  if (format === 'jsonl') {
    const [{ singlePoolJson }, lines, { jsonlHead }] = await Promise.all([
      import('../report/statusJson.js'),
      import('../report/jsonl.js'),
      import('./jsonl.js'),
    ]);
    const head = lines.atOneTime(await jsonlHead('status', where));
    io.stdout(
      lines.poolLine(head, singlePoolJson(report)) +
        lines.formatFindingsJsonl(head, {
          findings: report.findings,
          suppressed,
          exitStatus: exitCode,
          extra: { healthy: report.healthy, pools: 1 },
        }),
    );
    return exitCode;
  }
  if (format === 'openmetrics' || format === 'prometheus') {
    const { formatStatusMetrics } = await import('../report/statusMetrics.js');
    const { phpVersionOf } = await import('../fpm/installations.js');
    const phpVersion = report.pool ? phpVersionOf(report.pool.file) : undefined;
    io.stdout(
      formatStatusMetrics(report, { ...(phpVersion ? { phpVersion } : {}), atMs: Date.now(), exposition: format }),
    );
    return exitCode;
  }
  if (format === 'nagios') {
    const { formatStatusNagios } = await import('../report/statusNagios.js');
    const r = formatStatusNagios(report, exitCode, suppressed.length);
    io.stdout(r.text);
    return r.exitCode;
  }
  const { formatStatusText } = await import('../report/statusText.js');
  const style = await loadStyle(colorEnabled(io, opts.color));
  io.stdout(formatStatusText(style, report, { quiet: opts.quiet, verbose: opts.verbose }));
  const { formatSuppressedText } = await import('../report/suppressedText.js');
  io.stdout(formatSuppressedText(style, suppressed, opts.verbose));
  return exitCode;
}
