import { runTrace } from '../checks/trace.js';
import type { TraceRequestResult } from '../checks/request/traceRequest.js';
import { chooseWebServer, type WebServerKind } from '../checks/webServerChoice.js';
import type { Finding } from '../findings/finding.js';
import type { Route } from '../routing/types.js';
import type { SystemProbes } from '../system/types.js';
import { parseRouteUrl } from '../routing/url.js';
import { buildEnvelope, formatJson } from '../report/envelope.js';
import { formatRouteText } from '../report/routeText.js';
import { traceJsonExtras } from '../report/traceJson.js';
import { formatSuppressedText } from '../report/suppressedText.js';
import { loadStyle } from '../report/style.js';
import { definedOnly } from './check.js';
import { parseFailOn, traceExitStatus } from './exitStatus.js';
import { writeFindingsFormat } from './formats.js';
import { colorEnabled, UsageError, type CliIO } from './io.js';
import { parseDuration, parseFormat, parsePair, requireExisting } from './parse.js';
import { loadSuppressions, reported, suppress, type SuppressionOptions } from './suppressions.js';
import { TOOL_VERSION } from './version.js';

export interface TraceCliOptions extends SuppressionOptions {
  root?: string;
  serverRoot?: string;
  offline?: boolean;
  method?: string;
  header?: string[];
  format?: string;
  timeout?: string;
  server?: string;
  failOn?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

/** nagios has nothing to measure in a route: the finding formats that carry a trace's findings as they are. */
export const TRACE_FORMATS = ['text', 'json', 'sarif', 'github'] as const;

/**
 * `fcgi-doctor trace URL`, wiring only: the configuration as `check --offline`
 * reads it, the route from the routing model, then (unless --offline) the
 * request step of src/checks, and a reporter.
 */
export async function runTraceCommand(url: string, opts: TraceCliOptions, io: CliIO): Promise<number> {
  const format = parseFormat(opts.format ?? 'text', TRACE_FORMATS);
  const failOn = parseFailOn(opts.failOn);
  const timeoutMs = parseDuration(opts.timeout ?? '5', '--timeout');
  requireExisting([
    ['--root', opts.root],
    ['--server-root', opts.serverRoot],
  ]);
  const headers: Record<string, string> = {};
  for (const h of opts.header ?? []) {
    const [name, value] = parsePair(h, 'header');
    headers[name.toLowerCase()] = value;
  }
  const request = parseRouteUrl(url, { method: opts.method, headers });
  if ('error' in request) {
    // A path of 100 KB is bad input to report, not to print whole.
    const shown = url.length > 200 ? `${url.slice(0, 200)}… (${url.length} characters)` : url;
    throw new UsageError(`cannot trace ${shown}: ${request.error}`);
  }
  const suppressions = await loadSuppressions(opts, reported('ping'));

  const { apacheServerSoftware, liveSystem, nginxServerVersion, NGINX_BINARIES } = await import('../system/index.js');
  const system = liveSystem();
  const env = definedOnly(io.env);
  const server = await chooseServer(opts, request.port, system, env);
  let route: Route;
  let live: TraceRequestResult | undefined;
  let found: Finding[];
  if (server === 'nginx') {
    const { runNginxTrace } = await import('../checks/traceNginx.js');
    const traced = await runNginxTrace(request, {
      root: opts.root,
      offline: Boolean(opts.offline),
      timeoutMs,
      system,
      // $nginx_version from the binary that owns the configuration: the running master's, else the usual one.
      nginxVersion: (binary) => nginxServerVersion({ binaries: binary ? [binary] : NGINX_BINARIES }),
    });
    if (!traced.ok) throw new UsageError(`cannot read nginx's configuration: ${traced.why}`);
    ({ route, live, findings: found } = traced);
  } else {
    const traced = await runTrace(request, {
      root: opts.root,
      serverRoot: opts.serverRoot,
      env,
      offline: Boolean(opts.offline),
      timeoutMs,
      system,
      // SERVER_SOFTWARE as this machine's Apache would send it (`apache2 -v`, 1 s at most, and the loaded modules'
      // version components), even offline: it is part of the params, unknown (said in the route) when no Apache answers.
      serverSoftwareOf: (modules) => apacheServerSoftware(modules),
      // Apache's own PATH, from the running master's /proc/PID/environ (root only).
      processes: system.processes,
    });
    if (!traced.ok) throw new UsageError(`cannot read the configuration: ${traced.why}`);
    ({ route, live, findings: found } = traced);
  }
  const { findings, suppressed } = suppress(found, suppressions);
  const exitCode = traceExitStatus(route, findings, failOn, live?.browser?.status);

  if (format === 'json') {
    io.stdout(
      formatJson(buildEnvelope(TOOL_VERSION, 'trace', url, findings, traceJsonExtras(route, live, server), suppressed)),
    );
  } else if (format === 'text') {
    const style = await loadStyle(colorEnabled(io, opts.color));
    io.stdout(
      formatRouteText(style, route, live, findings, {
        offline: Boolean(opts.offline),
        quiet: opts.quiet,
        verbose: opts.verbose,
        bodyLimit: io.stdoutIsTTY ? 4096 : undefined,
        exitCode,
        server,
      }),
    );
    io.stdout(formatSuppressedText(style, suppressed, opts.verbose));
  } else {
    return writeFindingsFormat(format, { command: 'trace', target: url, findings, suppressed, exitCode, failOn }, io);
  }
  return exitCode;
}

/**
 * --server, else the web server the machine (or --root) makes plain; both
 * installed: the one listening on the URL's port; else a usage error.
 */
async function chooseServer(
  opts: TraceCliOptions,
  port: number,
  system: SystemProbes,
  env: Record<string, string>,
): Promise<WebServerKind> {
  // The configurations' ports matter only when nothing else decides: loaded only then.
  const listenPorts =
    opts.server === undefined && opts.root === undefined ? await import('../checks/listenPorts.js') : undefined;
  const choice = chooseWebServer({
    ...(opts.server !== undefined ? { server: opts.server } : {}),
    ...(opts.root !== undefined ? { root: opts.root } : {}),
    port,
    system,
    listenPorts: (kind) => {
      // Read only when both are there: the configurations the trace itself reads.
      if (!listenPorts) return undefined;
      return kind === 'nginx'
        ? listenPorts.nginxListenPorts({ commandLines: system.processes.commandLines().map((c) => c.cmdline) })
        : listenPorts.apacheListenPorts({ env });
    },
  });
  if (!choice.ok) throw new UsageError(`cannot tell which web server routes the URL: ${choice.message}`);
  return choice.server;
}
