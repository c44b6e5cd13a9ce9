/**
 * `fcgi-doctor status --all`: wiring only. The machine's pools (or those of the
 * --fpm-config files) come from src/status/machine.ts, are read by
 * src/status/all.ts, and are written by src/report/statusAll*.ts.
 */
import { findingForClientError } from '../checks/request/outcome.js';
import type { FpmFileReader, FpmMasterCommand } from '../fpm/index.js';
import { buildEnvelope, formatJson } from '../report/envelope.js';
import { loadStyle } from '../report/style.js';
import type { Thresholds } from '../status/evaluate.js';
import { exitStatusFor } from './exitStatus.js';
import { colorEnabled, type CliIO } from './io.js';
import { loadSuppressions, reported, suppress, type SuppressionOptions } from './suppressions.js';
import type { ScrapeMetrics } from './serveMetrics.js';
import { TOOL_VERSION } from './version.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

/** The live machine's FPM file reader, running masters (with their binaries: the PHP version) and user name. */
export async function liveFpmSide(): Promise<{ reader: FpmFileReader; masters: FpmMasterCommand[]; user?: string }> {
  const { liveSystem, fpmFileReaderOf, fpmMasterCommands } = await import('../system/index.js');
  const system = liveSystem();
  const masters = fpmMasterCommands(system.processes, system.fs);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const user = uid !== undefined ? system.users.userName(uid) : undefined;
  return { reader: fpmFileReaderOf(system.fs), masters, ...(user ? { user } : {}) };
}

/** The pools of the given files, or of the whole machine. */
export async function loadMachinePools(fpmConfigs: readonly string[]) {
  const { fpmSources, machinePools } = await import('../status/machine.js');
  const { reader, masters, user } = await liveFpmSide();
  return machinePools(reader, fpmSources(reader, masters, fpmConfigs), {
    maxBytes: MAX_CONFIG_BYTES,
    ...(user ? { readerUser: user } : {}),
  });
}

export interface StatusAllSettings extends SuppressionOptions {
  format: 'text' | 'json' | 'jsonl' | 'openmetrics' | 'prometheus';
  fpmConfigs: readonly string[];
  timeoutMs: number;
  thresholds: Thresholds;
  maxResponseBytes?: number;
  quiet?: boolean;
  color?: boolean;
}

/**
 * What each scrape of `status --all --serve-metrics` reads: the pools found
 * afresh (a pool added since start-up is scraped too), every pool at once,
 * each within the scrape's deadline. Nothing is kept between scrapes.
 */
export async function statusAllScrape(
  s: Omit<StatusAllSettings, 'format' | 'quiet' | 'color'>,
): Promise<ScrapeMetrics> {
  const suppressions = await loadSuppressions(s, reported('status'));
  const { readAllPools, allFindings, keepFindings } = await import('../status/all.js');
  const { statusFamilies, statusAllPools } = await import('../report/statusMetrics.js');
  return async (timeoutMs) => {
    const atMs = Date.now();
    const { pools } = await loadMachinePools(s.fpmConfigs);
    // More pools than lanes read in rounds: each round gets its share of the deadline, so the
    // whole scrape still ends within it even when every pool is stuck.
    const rounds = Math.max(1, Math.ceil(pools.length / SCRAPE_CONCURRENCY));
    const read = await readAllPools(
      pools,
      {
        timeoutMs: Math.max(MIN_POOL_TIMEOUT_MS, Math.floor(timeoutMs / rounds)),
        thresholds: s.thresholds,
        toolVersion: TOOL_VERSION,
        // Every pool at once: the scrape takes one pool's time, not a lane's.
        concurrency: SCRAPE_CONCURRENCY,
        ...(s.maxResponseBytes !== undefined ? { maxResponseBytes: s.maxResponseBytes } : {}),
      },
      { describeClientError: findingForClientError },
    );
    const { findings } = suppress(allFindings(read), suppressions);
    return statusFamilies(statusAllPools(keepFindings(read, new Set(findings))), { command: 'status' }, atMs);
  };
}

/** Pools read at once by a scrape: beyond, a lane reads a second pool after the first. */
const SCRAPE_CONCURRENCY = 64;
/** The least a pool is given, however many rounds there are: a healthy pool answers in a few ms. */
const MIN_POOL_TIMEOUT_MS = 50;

export async function runStatusAll(s: StatusAllSettings, io: CliIO): Promise<number> {
  const suppressions = await loadSuppressions(s, reported('status'));
  const { pools, problems } = await loadMachinePools(s.fpmConfigs);
  const { readAllPools, allFindings, keepFindings } = await import('../status/all.js');
  const read = await readAllPools(
    pools,
    {
      timeoutMs: s.timeoutMs,
      thresholds: s.thresholds,
      toolVersion: TOOL_VERSION,
      ...(s.maxResponseBytes !== undefined ? { maxResponseBytes: s.maxResponseBytes } : {}),
    },
    { describeClientError: findingForClientError },
  );
  const { findings, suppressed } = suppress(allFindings(read), suppressions);
  const rows = keepFindings(read, new Set(findings));
  const exitCode = exitStatusFor(findings, 'error');
  if (s.format === 'json') {
    const { statusAllJsonExtras } = await import('../report/statusAllJson.js');
    io.stdout(
      formatJson(
        buildEnvelope(TOOL_VERSION, 'status', '--all', findings, statusAllJsonExtras(rows, problems), suppressed),
      ),
    );
    return exitCode;
  }
  if (s.format === 'jsonl') {
    const [{ poolJson }, lines, { jsonlHead }] = await Promise.all([
      import('../report/statusAllJson.js'),
      import('../report/jsonl.js'),
      import('./jsonl.js'),
    ]);
    const head = lines.atOneTime(await jsonlHead('status', '--all'));
    io.stdout(
      rows.map((r) => lines.poolLine(head, poolJson(r))).join('') +
        lines.formatFindingsJsonl(head, {
          findings,
          suppressed,
          exitStatus: exitCode,
          extra: { healthy: rows.every((r) => r.state !== 'failing'), pools: rows.length, notes: problems },
        }),
    );
    return exitCode;
  }
  if (s.format === 'openmetrics' || s.format === 'prometheus') {
    const { formatStatusAllMetrics } = await import('../report/statusMetrics.js');
    io.stdout(formatStatusAllMetrics(rows, { atMs: Date.now(), exposition: s.format }));
    return exitCode;
  }
  const { formatStatusAllText } = await import('../report/statusAllText.js');
  const style = await loadStyle(colorEnabled(io, s.color));
  io.stdout(formatStatusAllText(style, rows, problems, { quiet: s.quiet }));
  const { formatSuppressedText } = await import('../report/suppressedText.js');
  io.stdout(formatSuppressedText(style, suppressed));
  return exitCode;
}
