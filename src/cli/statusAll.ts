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
  format: 'text' | 'json';
  fpmConfigs: readonly string[];
  timeoutMs: number;
  thresholds: Thresholds;
  maxResponseBytes?: number;
  quiet?: boolean;
  color?: boolean;
}

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
  const { formatStatusAllText } = await import('../report/statusAllText.js');
  const style = await loadStyle(colorEnabled(io, s.color));
  io.stdout(formatStatusAllText(style, rows, problems, { quiet: s.quiet }));
  const { formatSuppressedText } = await import('../report/suppressedText.js');
  io.stdout(formatSuppressedText(style, suppressed));
  return exitCode;
}
