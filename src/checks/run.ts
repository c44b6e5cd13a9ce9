import { analyzeConfig, type AnalyzeOptions, type AnalyzeResult, type ConfigModel } from './config/index.js';
import { markRequestsTheWebServerCannotMake, requestSetups, type SetupRequestResult } from './request/setupRequest.js';
import type { LogNotice } from '../logs/index.js';
import type { Finding } from '../findings/finding.js';
import { joinFindings } from '../findings/join.js';
import { orderFindings } from '../findings/order.js';
import { poolStatusFindings } from '../status/check.js';
import type { PoolFile } from '../status/pool.js';
import { internalError, type InternalError } from './internalError.js';
import { liveScopeModel } from './scope.js';
import type { Discovery } from './discovery/discover.js';
import { fpmLogFindings, type FpmLogTargets } from './fpmLogTargets.js';

export type { InternalError } from './internalError.js';

/**
 * The whole diagnosis behind `check`: the configuration as Apache reads it,
 * then (unless offline) the live probes, a real request to each backend and
 * the error logs, joined into one finding per cause, root causes first.
 */
export interface CheckOptions extends AnalyzeOptions {
  offline: boolean;
  timeoutMs: number;
  /** log lines older than this are skipped */
  since?: Date;
  /** How long reading the error logs may take (default: LOGS_BUDGET_MS, or timeoutMs if longer). */
  logsBudgetMs?: number;
  toolVersion: string;
  /** The configuration already read and checked (nginx's: src/checks/nginx); default: Apache's, read here. */
  analysis?: AnalyzeResult;
}

/** The live probes (sockets, processes, scripts), plugged in by the CLI so this module stays testable. */
export type ProbeRunner = (
  model: ConfigModel,
  configFindings: readonly Finding[],
) => Promise<{
  findings: Finding[];
  notices: string[];
  fpmPools?: readonly PoolFile[];
  internalErrors?: readonly InternalError[];
  /** Ids the probes answered: the configuration's findings of these ids give way to theirs. */
  answered?: readonly string[];
  /** The scripts each site serves, found and traced by the probes: the request step asks for them. */
  discovery?: Discovery;
  /** PHP-FPM's own logs of the pools serving the checked setups: read with the error logs. */
  fpmLogs?: FpmLogTargets;
}>;

/**
 * `--http`: asks the web server itself for each traced URL (plugged in by the CLI), with the
 * scripts discovery traced and the request step's direct requests to compare its answers with.
 */
export type WebRunner = (
  model: ConfigModel,
  traced: { discovery?: Discovery; requests: readonly SetupRequestResult[] },
) => Promise<{ findings: Finding[]; notices: string[] }>;

export interface CheckReport {
  model: ConfigModel;
  findings: Finding[];
  requests: SetupRequestResult[];
  notices: string[];
  /** which steps ran */
  steps: { config: true; probes: boolean; requests: boolean; logs: boolean };
  logsScanned: string[];
  /**
   * Steps that crashed (bugs in fcgi-doctor): the findings are those gathered
   * by the other steps, and the CLI exits with status 2.
   */
  internalErrors: InternalError[];
}

/** Error logs worth reading: files (not pipes or syslog) the configuration really names. */
function logPaths(model: ConfigModel): string[] {
  const paths = new Set<string>();
  for (const log of model.errorLogs) {
    // A standalone vhost has no real main server: its default ErrorLog is made up.
    if (model.layout === 'standalone' && log.vhost === undefined && log.file === undefined) continue;
    if (log.target.startsWith('/')) paths.add(log.target);
  }
  return [...paths];
}

/**
 * Reading the logs stops after this long, with a notice: a huge or endless ErrorLog (a
 * sparse file, a file someone pointed at /dev/zero through a symlink) must not hold up the
 * report. Long enough for a few hundred MB of log.
 */
export const LOGS_BUDGET_MS = 10_000;

function describeNotice(n: LogNotice): string {
  return n.message;
}

