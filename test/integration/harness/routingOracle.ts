/**
 * The oracle side of the routing differential test: a case of
 * fixtures/routing/<name>/case.yaml is run against a real Apache 2.4 with
 * `fcgi-doctor serve` as the FastCGI app (it answers JSON of the params it
 * received), and what Apache did with each request is observed: forwarded to
 * the app (with those params), served a file itself, or answered a status.
 * The same request is then written as the RouteRequest the model takes, and
 * the two answers are compared (compareRoute).
 *
 * A case file says: what it reproduces, the modules to load, the echo apps it
 * needs, the config text with placeholders, the files to create and the
 * requests. Placeholders (in the config and in file contents):
 *   ${DOCROOT} the harness's DocumentRoot      ${EXTRA} a second directory
 *   ${PORT}    Apache's port                   ${SOCK}  the echo app's Unix socket
 *   ${TCP}     host:port of the TCP echo app   ${SERVE} the command that runs the
 *                                               echo app on fd 0 (mod_fcgid)
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Route, RouteRequest } from '../../../src/routing/types.js';
import { startApache, type ApacheServer } from './apache.js';
import { BIN } from './requireServer.js';
import { startServeApp, startTcpServeApp, type ServeAppServer, type TcpServeAppServer } from './serveApp.js';
import { makeDir, writeFile } from './tempdir.js';

export const ROUTING_FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'routing');

export type Outcome = 'fastcgi' | 'static' | 'status';

/** A file or directory to create: text, or text / a directory with a mode ("0755"). */
export type CaseFile = string | { content?: string; mode?: string; dir?: boolean };
/** A case file, or a symbolic link to `link` (the nginx corpus: a deployment's "current" → a release). */
export type CaseFileOrLink = CaseFile | { link: string };

export interface CaseRequest {
  /** Short name, unique in the case. */
  name: string;
  /** Path and query exactly as sent on the request line. */
  url: string;
  /** Host header (default localhost). */
  host?: string;
  method?: string;
  headers?: Record<string, string>;
  /** What Apache was seen to do (checked on every run, so a changed machine is noticed before the model is blamed). */
  expect: { outcome: Outcome; status?: number };
  /** Why the model cannot decide this request: it must then say so in `uncertain`. */
  unsupported?: string;
}

export interface RoutingCase {
  /** The directory name: says the situation. */
  name: string;
  reproduces: string;
  modules: string[];
  /** Echo apps to start before Apache: 'unix' (${SOCK}) and/or 'tcp' (${TCP}). */
  apps?: Array<'unix' | 'tcp'>;
  config: string;
  docroot?: Record<string, CaseFile>;
  extra?: Record<string, CaseFile>;
  requests: CaseRequest[];
  /** Why the model cannot decide any request of this case. */
  unsupported?: string;
}

/** Reads and validates every fixtures/routing/<name>/case.yaml, sorted by name; throws naming the file and field at fault. */
export function loadRoutingCases(dir = ROUTING_FIXTURES): RoutingCase[] {
  return loadCaseFiles<RoutingCase>(dir);
}

/**
 * Every DIR/<name>/case.yaml of a differential corpus (Apache's, nginx's), validated against
 * DIR/schema.json and sorted by name; throws naming the file and field at fault, or two requests
 * of one case with one name.
 */
