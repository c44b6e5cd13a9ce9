import type { ConfigCheck } from '../checks/config/context.js';
import { configUnreadable } from '../checks/config/index.js';
import { runCheck, type ProbeRunner, type WebRunner } from '../checks/run.js';
import { splitByScope } from '../checks/scope.js';
import { parseSince } from '../logs/timestamps.js';
import { summarizeCheck } from '../report/checkSummary.js';
import { formatCheckText } from '../report/checkText.js';
import { formatSuppressedText } from '../report/suppressedText.js';
import { buildEnvelope, formatJson } from '../report/envelope.js';
import { loadStyle } from '../report/style.js';
import { FORMATS, writeFindingsFormat } from './formats.js';
import { colorEnabled, UsageError, type CliIO } from './io.js';
import { parseDuration, parseFormat, requireExisting } from './parse.js';
import { parseFailOn, exitStatusFor } from './exitStatus.js';
import { inlineEntries, loadSuppressions, reported, suppress, type SuppressionOptions } from './suppressions.js';
import { TOOL_VERSION } from './version.js';

export interface CheckCliOptions extends SuppressionOptions {
  offline?: boolean;
  http?: boolean;
  since?: string;
  root?: string;
  serverRoot?: string;
  timeout?: string;
  failOn?: string;
  format?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

// Kept here too for the callers that import them from check.
export { parseFailOn, exitStatusFor };

/** The probes of the live system (sockets, processes, scripts), loaded only when the check is not offline. */
async function liveProbes(timeoutMs: number): Promise<ProbeRunner> {
  const { runProbes } = await import('../checks/probes/index.js');
  const { liveSystem } = await import('../system/index.js');
  const system = liveSystem();
  return (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: Math.min(timeoutMs, 2000) });
}

/** `--http`: the web server asked as a visitor would. */
async function webRunner(timeoutMs: number): Promise<WebRunner> {
  const { webRequests } = await import('../checks/http/webRequest.js');
  const { configChangedSinceLoad } = await import('../checks/http/notReloaded.js');
  const { liveSystem } = await import('../system/index.js');
  const system = liveSystem();
  const fs = system.fs;
  return (model, traced) =>
    webRequests(model, {
      timeoutMs,
      notReloaded: configChangedSinceLoad(model, system),
      exists: (p) => fs.exists(p),
      readHead: (p, n) => {
        const head = fs.readHead(p, n);
        return Buffer.isBuffer(head) ? head : undefined;
      },
      ...traced,
    });
}

export function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** What runs instead of the real steps: tests inject a check that throws, to see the run end in exit status 2. */
export interface CheckRunners {
  configChecks?: readonly ConfigCheck[];
  probes?: ProbeRunner;
}

export async function runCheckCommand(
  target: string | undefined,
  opts: CheckCliOptions,
  io: CliIO,
  runners: CheckRunners = {},
): Promise<number> {
  const format = parseFormat(opts.format ?? 'text', FORMATS);
  const failOn = parseFailOn(opts.failOn);
  const timeoutMs = parseDuration(opts.timeout ?? '5', '--timeout');
  let since: Date | undefined;
  try {
    since = opts.since ? parseSince(opts.since) : new Date(Date.now() - 24 * 3600 * 1000);
  } catch (err) {
    throw new UsageError(`--since: ${(err as Error).message}`);
  }
  requireExisting([
    ['the file to check', target],
    ['--root', opts.root],
    ['--server-root', opts.serverRoot],
  ]);
  // Read before the run: a malformed project file is a usage error, not after a minute of probes.
  const suppressions = await loadSuppressions(opts, reported('check', opts.offline));
  const interactive = format === 'text' && io.stderrIsTTY && !opts.quiet;
  const spinner =
    interactive && !opts.offline
      ? await (await import('./spinner.js')).startSpinner(io, 'Checking the configuration, the backends and the logs…')
      : undefined;
  let report;
  try {
    report = await runCheck(
      {
        target,
        root: opts.root,
        serverRoot: opts.serverRoot,
        // ${VAR} in the configuration comes from this environment, as for apache2ctl.
        env: definedOnly(io.env),
        offline: Boolean(opts.offline),
        timeoutMs,
        since,
        toolVersion: TOOL_VERSION,
        checks: runners.configChecks,
      },
      opts.offline ? undefined : (runners.probes ?? (await liveProbes(timeoutMs))),
      opts.http && !opts.offline ? await webRunner(timeoutMs) : undefined,
    );
  } finally {
    spinner?.stop();
  }
  // The file we were told to read could not be read at all, or a step crashed: the tool could not do its job.
  const unreadable = configUnreadable(report.model, report.findings);
  const crashed = report.internalErrors.length > 0;
  suppressions.entries.push(...inlineEntries(report.model.markerComments, !opts.offline));
  const { findings: kept, suppressed } = suppress(report.findings, suppressions);
  // `check FILE`: only what FILE defines and what reaches its vhosts counts; the rest is set apart.
  const { inScope: findings, elsewhere, setupsInScope } = splitByScope(report.model, kept);
  const exitCode = unreadable || crashed ? 2 : exitStatusFor(findings, failOn);
  const summary = summarizeCheck(report, setupsInScope);
  if (format === 'json') {
    io.stdout(
      formatJson(
        buildEnvelope(
          TOOL_VERSION,
          'check',
          target ?? summary.rootFile,
          findings,
          { checked: summary, internalErrors: report.internalErrors, ...(elsewhere ? { elsewhere } : {}) },
          suppressed,
        ),
      ),
    );
  } else if (format === 'jsonl') {
    const { writeFindingsJsonl } = await import('./jsonl.js');
    return writeFindingsJsonl(
      'check',
      target ?? summary.rootFile,
      { findings, suppressed, exitStatus: exitCode, internalErrors: report.internalErrors },
      io,
    );
  } else if (format === 'openmetrics' || format === 'prometheus') {
    const { formatCheckMetrics } = await import('../report/checkMetrics.js');
    io.stdout(
      formatCheckMetrics(
        {
          target: target ?? summary.rootFile,
          findings,
          suppressed: suppressed.length,
          exitCode,
          setups: summary.setups.length,
          atMs: Date.now(),
        },
        format,
      ),
    );
  } else if (format !== 'text') {
    const unreadableFinding = unreadable ? report.findings.find((f) => f.id === 'config-file-unreadable') : undefined;
    return writeFindingsFormat(
      format,
      {
        command: 'check',
        target: target ?? summary.rootFile,
        findings,
        suppressed,
        exitCode,
        failOn,
        subject: { kind: 'check', summary, unreadable: unreadableFinding },
        internalErrors: report.internalErrors,
      },
      io,
    );
  } else {
    const style = await loadStyle(colorEnabled(io, opts.color));
    io.stdout(
      formatCheckText(style, summary, findings, {
        quiet: opts.quiet,
        verbose: opts.verbose,
        exitCode,
        internalErrors: report.internalErrors,
        elsewhere,
      }),
    );
    io.stdout(formatSuppressedText(style, suppressed, opts.verbose));
  }
  return exitCode;
}
