import type { ConfigCheck } from '../checks/config/context.js';
import { configUnreadable } from '../checks/config/index.js';
import { runCheck, type CheckReport, type ProbeRunner, type WebRunner } from '../checks/run.js';
import type { AnalyzeResult } from '../checks/config/index.js';
import type { WebServerKind } from '../checks/webServerChoice.js';
import type { Finding } from '../findings/finding.js';
import { splitByScope } from '../checks/scope.js';
import { parseSince } from '../logs/timestamps.js';
import { summarizeCheck } from '../report/checkSummary.js';
import { formatCheckText, formatServerHeading } from '../report/checkText.js';
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
  /** --server apache|nginx: whose configuration FILE (or the machine) is; default: told by the file, else both found. */
  server?: string;
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

/** `--http` for nginx: the scripts discovery found, asked of nginx itself (source served as text). */
async function nginxWebRunner(timeoutMs: number): Promise<WebRunner> {
  const { nginxWebRequests } = await import('../checks/nginx/http.js');
  const { httpGet } = await import('../checks/http/webGet.js');
  return (model, traced) => nginxWebRequests(model, traced, { get: httpGet, timeoutMs });
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
  const servers = await chooseServers(target, opts);
  // Read before the run: a malformed project file is a usage error, not after a minute of probes.
  const suppressions = await loadSuppressions(opts, reported('check', opts.offline));
  const interactive = format === 'text' && io.stderrIsTTY && !opts.quiet;
  const spinner =
    interactive && !opts.offline
      ? await (await import('./spinner.js')).startSpinner(io, 'Checking the configuration, the backends and the logs…')
      : undefined;
  const runs: ServerRun[] = [];
  try {
    for (const server of servers) {
      const run = await runServer(server, target, opts, io, runners, { timeoutMs, since, suppressions });
      if (run) runs.push(run);
    }
  } finally {
    spinner?.stop();
  }
  if (runs.length === 0)
    throw new UsageError(
      noServerMessage(
        servers.map((s) => s.server),
        target,
        opts.root,
      ),
    );
  if (runs.length > 1) {
    const { withoutPoolsUsedElsewhere } = await import('../checks/crossServer.js');
    for (const r of runs) {
      const others = runs.filter((o) => o !== r).flatMap((o) => o.report.model.setups);
      r.findings = withoutPoolsUsedElsewhere(r.findings, others);
      r.exitCode = r.exitCode === 2 ? 2 : exitStatusFor(r.findings, failOn);
    }
  }
  const findings = runs.flatMap((r) => r.findings);
  const suppressed = runs.flatMap((r) => r.suppressed);
  const internalErrors = runs.flatMap((r) => r.report.internalErrors);
  const exitCode = runs.some((r) => r.unreadable) || internalErrors.length > 0 ? 2 : exitStatusFor(findings, failOn);
  const first = runs[0] as ServerRun;
  const summary = first.summary;
  const elsewhere = mergeElsewhere(runs);
  if (format === 'json') {
    io.stdout(
      formatJson(
        buildEnvelope(
          TOOL_VERSION,
          'check',
          target ?? summary.rootFile,
          findings,
          {
            checked: summary,
            internalErrors,
            ...(elsewhere ? { elsewhere } : {}),
            // Both web servers of the machine: each one's header (the first is `checked` too).
            ...(runs.length > 1 ? { servers: runs.map((r) => ({ server: r.server, checked: r.summary })) } : {}),
          },
          suppressed,
        ),
      ),
    );
  } else if (format === 'jsonl') {
    const { writeFindingsJsonl } = await import('./jsonl.js');
    return writeFindingsJsonl(
      'check',
      target ?? summary.rootFile,
      { findings, suppressed, exitStatus: exitCode, internalErrors },
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
    const unreadableFinding = first.unreadable
      ? first.report.findings.find((f) => f.id === 'config-file-unreadable')
      : undefined;
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
        internalErrors,
      },
      io,
    );
  } else {
    const style = await loadStyle(colorEnabled(io, opts.color));
    for (const [i, r] of runs.entries()) {
      // One section per web server when the machine has both.
      if (runs.length > 1) io.stdout(formatServerHeading(style, r.server, i === 0, r.masterRoot));
      io.stdout(
        formatCheckText(style, r.summary, r.findings, {
          quiet: opts.quiet,
          verbose: opts.verbose,
          exitCode: runs.length > 1 ? r.exitCode : exitCode,
          internalErrors: r.report.internalErrors,
          elsewhere: r.elsewhere,
        }),
      );
      io.stdout(formatSuppressedText(style, r.suppressed, opts.verbose));
    }
  }
  return exitCode;
}

/** A web server to check: one of each kind, or one per nginx master when several run with their own -c. */
interface ServerToCheck {
  server: WebServerKind;
  /** The root configuration of one of several nginx masters (their sections are told apart by it). */
  masterRoot?: string;
}

interface ServerRun {
  server: WebServerKind;
  masterRoot?: string;
  report: CheckReport;
  findings: Finding[];
  suppressed: ReturnType<typeof suppress>['suppressed'];
  elsewhere: ReturnType<typeof splitByScope>['elsewhere'];
  summary: ReturnType<typeof summarizeCheck>;
  unreadable: boolean;
  exitCode: number;
}

/**
 * The web servers to check, decided as `trace` decides (src/checks/webServerChoice.ts): --server,
 * else the one FILE (or --root) belongs to, else each found on the machine (not chooseWebServer's
 * one: check reports on every web server there, a section each).
 */
