/**
 * `check` on a live server: every FastCGI setup of the configuration probed
 * as the web server sees it — Apache and its process managers, sockets,
 * ports, scripts and their interpreters — turned into findings with the
 * contract's ids. Read-only: a bare connect() is the most it does to anything.
 */
import type { Finding } from '../../findings/finding.js';
import type { FindingId } from '../../findings/registry.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { isProbeError, type ConnectOutcome, type FpmPool, type SystemProbes } from '../../system/index.js';
import type { ConfigModel } from '../config/context.js';
import { internalError, type InternalError } from '../internalError.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { endpointGroups, gatherFacts } from './facts.js';
import { ipcDirCheck } from './ipcDir.js';
import { privateTmpCheck } from './privateTmp.js';
import { processManagerCheck } from './processManager.js';
import { scriptsCheck } from './scripts.js';
import { serverNotRunningCheck } from './serverNotRunning.js';
import { shebangCheck } from './shebang.js';
import { socketPermissionCheck } from './socketPermission.js';
import { staticWorkersCheck } from './staticWorkers.js';
import { fpmAllowedClientsCheck } from './fpmAllowedClients.js';
import { fpmUnusedCheck } from './fpmUnused.js';
import { tcpBackendCheck } from './tcpBackend.js';
import { unixSocketCheck } from './unixSocket.js';
import { userMismatchCheck } from './userMismatch.js';
import { dedupeFindings } from '../dedupe.js';
import { discoverScripts, type Discovery, type DiscoveryOptions } from '../discovery/discover.js';
import { fpmConfigCheck } from './fpmConfig.js';
import { htaccessOnRoutesCheck } from './htaccessOnRoutes.js';
import { discoveredScriptsCheck } from './discoveredScripts.js';
import { fpmLogsOf } from './fpmLogs.js';
import type { FpmLogTargets } from '../fpmLogTargets.js';
import { statusPageExposedCheck } from './statusPageExposed.js';
import { limitExtensionsCheck } from './limitExtensions.js';
import { timeoutsInvertedCheck } from './timeoutsInverted.js';
import { openBasedirCheck } from './openBasedir.js';
import { poolChrootCheck } from './poolChroot.js';
import { fpmMemoryCheck } from './fpmMemory.js';
import { scriptInContainerCheck } from './scriptInContainer.js';

import { discoverNginxScripts } from '../nginx/discover.js';
import { fixPathinfoFindings, httpoxyLive } from '../nginx/fixPathinfo.js';
import { httpoxyCheck } from '../nginx/httpoxy.js';
import { scriptFilenameFindings } from '../nginx/scriptFilename.js';
import { nginxNotRunningFindings } from '../nginx/notRunning.js';
import { serverUserDeniedFindings } from '../nginx/serverUserDenied.js';
import { type NginxWorker, workerOfFacts } from '../nginx/worker.js';

export type { ProbeCheck, ProbeContext } from './context.js';
export type { Facts, WebIdentity, ApacheInstance } from './facts.js';

/** In root-cause order: a server that is down before its sockets, a missing interpreter before the workers it kills. */
export const PROBE_CHECKS: readonly ProbeCheck[] = [
  serverNotRunningCheck,
  fpmConfigCheck,
  processManagerCheck,
  ipcDirCheck,
  scriptsCheck,
  shebangCheck,
  discoveredScriptsCheck,
  limitExtensionsCheck,
  openBasedirCheck,
  poolChrootCheck,
  scriptInContainerCheck,
  htaccessOnRoutesCheck,
  staticWorkersCheck,
  unixSocketCheck,
  socketPermissionCheck,
  privateTmpCheck,
  tcpBackendCheck,
  fpmAllowedClientsCheck,
  fpmUnusedCheck,
  userMismatchCheck,
  statusPageExposedCheck,
  timeoutsInvertedCheck,
  fpmMemoryCheck,
];

/**
 * The checks that apply to nginx's setups as they are to Apache's: FPM's side (the scripts as the
 * pool's user reads them, its limits, chroot and container), the socket and port as nginx's user
 * sees them, the pool's pages. Each words its fix in the directives of the server it finds
 * (fastcgi_param for nginx, ProxyFCGISetEnvIf for Apache). The others look at Apache itself (its
 * process, its modules' process managers, .htaccess, Options, PrivateTmp of its unit).
 */
export const NGINX_PROBE_CHECKS: readonly ProbeCheck[] = [
  fpmConfigCheck,
  discoveredScriptsCheck,
  limitExtensionsCheck,
  openBasedirCheck,
  poolChrootCheck,
  scriptInContainerCheck,
  unixSocketCheck,
  socketPermissionCheck,
  tcpBackendCheck,
  fpmAllowedClientsCheck,
  statusPageExposedCheck,
  timeoutsInvertedCheck,
  fpmMemoryCheck,
];

export interface ProbeOptions {
  /** Epoch ms (default Date.now()). */
  now?: number;
  /** Bound on each bare connect (default 2000 ms). */
  timeoutMs?: number;
  /** The configuration step's findings: a server that is down is explained by its errors. */
  configFindings?: readonly Finding[];
  /** php-fpm.conf files read besides the usual places and those named by running masters. */
  fpmConfigs?: readonly string[];
  /** The checks to run (default PROBE_CHECKS); tests pass one that throws. */
  checks?: readonly ProbeCheck[];
  /** Limits of the search for the scripts each site serves; false: no search. */
  discovery?: DiscoveryOptions | false;
}

