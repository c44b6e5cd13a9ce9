/**
 * The oracle side of the nginx routing differential test, the same design as
 * the Apache one (routingOracle.ts): a case of fixtures/routing-nginx/<name>/case.yaml
 * runs against a real nginx with `fcgi-doctor serve` as the FastCGI app (it
 * answers JSON of the params it received), and what nginx did with each
 * request is observed: forwarded to the app (with those params), a file nginx
 * sent itself, or a status. The same request is then the RouteRequest the
 * model takes, and the answers are compared with compareRoute.
 *
 * A case file says what it reproduces, the echo apps it needs, the text inside
 * `http { }` with placeholders, the files to create and the requests.
 * Placeholders (in the config and in file contents):
 *   ${DOCROOT} a directory for the site     ${EXTRA} a second directory
 *   ${PORT}    nginx's port                  ${SOCK}  the echo app's Unix socket
 *   ${TCP}     host:port of the TCP echo app ${PREFIX} nginx's prefix (-p), with its slash
 * nginx's own `${name}` variables are lower-case and left alone.
 */
import { join } from 'node:path';
import type { RouteRequest } from '../../../src/routing/types.js';
import { startNginx, type NginxServer } from './nginx.js';
import {
  type CaseFileOrLink,
  type CaseRequest,
  headersToSend,
  httpRequestWithPort,
  loadCaseFiles,
  type Observation,
  parseEcho,
  substitute,
  writeCaseFiles,
} from './routingOracle.js';
import { startServeApp, startTcpServeApp, type ServeAppServer, type TcpServeAppServer } from './serveApp.js';

export const NGINX_ROUTING_FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'routing-nginx');

/** A file or directory as for the Apache corpus, or a symbolic link to `link` (a deployment's "current" → a release). */
export type NginxCaseFile = CaseFileOrLink;

export interface NginxRoutingCase {
  name: string;
  reproduces: string;
  apps?: Array<'unix' | 'tcp'>;
  /** The text inside `http { }`. */
  config: string;
  docroot?: Record<string, NginxCaseFile>;
  extra?: Record<string, NginxCaseFile>;
  requests: CaseRequest[];
  unsupported?: string;
}

export function loadNginxRoutingCases(dir = NGINX_ROUTING_FIXTURES): NginxRoutingCase[] {
  return loadCaseFiles<NginxRoutingCase>(dir);
}

export interface NginxOracleRun {
  nginx: NginxServer;
  vars: Record<string, string>;
  files: Map<string, Buffer>;
  appTargets: Map<number, string>;
  stop(): Promise<void>;
}

export async function startNginxOracle(c: NginxRoutingCase): Promise<NginxOracleRun> {
  let unix: ServeAppServer | undefined;
  let tcp: TcpServeAppServer | undefined;
  const files = new Map<string, Buffer>();
  const appTargets = new Map<number, string>();
  const stopApps = async () => {
    await unix?.stop();
    await tcp?.stop();
  };
  try {
    const vars: Record<string, string> = {};
    if (c.apps?.includes('unix')) {
      unix = await startServeApp();
      vars.SOCK = unix.endpoint.path;
      appTargets.set(unix.pid, `unix:${unix.endpoint.path}`);
    }
    if (c.apps?.includes('tcp')) {
      tcp = await startTcpServeApp();
      vars.TCP = tcp.address;
      appTargets.set(tcp.pid, tcp.address);
    }
    const nginx = await startNginx({
      http: (ctx) => {
        Object.assign(vars, { DOCROOT: ctx.docRoot, EXTRA: ctx.extraDir, PORT: String(ctx.port), PREFIX: ctx.prefix });
        writeCaseFiles(ctx.docRoot, c.docroot ?? {}, vars, files);
        writeCaseFiles(ctx.extraDir, c.extra ?? {}, vars, files);
        return substitute(c.config, vars);
      },
    });
    return {
      nginx,
      vars,
      files,
      appTargets,
      async stop() {
        await nginx.stop();
        await stopApps();
      },
    };
  } catch (e) {
    await stopApps();
    throw e;
  }
}

/** Sends one request of the case to nginx and says what nginx did. */
export async function observeNginx(run: NginxOracleRun, c: NginxRoutingCase, r: CaseRequest): Promise<Observation> {
  const host = substitute(r.host ?? 'localhost', run.vars);
  const url = substitute(r.url, run.vars);
  const sentHeaders = headersToSend(r);
  // node:http adds "Content-Length: 0" to a request without a body unless its method has none by default
  // (GET, HEAD, DELETE, OPTIONS, TRACE, CONNECT): set it, so the model is told what was sent.
  const bodyless = ['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];
  if (!bodyless.includes(r.method ?? 'GET') && sentHeaders['content-length'] === undefined)
    sentHeaders['content-length'] = '0';
  let clientPort: number | undefined;
  const res = await httpRequestWithPort(run.nginx.port, url, r.method ?? 'GET', { Host: host, ...sentHeaders }, (p) => {
    clientPort = p;
  });
  const base = { case: c.name, request: r.name, url, host, httpStatus: res.status, clientPort, sentHeaders };
  const echo = parseEcho(res.body);
  if (echo) return { ...base, outcome: 'fastcgi', params: echo.params, target: run.appTargets.get(echo.pid) ?? null };
  if (res.status === 200) {
    for (const [path, content] of run.files) {
      if (content.equals(res.bodyBytes)) return { ...base, outcome: 'static', file: path };
    }
  }
  const loc = res.headers.location;
  return { ...base, outcome: 'status', status: res.status, ...(typeof loc === 'string' ? { location: loc } : {}) };
}

/** The request as the model takes it: exactly what node:http sent, on a connection to 127.0.0.1:port. */
export function nginxRouteRequestOf(run: NginxOracleRun, r: CaseRequest, obs: Observation): RouteRequest {
  const q = obs.url.indexOf('?');
  const path = q < 0 ? obs.url : obs.url.slice(0, q);
  const host = obs.host.replace(/:\d+$/, '').toLowerCase();
  return {
    url: `http://${obs.host}${obs.host.includes(':') ? '' : `:${run.nginx.port}`}${obs.url}`,
    scheme: 'http',
    host,
    port: run.nginx.port,
    localAddress: '127.0.0.1',
    remoteAddress: '127.0.0.1',
    ...(obs.clientPort ? { remotePort: obs.clientPort } : {}),
    method: r.method ?? 'GET',
    path,
    ...(q < 0 ? {} : { query: obs.url.slice(q + 1) }),
    headers: { host: obs.host, ...obs.sentHeaders },
  };
}