export function loadCaseFiles<C extends { name: string; requests: readonly { name: string }[] }>(dir: string): C[] {
  const schema = JSON.parse(readFileSync(join(dir, 'schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: false, strict: true }).compile(schema);
  const out: C[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const file = join(dir, entry.name, 'case.yaml');
    const raw = parseYaml(readFileSync(file, 'utf8')) as unknown;
    if (!validate(raw)) {
      const e = validate.errors?.[0];
      throw new Error(`${file}: ${e?.instancePath || '(file)'} ${e?.message ?? 'does not match schema.json'}`);
    }
    const c = { ...(raw as Omit<C, 'name'>), name: entry.name } as C;
    const names = new Set<string>();
    for (const r of c.requests) {
      if (names.has(r.name)) throw new Error(`${file}: two requests are named ${r.name}`);
      names.add(r.name);
    }
    out.push(c);
  }
  return out;
}

/** What Apache did with one request. */
export interface Observation {
  case: string;
  request: string;
  url: string;
  host: string;
  outcome: Outcome;
  httpStatus: number;
  /** 'status': the status; a redirect's Location. */
  status?: number;
  location?: string;
  /** 'static': the file whose bytes Apache sent. */
  file?: string;
  /** 'fastcgi': every param the echo app received. */
  params?: Record<string, string>;
  /**
   * 'fastcgi': which echo app answered, as the model's backend.target writes it:
   * "unix:<socket>", "127.0.0.1:<port>", or null for an app mod_fcgid started.
   */
  target?: string | null;
  /** The client's port of the connection (REMOTE_PORT). */
  clientPort?: number;
  /** The headers sent besides Host, names lower-cased, exactly as node:http sent them. */
  sentHeaders: Record<string, string>;
}

export interface OracleRun {
  apache: ApacheServer;
  vars: Record<string, string>;
  /** Every file the case created (absolute path → bytes), to recognise what Apache served. */
  files: Map<string, Buffer>;
  /** Pids of echo apps mod_fcgid started (they may outlive Apache: killed by stop). */
  fcgidPids: Set<number>;
  /** The echo apps the case started: pid → the target the model should name. */
  appTargets: Map<number, string>;
  stop(): Promise<void>;
}

/** The echo app's command line on fd 0 (what mod_fcgid runs): ${SERVE}. */
export const SERVE_COMMAND = `${process.execPath} ${BIN} serve`;

/** The placeholders of both corpora (Apache's ${SERVE}, nginx's ${PREFIX}): each case provides those it uses. */
const PLACEHOLDER = /\$\{(DOCROOT|EXTRA|PORT|SOCK|TCP|SERVE|PREFIX)\}/g;

export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`${whole} is used but the case does not provide it (apps: unix / tcp?)`);
    return v;
  });
}

/** A case's files under `base`, placeholders filled; `out` gets each file's bytes (the model reads them). */
export function writeCaseFiles(
  base: string,
  files: Record<string, CaseFileOrLink>,
  vars: Record<string, string>,
  out: Map<string, Buffer>,
): void {
  for (const [rel, spec] of Object.entries(files)) {
    const path = join(base, rel);
    if (typeof spec === 'object' && 'link' in spec) {
      mkdirSync(dirname(path), { recursive: true });
      symlinkSync(substitute(spec.link, vars), path);
      continue;
    }
    const s = typeof spec === 'string' ? { content: spec } : spec;
    const mode = s.mode === undefined ? undefined : Number.parseInt(s.mode, 8);
    if (s.dir) {
      makeDir(path, mode ?? 0o755);
      continue;
    }
    const content = Buffer.from(substitute(s.content ?? '', vars));
    writeFile(path, content, mode ?? 0o644);
    out.set(path, content);
  }
}

type TcpEcho = TcpServeAppServer;