async function chooseServers(target: string | undefined, opts: CheckCliOptions): Promise<ServerToCheck[]> {
  const { nginxMasterRoots, serverOption, webServerOfFile, webServersOnMachine } = await import(
    '../checks/webServerChoice.js'
  );
  const { liveSystem } = await import('../system/index.js');
  const system = liveSystem();
  const file = target ?? opts.root;
  let kinds: WebServerKind[];
  if (opts.server !== undefined) {
    const chosen = serverOption(opts.server);
    if (!chosen.ok) throw new UsageError(chosen.message);
    kinds = [chosen.server];
  } else if (file !== undefined) kinds = [webServerOfFile(file, system.fs)];
  // Offline, the processes are not asked (no live look): the usual root files alone tell.
  else kinds = webServersOnMachine(opts.offline ? { fs: system.fs, processes: { commandLines: () => [] } } : system);
  // The whole machine, live: each nginx master with its own configuration is a section of its own.
  const masters =
    file === undefined && !opts.offline && kinds.includes('nginx')
      ? nginxMasterRoots(
          system.processes.commandLines().map((c) => c.cmdline),
          new (await import('../nginx/index.js')).LiveNginxSource(),
        )
      : [];
  return kinds.flatMap((server): ServerToCheck[] =>
    server === 'nginx' && masters.length > 1 ? masters.map((masterRoot) => ({ server, masterRoot })) : [{ server }],
  );
}

function noServerMessage(
  servers: readonly WebServerKind[],
  target: string | undefined,
  root: string | undefined,
): string {
  const what = servers.includes('nginx') ? 'nginx' : 'web server';
  return `no ${what} configuration found${target ? ` for ${target}` : ''}${root ? ` (--root ${root})` : ''}: name the root configuration with --root`;
}

function mergeElsewhere(runs: readonly ServerRun[]): ServerRun['elsewhere'] {
  const parts = runs.flatMap((r) => (r.elsewhere ? [r.elsewhere] : []));
  if (parts.length <= 1) return parts[0];
  return {
    summary: {
      error: parts.reduce((n, p) => n + p.summary.error, 0),
      warning: parts.reduce((n, p) => n + p.summary.warning, 0),
      info: parts.reduce((n, p) => n + p.summary.info, 0),
    },
    sites: parts.flatMap((p) => p.sites),
    findings: parts.flatMap((p) => p.findings),
  };
}

/** One web server's check: its configuration, then (unless offline) the live steps, then the scope of FILE. */
async function runServer(
  toCheck: ServerToCheck,
  target: string | undefined,
  opts: CheckCliOptions,
  io: CliIO,
  runners: CheckRunners,
  common: { timeoutMs: number; since: Date | undefined; suppressions: Awaited<ReturnType<typeof loadSuppressions>> },
): Promise<ServerRun | undefined> {
  const { timeoutMs, since } = common;
  const { server, masterRoot } = toCheck;
  const root = masterRoot ?? opts.root;
  let analysis: AnalyzeResult | undefined;
  if (server === 'nginx') {
    const { analyzeNginxForCheck } = await import('../checks/nginx/index.js');
    let commandLines: string[][] = [];
    if (!opts.offline) {
      const { liveSystem } = await import('../system/index.js');
      commandLines = liveSystem()
        .processes.commandLines()
        .map((c) => c.cmdline);
    }
    analysis = analyzeNginxForCheck({
      ...(target ? { target } : {}),
      ...(root ? { root } : {}),
      commandLines,
    });
    if (!analysis) return undefined;
  }
  const report = await runCheck(
    {
      target,
      root,
      serverRoot: opts.serverRoot,
      // ${VAR} in the configuration comes from this environment, as for apache2ctl.
      env: definedOnly(io.env),
      offline: Boolean(opts.offline),
      timeoutMs,
      since,
      toolVersion: TOOL_VERSION,
      checks: runners.configChecks,
      ...(analysis ? { analysis } : {}),
    },
    opts.offline ? undefined : (runners.probes ?? (await liveProbes(timeoutMs))),
    opts.http && !opts.offline
      ? server === 'nginx'
        ? await nginxWebRunner(timeoutMs)
        : await webRunner(timeoutMs)
      : undefined,
  );
  // The file we were told to read could not be read at all, or a step crashed: the tool could not do its job.
  const unreadable = configUnreadable(report.model, report.findings);
  const crashed = report.internalErrors.length > 0;
  const suppressions = { ...common.suppressions, entries: [...common.suppressions.entries] };
  suppressions.entries.push(...inlineEntries(report.model.markerComments, !opts.offline));
  const { findings: kept, suppressed } = suppress(report.findings, suppressions);
  // `check FILE`: only what FILE defines and what reaches its vhosts counts; the rest is set apart.
  const { inScope: findings, elsewhere, setupsInScope } = splitByScope(report.model, kept);
  const exitCode = unreadable || crashed ? 2 : exitStatusFor(findings, parseFailOn(opts.failOn));
  const summary = summarizeCheck(report, setupsInScope);
  if (server === 'nginx') summary.server = 'nginx';
  return {
    server,
    ...(masterRoot ? { masterRoot } : {}),
    report,
    findings,
    suppressed,
    elsewhere,
    summary,
    unreadable,
    exitCode,
  };
}