export async function runCheck(options: CheckOptions, probes?: ProbeRunner, web?: WebRunner): Promise<CheckReport> {
  const { model, findings: configFindings, internalErrors } = options.analysis ?? analyzeConfig(options);
  const findings: Finding[] = [...configFindings];
  const notices: string[] = [...model.notes];
  const report: CheckReport = {
    model,
    findings: [],
    requests: [],
    notices,
    steps: { config: true, probes: false, requests: false, logs: false },
    logsScanned: [],
    internalErrors,
  };
  /** Runs one step; a crash is recorded under its name and the other steps still run. */
  const step = async (name: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (e) {
      internalErrors.push(internalError(name, e));
    }
  };
  if (!options.offline) {
    // check FILE: the live steps look at what reaches FILE's vhosts only (scope.ts).
    const live = liveScopeModel(model);
    let pools: readonly PoolFile[] = [];
    let discovery: Discovery | undefined;
    let fpmLogs: FpmLogTargets | undefined;
    if (probes) {
      await step('the live probes', async () => {
        const probed = await probes(live, configFindings);
        const answered = new Set(probed.answered ?? []);
        if (answered.size > 0) {
          const configs = new Set(configFindings);
          // Kept in place: the findings array holds the configuration's findings only at this point.
          const kept = findings.filter((f) => !(configs.has(f) && answered.has(f.id)));
          findings.length = 0;
          findings.push(...kept);
        }
        findings.push(...probed.findings);
        notices.push(...probed.notices);
        internalErrors.push(...(probed.internalErrors ?? []));
        pools = probed.fpmPools ?? [];
        discovery = probed.discovery;
        fpmLogs = probed.fpmLogs;
        report.steps.probes = true;
      });
    }
    await step('the request to each backend', async () => {
      report.requests = await requestSetups(
        live,
        { timeoutMs: options.timeoutMs, toolVersion: options.toolVersion },
        discovery,
        (n) => notices.push(n),
      );
      markRequestsTheWebServerCannotMake(live, report.requests, findings);
      for (const r of report.requests) findings.push(...r.findings);
      if (live.nginx) {
        // nginx's response buffer against the headers the backend really sent.
        const { headerBufferFindings } = await import('./nginx/headerBuffer.js');
        findings.push(...headerBufferFindings(live.nginx, report.requests));
      }
      report.steps.requests = true;
    });
    // PHP-FPM pools with pm.status_path: live figures from the reader `status` uses.
    await step('reading the PHP-FPM status pages', async () => {
      findings.push(
        ...(await poolStatusFindings(report.requests, pools, {
          timeoutMs: Math.min(options.timeoutMs, 3000),
          toolVersion: options.toolVersion,
        })),
      );
    });
    if (web) {
      await step('the requests through the web server (--http)', async () => {
        const asked = await web(live, { ...(discovery ? { discovery } : {}), requests: report.requests });
        findings.push(...asked.findings);
        notices.push(...asked.notices);
      });
    }
    await step('reading the error logs', async () => {
      // FPM's own logs after Apache's: the same budget and --since (its lines carry their own times).
      const paths = [...new Set([...logPaths(model), ...(fpmLogs?.files.map((f) => f.path) ?? [])])];
      notices.push(...(fpmLogs?.notes ?? []));
      if (paths.length > 0) {
        // Loaded only here: the catalog (YAML, a schema validator) is not needed offline.
        const { scanLogs } = await import('../logs/index.js');
        const budget = options.logsBudgetMs ?? Math.max(LOGS_BUDGET_MS, options.timeoutMs);
        const scan = await scanLogs(
          paths.map((path) => ({ path })),
          {
            since: options.since,
            deadline: Date.now() + budget,
            deadlineName: `check reads the logs for ${budget / 1000} s at most`,
          },
        );
        findings.push(...fpmLogFindings(scan.findings, scan.groups, fpmLogs ?? { files: [], poolsByFile: {} }));
        notices.push(...scan.notices.map(describeNotice));
        report.logsScanned = paths;
      }
      report.steps.logs = true;
    });
  }
  // Unjoined if joining itself fails: the findings are still worth showing.
  report.findings = findings;
  await step('joining and ordering the findings', async () => {
    report.findings = orderFindings(joinFindings(attachSetups(model, findings)));
  });
  return report;
}

/** A finding at a setup's config line belongs to that setup, for the per-setup report. */
function attachSetups(model: ConfigModel, findings: Finding[]): Finding[] {
  const byLine = new Map<string, string>();
  for (const s of model.setups) byLine.set(`${s.definedAt.file}:${s.definedAt.line}`, s.id);
  return findings.map((f) => {
    if (f.setup || !f.location) return f;
    const id = byLine.get(`${f.location.file}:${f.location.line ?? ''}`);
    return id ? { ...f, setup: id } : f;
  });
}
