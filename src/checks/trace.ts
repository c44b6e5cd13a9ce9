/**
 * The diagnosis behind `trace URL`: the configuration as `check --offline`
 * reads it, the route the routing model gives for the request, then (unless
 * offline) that very request sent to the backend, and the findings of all
 * three. The CLI only parses arguments and picks a reporter.
 */
import type { Finding } from '../findings/finding.js';
import { routeApache } from '../routing/apache/index.js';
import type { Route, RouteRequest } from '../routing/types.js';
import type { ModuleFile, ServerSoftware } from '../system/serverVersion.js';
import { identityOf, isProbeError, type FileSystem, type Processes, type SystemProbes } from '../system/index.js';
import { analyzeConfig, configUnreadable, type ConfigModel } from './config/index.js';
import { parseIssuesCheck } from './config/parseIssues.js';
import { findApache } from './probes/facts.js';
import { htaccessFindings } from './request/htaccessInvalid.js';
import type { TraceRequestResult } from './request/traceRequest.js';

export interface TraceOptions {
  root?: string;
  serverRoot?: string;
  env: Record<string, string>;
  offline: boolean;
  timeoutMs: number;
  /** The live machine's files and users (a .htaccess is read as Apache's user would). */
  system: Pick<SystemProbes, 'fs' | 'users'>;
  /** SERVER_SOFTWARE as this machine's Apache sends it, when known. */
  serverSoftware?: string;
  /**
   * What Apache calls itself, from the loaded modules once the configuration
   * is read (system's apacheServerSoftware: `apache2 -v` and the modules'
   * version components); wins over `serverSoftware`.
   */
  serverSoftwareOf?: (modules: readonly ModuleFile[]) => ServerSoftware;
  /**
   * The live processes: the running master's environment (/proc/PID/environ,
   * readable by root only) gives the PATH Apache passes on; without it PATH
   * stays uncertain.
   */
  processes?: Processes;
}

export type TraceResult =
  | { ok: true; model: ConfigModel; route: Route; live?: TraceRequestResult; findings: Finding[] }
  /** The configuration could not be read at all: nothing to route. */
  | { ok: false; why: string };

/** The running master's environment, when it runs and its /proc/PID/environ is readable (root). */
function apacheEnvironment(
  model: ConfigModel,
  system: { fs: FileSystem; processes: Processes },
): Record<string, string> | undefined {
  const master = findApache(model, system).master;
  if (!master) return undefined;
  const env = system.processes.environment(master.pid);
  return isProbeError(env) ? undefined : env;
}

export async function runTrace(request: RouteRequest, options: TraceOptions): Promise<TraceResult> {
  // Of the configuration checks only the reading problems matter to a route (a missing include changes it).
  const config = analyzeConfig({
    root: options.root,
    serverRoot: options.serverRoot,
    env: options.env,
    checks: [parseIssuesCheck],
  });
  if (configUnreadable(config.model, config.findings)) {
    const why = config.findings.find((f) => f.id === 'config-file-unreadable');
    return { ok: false, why: why?.message ?? config.model.rootFile };
  }
  if (config.internalErrors.length > 0) throw new Error(config.internalErrors.map((e) => e.message).join('; '));
  const software: ServerSoftware = options.serverSoftwareOf
    ? options.serverSoftwareOf(config.model.modulesLoaded)
    : options.serverSoftware !== undefined
      ? { serverSoftware: options.serverSoftware }
      : {};
  const environment = options.processes
    ? apacheEnvironment(config.model, { fs: options.system.fs, processes: options.processes })
    : undefined;
  const webServerUser = identityOf(options.system.users, config.model.webUser, config.model.webGroup);
  const route = routeApache(config.model, request, {
    fs: options.system.fs,
    ...software,
    ...(environment ? { environment } : {}),
    ...(webServerUser ? { webServerUser } : {}),
  });
  let live: TraceRequestResult | undefined;
  if (!options.offline) {
    // Loaded only here: an offline trace needs no client.
    const { requestRoute } = await import('./request/traceRequest.js');
    live = await requestRoute(route, { timeoutMs: options.timeoutMs });
  }
  const findings: Finding[] = [...config.findings, ...(live?.findings ?? [])];
  // A .htaccess Apache cannot run makes every URL beneath it answer 500 (403 when unreadable).
  const v = route.vhost;
  findings.push(
    ...htaccessFindings(route.htaccess, v ? { vhost: `${v.serverName ?? 'the vhost'} (${v.file}:${v.line})` } : {}),
  );
  return { ok: true, model: config.model, route, ...(live ? { live } : {}), findings };
}
