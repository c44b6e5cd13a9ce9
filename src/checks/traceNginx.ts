/**
 * `trace URL` through nginx (issue 17 §2): nginx's root configuration located
 * and read as nginx reads it (src/nginx), the route nginx computes for the
 * request (src/routing/nginx), then (unless offline) that very request sent
 * to the backend, and what a browser would get through nginx for its answer.
 * The CLI only parses arguments and picks a reporter.
 */
import type { Finding } from '../findings/finding.js';
import {
  LiveNginxSource,
  RememberingNginxSource,
  locateNginxMasters,
  locateNginxRoot,
  type NginxConfig,
  type NginxFileSource,
  readNginxConfig,
} from '../nginx/index.js';
import { buildModel, type Level, type NginxModel, setting } from '../routing/nginx/config.js';
import { nginxAnswerAfterBackend, type NginxRouteOptions, routeNginx } from '../routing/nginx/index.js';
import type { Route, RouteRequest } from '../routing/types.js';
import type { AccessOracle, FileSystem, Network, Processes, Users } from '../system/types.js';
import { nginxConfigFindings, scriptFilenameFindings } from './nginx/routeFindings.js';
import { serverUserDenied } from './nginx/serverUserDenied.js';
import { nginxWorkerOf, workerView } from './nginx/worker.js';
import {
  NGINX_DEFAULT_BUFFER_SIZE,
  type NginxAnswerContext,
  nginxAnswerForClientError,
  nginxAnswerForResponse,
  parseNginxSize,
} from './request/nginxAnswer.js';
import type { BrowserAnswerModel, TraceRequestResult } from './request/traceRequest.js';
import { chooseNginxMaster } from './webServerChoice.js';

export interface NginxTraceOptions {
  /** `--root FILE`: nginx's root configuration. */
  root?: string;
  offline: boolean;
  timeoutMs: number;
  system: {
    fs: FileSystem;
    processes: Pick<Processes, 'commandLines'>;
    network: Pick<Network, 'hostname'>;
    /** The accounts, for nginx's `user`: with them the route is traced over the files as nginx's worker sees them. */
    users?: Users;
    /** The kernel's answer as the worker, for what the mode bits refuse (an ACL may grant it). */
    access?: AccessOracle;
  };
  /** The files nginx reads (default: the live machine's). */
  source?: NginxFileSource;
  /** `nginx -v` of the binary that owns the configuration (the master's executable when one runs), for $nginx_version. */
  nginxVersion?: (binary: string | undefined) => string | undefined;
  /** Whether we read as root, as nginx's master does (default: our uid is 0). */
  asRoot?: boolean;
}

export type NginxTraceResult =
  | { ok: true; config: NginxConfig; route: Route; live?: TraceRequestResult; findings: Finding[]; how: string }
  | { ok: false; why: string };

/** The executable of a master whose title is "nginx: master process /usr/sbin/nginx -c …". */
function masterBinary(master: string | undefined): string | undefined {
  const word = /^nginx: master process (\S+)/.exec(master ?? '')?.[1];
  return word?.startsWith('/') ? word : undefined;
}

/** The level a directive is written in: a location, an `if` in it, a server, or http. */
function levelHolding(model: NginxModel, file: string, line: number): Level | undefined {
  const search = (level: Level): Level | undefined => {
    if (level.body.some((d) => d.file === file && d.line === line && d.name !== 'location' && d.name !== 'if'))
      return level;
    for (const ifLevel of level.ifs?.values() ?? []) {
      const found = search(ifLevel);
      if (found) return found;
    }
    return undefined;
  };
  const inLocations = (locs: NginxModel['servers'][number]['locations']): Level | undefined => {
    for (const l of locs) {
      const found = search(l.level) ?? inLocations(l.nested);
      if (found) return found;
    }
    return undefined;
  };
  for (const server of model.servers) {
    const level = inLocations(server.locations) ?? search(server.level);
    if (level) return level;
  }
  return search(model.http);
}

/** What shapes nginx's handling of the backend's answer, from the level of the route's fastcgi_pass. */
export function answerContext(config: NginxConfig, route: Route): NginxAnswerContext {
  const pass = [...route.steps].reverse().find((s) => s.what === 'backend' && s.file && s.line);
  const model = buildModel(config);
  const level = (pass?.file && pass.line ? levelHolding(model, pass.file, pass.line) : undefined) ?? model.http;
  const size = setting(level, 'fastcgi_buffer_size');
  const bytes = size ? parseNginxSize(size.args[0] ?? '') : undefined;
  return {
    bufferSize: bytes ?? NGINX_DEFAULT_BUFFER_SIZE,
    ...(size && bytes !== undefined ? { bufferSizeAt: `${size.file}:${size.line}` } : {}),
    readTimeout: setting(level, 'fastcgi_read_timeout')?.args[0] ?? '60s',
    interceptErrors: setting(level, 'fastcgi_intercept_errors')?.args[0] === 'on',
  };
}

/**
 * What a browser gets through nginx for the backend's answer to the route:
 * the fastcgi module's handling, then error_page and fastcgi_intercept_errors
 * followed through the configuration (routing/nginx/answer.ts).
 */
