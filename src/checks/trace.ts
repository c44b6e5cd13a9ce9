/**
 * The diagnosis behind `trace URL`: the configuration as `check --offline`
 * reads it, the route the routing model gives for the request, then (unless
 * offline) that very request sent to the backend, and the findings of all
 * three. The CLI only parses arguments and picks a reporter.
 */
import type { Finding } from '../findings/finding.js';
import { routeApache } from '../routing/apache/index.js';
import type { Route, RouteRequest } from '../routing/types.js';
import { identityOf, type SystemProbes } from '../system/index.js';
import { analyzeConfig, configUnreadable, type ConfigModel } from './config/index.js';
import { parseIssuesCheck } from './config/parseIssues.js';
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
}

export type TraceResult =
  | { ok: true; model: ConfigModel; route: Route; live?: TraceRequestResult; findings: Finding[] }
  /** The configuration could not be read at all: nothing to route. */
  | { ok: false; why: string };

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
  const webServerUser = identityOf(options.system.users, config.model.webUser, config.model.webGroup);
  const route = routeApache(config.model, request, {
    fs: options.system.fs,
    ...(webServerUser ? { webServerUser } : {}),
    ...(options.serverSoftware !== undefined ? { serverSoftware: options.serverSoftware } : {}),
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