export interface ProbeResult {
  findings: Finding[];
  /** What could not be seen, in plain words ("not visible to user X; run with sudo for the full check"). */
  notices: string[];
  /** The PHP-FPM pools read from their files: `check` reads the status page of those with pm.status_path. */
  fpmPools?: FpmPool[];
  /** PHP-FPM's own logs (error_log, slowlog) of the pools serving these setups: `check` reads them. */
  fpmLogs?: FpmLogTargets;
  /** Live checks that crashed: the run ends in exit status 2. */
  internalErrors: InternalError[];
  /** Ids the live checks answered: the configuration's findings of these ids are replaced by theirs. */
  answered: FindingId[];
  /** The scripts each site serves, found and traced: the request step asks the backends for them. */
  discovery?: Discovery;
}

/** nginx's worker for the discovery's routes, when it drops to a user whose files view can be made. */
function nginxWorkerOption(
  nginx: NonNullable<ConfigModel['nginx']>,
  facts: ProbeContext['facts'],
  system: SystemProbes,
): { worker?: NginxWorker } {
  const worker = workerOfFacts(nginx.config, facts, system.users);
  return worker ? { worker } : {};
}

/** Setups Apache actually uses: in a live branch, served by a loaded module (unknown for a lone vhost file). */
function probedSetups(model: ConfigModel): FastcgiSetup[] {
  return model.setups.filter((s) => s.active && (s.loaded || model.layout === 'standalone'));
}

async function connectAll(
  setups: readonly FastcgiSetup[],
  system: SystemProbes,
  timeoutMs: number,
): Promise<Map<string, ConnectOutcome>> {
  const out = new Map<string, ConnectOutcome>();
  const jobs = endpointGroups(setups).map(async (g) => {
    const e = g.endpoint;
    if (e.kind === 'unix') {
      if (e.generated) return;
      const st = system.fs.stat(e.path);
      if (isProbeError(st) || st.type !== 'socket') return;
      out.set(g.key, await system.connector.connectUnix(e.path, timeoutMs));
    } else {
      out.set(g.key, await system.connector.connectTcp(e.host, e.port, timeoutMs));
    }
  });
  await Promise.all(jobs);
  return out;
}

export async function runProbes(
  model: ConfigModel,
  system: SystemProbes,
  opts: ProbeOptions = {},
): Promise<ProbeResult> {
  const notices = new Set<string>();
  const setups = probedSetups(model);
  const facts = gatherFacts(model, system, opts.fpmConfigs);
  const connects = await connectAll(setups, system, opts.timeoutMs ?? 2000);
  const ctx: ProbeContext = {
    model,
    setups,
    system,
    now: opts.now ?? Date.now(),
    facts,
    connects,
    configFindings: opts.configFindings ?? [],
    notice: (t) => notices.add(t),
  };
  const nginx = model.nginx;
  if (facts.web.source === 'assumed' && setups.length > 0) {
    notices.add(
      nginx
        ? `nginx's configuration names no user and no nginx worker is running: permissions were checked for "${facts.web.name}", the compiled-in default.`
        : `The configuration names no User and no Apache child is running: permissions were checked for "${facts.web.name}".`,
    );
  }
  for (const p of facts.fpm.problems) notices.add(`PHP-FPM: ${p}`);
  if (!facts.unixListeners)
    notices.add(
      `/proc/net/unix is not readable by user ${facts.viewerName}: stale sockets are judged by connect() alone.`,
    );
  const findings: Finding[] = [];
  const internalErrors: InternalError[] = [];
  const answered: FindingId[] = [];
  if (opts.discovery !== false && setups.length > 0) {
    try {
      ctx.discovery = nginx
        ? discoverNginxScripts(nginx, setups, system, nginxWorkerOption(nginx, facts, system))
        : discoverScripts(model, system, opts.discovery ?? {});
      for (const n of ctx.discovery.notices) notices.add(n);
      if (ctx.discovery.routingCrash !== undefined) {
        internalErrors.push(
          internalError('the routing model, tracing the scripts each site serves', ctx.discovery.routingCrash),
        );
        // The probes' result stays plain data.
        delete ctx.discovery.routingCrash;
      }
    } catch (e) {
      internalErrors.push(internalError('the search for the scripts each site serves', e));
    }
  }
  for (const check of opts.checks ?? (nginx ? NGINX_PROBE_CHECKS : PROBE_CHECKS)) {
    try {
      findings.push(...check.run(ctx));
      // Only a check that ran answers: a crash leaves the configuration's finding standing.
      answered.push(...(check.answers ?? []));
    } catch (e) {
      internalErrors.push(internalError(`the live check for ${check.ids.join(', ')}`, e));
    }
  }
  if (nginx && !opts.checks) {
    try {
      findings.unshift(...nginxNotRunningFindings(ctx));
      findings.push(...serverUserDeniedFindings(ctx, nginx));
      findings.push(...scriptFilenameFindings(ctx, nginx));
      findings.push(...fixPathinfoFindings(ctx, nginx));
      findings.push(...httpoxyLive(ctx, nginx, httpoxyCheck.run(nginx)));
      answered.push('httpoxy-not-mitigated');
    } catch (e) {
      internalErrors.push(
        internalError(
          'the live nginx checks (server-user-denied, script-filename-mismatch, fix-pathinfo-exec, httpoxy-not-mitigated)',
          e,
        ),
      );
    }
  }
  const result: ProbeResult = {
    findings: dedupeFindings(findings),
    notices: [...notices],
    fpmPools: facts.fpm.pools,
    internalErrors,
    answered,
  };
  if (ctx.discovery) result.discovery = ctx.discovery;
  try {
    const endpoints = setups.flatMap((s) => (s.endpoint ? [s.endpoint] : []));
    if (endpoints.length > 0) result.fpmLogs = fpmLogsOf(system, endpoints, opts.fpmConfigs, facts.fpm);
  } catch (e) {
    internalErrors.push(internalError("finding PHP-FPM's own logs", e));
  }
  return result;
}
