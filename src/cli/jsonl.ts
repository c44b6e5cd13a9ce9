/**
 * `--format jsonl` wiring: the head every line shares (tool, command, target,
 * this machine's name), and the findings-then-summary output of check, logs
 * and ping. The lines themselves are src/report/jsonl.ts's.
 */
import type { JsonlHead, JsonlSummary } from '../report/jsonl.js';
import type { CliIO } from './io.js';
import { TOOL_VERSION } from './version.js';

export async function jsonlHead(command: string, target: string): Promise<JsonlHead> {
  const { liveNetwork } = await import('../system/network.js');
  return { toolVersion: TOOL_VERSION, command, target, host: liveNetwork().hostname() };
}

/** Findings, one line each, then the summary line; returns the exit status, the contract's. */
export async function writeFindingsJsonl(
  command: string,
  target: string,
  summary: JsonlSummary,
  io: CliIO,
): Promise<number> {
  const { formatFindingsJsonl } = await import('../report/jsonl.js');
  io.stdout(formatFindingsJsonl(await jsonlHead(command, target), summary));
  return summary.exitStatus;
}

/** True when the arguments ask for `--format jsonl`: a run that fails before it begins still writes its summary line. */
export function wantsJsonl(argv: readonly string[]): boolean {
  return argv.some((a, i) => a === '--format=jsonl' || (a === '--format' && argv[i + 1] === 'jsonl'));
}

/** The summary line of a run that could not begin (exit status 2). */
export async function writeJsonlFailure(argv: readonly string[], reason: string, io: CliIO): Promise<void> {
  const { failureLine } = await import('../report/jsonl.js');
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : '';
  io.stdout(failureLine(await jsonlHead(command, ''), reason));
}