export function nginxBrowserAnswers(
  config: NginxConfig,
  request: RouteRequest,
  route: Route,
  routeOptions: NginxRouteOptions,
): BrowserAnswerModel {
  const ctx: NginxAnswerContext = {
    ...answerContext(config, route),
    after: (status, byNginx) => nginxAnswerAfterBackend(config, request, routeOptions, { status, byNginx }),
  };
  return {
    forResponse: (response, records) => nginxAnswerForResponse(response, records, ctx),
    forError: (err, records) => nginxAnswerForClientError(err, records, ctx),
  };
}

export async function runNginxTrace(request: RouteRequest, options: NginxTraceOptions): Promise<NginxTraceResult> {
  // Kept reads: a file every server includes (fastcgi.conf) is opened once, and the masters' configurations
  // read to choose one by port are not read again.
  const source = new RememberingNginxSource(options.source ?? new LiveNginxSource());
  const commandLines = options.system.processes.commandLines().map((c) => c.cmdline);
  // Several masters, each with its own -c: the one whose configuration listens on the URL's port.
  const masters = options.root === undefined ? locateNginxMasters({ commandLines, source }) : [];
  // Their listens are read only then (listenPorts.js also holds Apache's side: loaded on demand).
  const ports = masters.length > 1 ? await import('./listenPorts.js') : undefined;
  const choice = chooseNginxMaster(masters, request.port, (m) => ports?.nginxListenPortsOf(m, source));
  const located =
    choice?.chosen ??
    locateNginxRoot({
      ...(options.root !== undefined ? { root: options.root } : {}),
      commandLines,
      source,
    });
  if (!located)
    return {
      ok: false,
      why: 'no nginx configuration found (looked for a running master, /etc/nginx/nginx.conf, /usr/local/nginx/conf/nginx.conf, /usr/local/etc/nginx/nginx.conf): name it with --root FILE',
    };
  const rootStat = source.stat(located.root);
  if (rootStat.kind !== 'file')
    return {
      ok: false,
      why: `${located.root}${located.how === 'master' ? ` (read by ${located.master ?? 'the running master'})` : ''}: ${
        rootStat.kind !== 'missing'
          ? 'not a file'
          : rootStat.code === 'EACCES'
            ? 'permission denied (nginx reads it as root)'
            : rootStat.code === 'ENOENT' || rootStat.code === undefined
              ? 'does not exist'
              : rootStat.code
      }`,
    };
  const config = readNginxConfig(located.root, {
    source,
    prefix: located.prefix,
    ...(options.asRoot !== undefined ? { asRoot: options.asRoot } : {}),
  });
  if (config.files.length === 0) {
    const issue = config.issues.find((i) => i.file === located.root);
    return { ok: false, why: issue?.message ?? `${located.root} could not be read` };
  }
  // The binary that owns the configuration: the running master's, else a source build's <prefix>sbin/nginx.
  const ownPrefix = located.prefix !== '/usr/share/nginx/' && located.prefix !== '/etc/nginx/';
  const sbin = `${located.prefix}sbin/nginx`;
  const binary = masterBinary(located.master) ?? (ownPrefix && source.stat(sbin).kind === 'file' ? sbin : undefined);
  const version = options.nginxVersion?.(binary);
  const hostname = options.system.network.hostname();
  const users = options.system.users;
  // try_files, index and the static file are the worker's checks, made as nginx's `user`.
  const worker = users ? nginxWorkerOf(config, users) : undefined;
  const routeOptions: NginxRouteOptions = {
    fs: workerView(options.system.fs, worker, options.system.access),
    ...(version ? { nginxVersion: version } : {}),
    ...(hostname ? { hostname } : {}),
  };
  const route = routeNginx(config, request, routeOptions);
  if (choice?.why) {
    // Which configuration was traced comes first: with several masters, the rest depends on it.
    route.steps.unshift({ what: 'configuration', file: located.root, text: choice.why });
    if (choice.uncertain) route.uncertain.push(choice.uncertain);
  }
  let live: TraceRequestResult | undefined;
  if (!options.offline) {
    // Loaded only here: an offline trace needs no client.
    const { requestRoute } = await import('./request/traceRequest.js');
    live = await requestRoute(route, {
      timeoutMs: options.timeoutMs,
      answers: nginxBrowserAnswers(config, request, route, routeOptions),
    });
  }
  const missing = scriptFilenameFindings(route, live?.response?.stderr);
  // Without SCRIPT_FILENAME, PHP-FPM's "Primary script unknown" is the effect: the missing param is the cause
  // (the request step words that answer for `ping`, whose fix is --script), so the answer becomes its evidence.
  const liveFindings = (live?.findings ?? []).filter((f) => missing.length === 0 || f.id !== 'primary-script-unknown');
  const answered = live?.response;
  for (const f of missing)
    if (answered)
      f.evidence.push({
        kind: 'request',
        text: `the backend answered ${answered.status}${/Primary script unknown/.test(answered.stderr) ? ', stderr "Primary script unknown"' : ''}`,
      });
  const hidden =
    users && worker && route.refused
      ? serverUserDenied({
          route,
          fs: options.system.fs,
          users,
          worker,
          config,
          routing: buildModel(config),
          ...(options.system.access ? { access: options.system.access } : {}),
        })
      : undefined;
  const findings: Finding[] = [
    ...nginxConfigFindings(config),
    ...(hidden ? [hidden] : []),
    ...missing,
    ...liveFindings,
  ];
  const how =
    located.how === 'option'
      ? `--root ${located.root}`
      : located.how === 'master'
        ? `the running master (${located.master ?? ''})`
        : located.root;
  return { ok: true, config, route, ...(live ? { live } : {}), findings, how };
}
