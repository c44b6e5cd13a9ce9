import type { InternalError } from '../checks/internalError.js';
import type { Finding, Severity } from '../findings/finding.js';
import type { SuppressedFinding } from '../findings/suppress.js';
import type { NagiosSubject } from '../report/nagios.js';
import type { CliIO } from './io.js';
import { TOOL_VERSION } from './version.js';

/**
 * Choosing the reporter of the finding formats (sarif, github, nagios): each
 * is loaded only when asked, so a plain `ping` pays for none of them.
 */
export const FORMATS = ['text', 'json', 'sarif', 'github', 'nagios', 'jsonl', 'openmetrics', 'prometheus'] as const;
export type Format = (typeof FORMATS)[number];
export type FindingsFormat = 'sarif' | 'github' | 'nagios';
/** The metric formats: OpenMetrics 1.0, or the Prometheus text format 0.0.4 that node_exporter's textfile collector reads. */
export type MetricsFormat = 'openmetrics' | 'prometheus';

export interface FindingsOutput {
  command: string;
  target: string;
  findings: Finding[];
  /** the contract's exit status (0, 1 or 2) */
  exitCode: number;
  failOn?: Severity;
  /** what nagios takes its OK line and performance data from */
  subject?: NagiosSubject;
  /** steps that crashed (exit status 2): named in every format */
  internalErrors?: readonly InternalError[];
  /** findings a suppression took out: results marked suppressed in SARIF, counted in github and nagios */
  suppressed?: readonly SuppressedFinding[];
}

/** One line per crashed step, for the formats that carry free text. */
export function internalErrorLines(errors: readonly InternalError[] = []): string[] {
  return errors.map(
    (e) =>
      `fcgi-doctor failed in ${e.step}: ${e.message}. Its findings are missing from this report; please report this bug.`,
  );
}

/** True when the arguments ask for `--format nagios`: a failure before the command runs must answer as a plugin. */
export function wantsNagios(argv: readonly string[]): boolean {
  return argv.some((a, i) => a === '--format=nagios' || (a === '--format' && argv[i + 1] === 'nagios'));
}

/** Writes the report in a finding format and returns the exit status: the contract's, or the plugin's for nagios. */
export async function writeFindingsFormat(format: FindingsFormat, out: FindingsOutput, io: CliIO): Promise<number> {
  if (format === 'sarif') {
    const { formatSarif } = await import('../report/sarif.js');
    io.stdout(
      formatSarif(out.findings, {
        toolVersion: TOOL_VERSION,
        executionSuccessful: out.exitCode !== 2,
        notifications: internalErrorLines(out.internalErrors),
        suppressed: out.suppressed,
      }),
    );
    return out.exitCode;
  }
  if (format === 'github') {
    const { formatGithub } = await import('../report/github.js');
    io.stdout(
      formatGithub(out.findings, {
        exitCode: out.exitCode,
        target: out.target,
        internalErrors: internalErrorLines(out.internalErrors),
        suppressed: out.suppressed?.length,
      }),
    );
    return out.exitCode;
  }
  const { formatNagios, nagiosFigures } = await import('../report/nagios.js');
  const crash = internalErrorLines(out.internalErrors)[0];
  const r = formatNagios({
    findings: out.findings,
    exitCode: out.exitCode,
    failOn: out.failOn,
    ...(out.subject ? nagiosFigures(out.subject) : {}),
    ...(crash ? { failure: crash } : {}),
    suppressed: out.suppressed?.length,
  });
  io.stdout(r.text);
  return r.exitCode;
}