/** Starts the case's echo apps and one Apache with its config and files. */
export async function startOracle(c: RoutingCase): Promise<OracleRun> {
  let unix: ServeAppServer | undefined;
  let tcp: TcpEcho | undefined;
  const files = new Map<string, Buffer>();
  const fcgidPids = new Set<number>();
  const appTargets = new Map<number, string>();
  const stopApps = async () => {
    await unix?.stop();
    await tcp?.stop();
  };
  try {
    const vars: Record<string, string> = { SERVE: SERVE_COMMAND };
    if (c.apps?.includes('unix')) {
      // Apache's children (www-data) connect: root's socket, group www-data, 0660.
      unix = await startServeApp({ args: ['--mode', '0660', '--group', 'www-data'] });
      vars.SOCK = unix.endpoint.path;
      appTargets.set(unix.pid, `unix:${unix.endpoint.path}`);
    }
    if (c.apps?.includes('tcp')) {
      tcp = await startTcpServeApp();
      vars.TCP = tcp.address;
      appTargets.set(tcp.pid, tcp.address);
    }
    const apache = await startApache({
      modules: c.modules,
      // The files need the paths and the port, known only once the server root exists:
      // startApache calls this before it starts Apache.
      config: (ctx) => {
        Object.assign(vars, { DOCROOT: ctx.docRoot, EXTRA: ctx.extraDir, PORT: String(ctx.port) });
        writeCaseFiles(ctx.docRoot, c.docroot ?? {}, vars, files);
        writeCaseFiles(ctx.extraDir, c.extra ?? {}, vars, files);
        return substitute(c.config, vars);
      },
    });
    return {
      apache,
      vars,
      files,
      fcgidPids,
      appTargets,
      async stop() {
        await apache.stop();
        await stopApps();
        // mod_fcgid stops its apps with Apache; one that outlived it is ours to end.
        for (const pid of fcgidPids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      },
    };
  } catch (e) {
    await stopApps();
    throw e;
  }
}

/** What the echo app answers in JSON. */
interface Echo {
  app: string;
  pid: number;
  params: Record<string, string>;
}

export function parseEcho(body: string): Echo | undefined {
  try {
    const e = JSON.parse(body) as Echo;
    return e && e.app === 'fcgi-doctor serve' && typeof e.params === 'object' ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The headers sent besides Host, set explicitly so the model gets exactly
 * what node:http puts on the wire (with these set, node adds none of its own
 * to a GET without a body).
 */
export function headersToSend(r: CaseRequest): Record<string, string> {
  const out: Record<string, string> = { accept: 'application/json', connection: 'close' };
  for (const [k, v] of Object.entries(r.headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Sends one request of the case to Apache and says what Apache did. */
export async function observe(run: OracleRun, c: RoutingCase, r: CaseRequest): Promise<Observation> {
  const host = substitute(r.host ?? 'localhost', run.vars);
  const url = substitute(r.url, run.vars);
  const sentHeaders = headersToSend(r);
  let clientPort: number | undefined;
  const res = await httpRequestWithPort(
    run.apache.port,
    url,
    r.method ?? 'GET',
    { Host: host, ...sentHeaders },
    (p) => {
      clientPort = p;
    },
  );
  const base = { case: c.name, request: r.name, url, host, httpStatus: res.status, clientPort, sentHeaders };
  const echo = parseEcho(res.body);
  if (echo) {
    const target = run.appTargets.get(echo.pid) ?? null;
    if (target === null) run.fcgidPids.add(echo.pid);
    return { ...base, outcome: 'fastcgi', params: echo.params, target };
  }
  if (res.status === 200) {
    for (const [path, content] of run.files) {
      if (content.equals(res.bodyBytes)) return { ...base, outcome: 'static', file: path };
    }
  }
  const loc = res.headers.location;
  return {
    ...base,
    outcome: 'status',
    status: res.status,
    ...(typeof loc === 'string' ? { location: loc } : {}),
  };
}

/** One request with node:http (no keep-alive, no default headers beyond those given), telling the client's port. */
export function httpRequestWithPort(
  port: number,
  url: string,
  method: string,
  headers: Record<string, string>,
  onPort: (p: number) => void,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string; bodyBytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: url, method, agent: false, headers, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bodyBytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bodyBytes.toString('utf8'), bodyBytes });
        });
        res.on('error', reject);
      },
    );
    req.on('socket', (s) => s.once('connect', () => onPort(s.localPort ?? 0)));
    req.on('timeout', () => req.destroy(new Error(`HTTP ${url}: no answer within 15 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The request as the model takes it: the same request, field by field, as
 * node:http sent it — the Host header exactly as sent (headers.host), the
 * connection to Apache's port.
 */
export function routeRequestOf(run: OracleRun, r: CaseRequest, obs: Observation): RouteRequest {
  const q = obs.url.indexOf('?');
  const path = q < 0 ? obs.url : obs.url.slice(0, q);
  const host = obs.host.replace(/:\d+$/, '').toLowerCase();
  return {
    url: `http://${obs.host}${obs.host.includes(':') ? '' : `:${run.apache.port}`}${obs.url}`,
    scheme: 'http',
    host,
    port: run.apache.port,
    localAddress: '127.0.0.1',
    remoteAddress: '127.0.0.1',
    ...(obs.clientPort ? { remotePort: obs.clientPort } : {}),
    method: r.method ?? 'GET',
    path,
    ...(q < 0 ? {} : { query: obs.url.slice(q + 1) }),
    headers: { host: obs.host, ...obs.sentHeaders },
  };
}

/** Params whose value differs on every connection: only their presence is compared. */
const PRESENCE_ONLY = new Set(['REMOTE_PORT']);

/** Every difference between what Apache did and what the model says, one line each ([] when they agree). */
/**
 * The verdict of one request of a corpus case: the model's route must equal what the server did,
 * with no doubt; a request marked unsupported must be one the model says it cannot decide (and the
 * mark must go once the model gets it right). Both corpora (Apache's, nginx's) hold their model to it.
 */
export function expectRouteAgrees(
  c: { name: string; reproduces: string; unsupported?: string },
  r: { name: string; unsupported?: string },
  route: Route,
  mismatches: readonly string[],
): void {
  const unsupported = r.unsupported ?? c.unsupported;
  if (unsupported !== undefined) {
    if (mismatches.length === 0 && route.uncertain.length === 0) {
      expect.fail(
        `${c.name}/${r.name} is marked unsupported (${unsupported}) but the model now answers it right: remove the mark`,
      );
    }
    expect(
      route.uncertain,
      `unsupported (${unsupported}): the model must say it cannot decide, yet it answered:\n${mismatches.join('\n')}`,
    ).not.toEqual([]);
    return;
  }
  expect(
    mismatches,
    `${c.name}/${r.name} (${c.reproduces.trim()})\n${mismatches.join('\n')}\nsteps:\n${route.steps
      .map((s) => `  ${s.what}: ${s.text}`)
      .join('\n')}\nuncertain: ${route.uncertain.join('; ')}`,
  ).toEqual([]);
}

export function compareRoute(obs: Observation, route: Route): string[] {
  const out: string[] = [];
  if (route.outcome !== obs.outcome) {
    const apache = obs.outcome === 'status' ? `status ${obs.status}` : obs.outcome;
    const model = route.outcome === 'status' ? `status ${route.status}` : route.outcome;
    out.push(`outcome: Apache ${apache}, model ${model}`);
    return out;
  }
  if (obs.outcome === 'status') {
    if (route.status !== obs.status) out.push(`status: Apache ${obs.status}, model ${route.status}`);
    if (obs.location !== undefined && route.location !== obs.location)
      out.push(`location: Apache ${JSON.stringify(obs.location)}, model ${JSON.stringify(route.location)}`);
  }
  if (obs.outcome === 'static' && route.file !== obs.file)
    out.push(`file: Apache sent ${obs.file}, model says ${route.file}`);
  if (obs.outcome === 'fastcgi') {
    if ((route.backend?.target ?? null) !== obs.target)
      out.push(
        `backend: ${obs.target ?? 'an app mod_fcgid started'} answered, model says ${route.backend?.target ?? 'null'}`,
      );
    const want = obs.params ?? {};
    const got = route.backend?.params ?? {};
    for (const name of [...new Set([...Object.keys(want), ...Object.keys(got)])].sort()) {
      const w = want[name];
      const g = got[name];
      if (w === undefined) out.push(`param ${name}: Apache sends none, model ${JSON.stringify(g)}`);
      else if (g === undefined) out.push(`param ${name}: Apache ${JSON.stringify(w)}, model sends none`);
      else if (!PRESENCE_ONLY.has(name) && w !== g)
        out.push(`param ${name}: Apache ${JSON.stringify(w)}, model ${JSON.stringify(g)}`);
    }
  }
  return out;
}
