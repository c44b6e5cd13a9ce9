/**
 * One request through nginx's phases (src/http/ngx_http_core_module.c,
 * ngx_http_core_run_phases over the phase engine of ngx_http_init_phase_handlers):
 * SERVER_REWRITE (the server's rewrite directives), FIND_CONFIG
 * (ngx_http_core_find_config_phase: the location; an `internal` one answers
 * 404 to a client; a `*_pass` location named "/x/" answers "/x" with 301),
 * REWRITE (the location's rewrite directives), POST_REWRITE (a changed URI
 * searches the location again, at most 10 times), ACCESS (allow/deny),
 * PRECONTENT (try_files), CONTENT (fastcgi_pass, else index and static).
 * Internal redirects (try_files' last argument, index, error_page) start again
 * at SERVER_REWRITE (ngx_http_internal_redirect); a named location at its
 * REWRITE phase (ngx_http_named_location). An error status goes through
 * error_page once (ngx_http_special_response_handler, recursive_error_pages off).
 */
import type { NginxConfig, NginxDirective } from '../../nginx/types.js';
import type { Route, RouteBackend, RouteRequest } from '../types.js';
import { buildModel, inherited, type Level, type LocationConf, setting, where } from './config.js';
import { indexHandler, staticHandler, tryFiles } from './files.js';
import { fastcgiBackend } from './params.js';
import { execNginxRegex } from './regex.js';
import { runScript, type ScriptResult } from './script.js';
import { primaryServerName, selectServer, validatedHost } from './server.js';
import { type NginxRouteOptions, type RequestState, bytesToText, step, textToBytes } from './state.js';
import { parseNginxUri } from './uri.js';
import { expand, fastcgiSplit } from './variables.js';

type Phase = 'server_rewrite' | 'find_config' | 'rewrite' | 'post_rewrite' | 'access' | 'try_files' | 'content';

export interface Ending {
  outcome: 'fastcgi' | 'static' | 'status';
  /** The file an error_page redirect ended at, sent with the error's status (the outcome stays 'status'). */
  served?: string;
  status?: number;
  location?: string;
  file?: string | null;
  backend?: RouteBackend;
}

/** The Host header a browser sends for the request (url.ts writes it; else the same form from host and port). */
function hostHeaderOf(request: RouteRequest): string | undefined {
  if (request.headers.host !== undefined) return request.headers.host;
  if (request.host === '') return undefined;
  const def = request.scheme === 'https' ? 443 : 80;
  return request.port === def ? request.host : `${request.host}:${request.port}`;
}

/** Request headers in the order a client sends them: Host first, then the others. */
function headerList(request: RouteRequest): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const host = hostHeaderOf(request);
  if (host !== undefined) out.push(['Host', textToBytes(host)]);
  for (const [k, v] of Object.entries(request.headers)) if (k !== 'host') out.push([k, textToBytes(v)]);
  return out;
}

interface LocationFound {
  rc: 'ok' | 'again' | 'declined' | 'done';
  loc?: LocationConf;
}

/** ngx_http_core_find_location over one level's locations (static tree, then regexes unless `^~`). */
function findLocation(r: RequestState, list: LocationConf[]): LocationFound {
  const uri = r.uri;
  const statics = list.filter((l) => l.modifier === '' || l.modifier === '=' || l.modifier === '^~');
  // ngx_http_core_find_static_location: an exact match wins at once.
  const exact = statics.find((l) => l.modifier === '=' && l.name === uri);
  if (exact) return { rc: 'ok', loc: exact };
  let best: LocationConf | undefined;
  for (const l of statics) {
    if (l.modifier === '=') continue;
    if (uri.startsWith(l.name) && (!best || l.name.length > best.name.length)) best = l;
  }
  if (!best || best.name !== uri) {
    // A location "/x/" with a *_pass answers "/x" with a redirect, unless a location "/x" exists.
    const named = statics.some((l) => l.name === uri);
    const redirect = statics.find((l) => l.autoRedirect && l.name === `${uri}/`);
    if (!named && redirect) return { rc: 'done', loc: redirect };
  }
  let found: LocationFound = { rc: 'declined' };
  let noregex = false;
  if (best) {
    found = { rc: 'again', loc: best };
    noregex = best.modifier === '^~';
    const inner = findLocation(r, best.nested);
    if (inner.rc === 'ok' || inner.rc === 'done') return inner;
    if (inner.loc) found = { rc: 'again', loc: inner.loc };
  }
  if (!noregex) {
    for (const l of list) {
      if (l.modifier !== '~' && l.modifier !== '~*') continue;
      const rx = l.regex;
      if (!rx || 'error' in rx) {
        r.uncertain.push(
          `${locationText(l)} (${where(l.level.at as NginxDirective)}): ${rx && 'error' in rx ? rx.error : 'no regex'}; taken as not matching`,
        );
        continue;
      }
      const m = execNginxRegex(rx, uri);
      if (!m) continue;
      r.captures = m;
      for (const [k, v] of Object.entries(m.named)) r.vars.set(k.toLowerCase(), v);
      const inner = findLocation(r, l.nested);
      return { rc: 'ok', loc: inner.loc ?? l };
    }
  }
  return found;
}

function locationText(l: LocationConf): string {
  return `location ${l.modifier ? `${l.modifier} ` : ''}${bytesToText(l.name)}`;
}

/** ngx_http_access_module: the allow/deny rules in effect, the first that matches decides. */
function access(r: RequestState): number | undefined {
  let rules: NginxDirective[] = [];
  for (let l: Level | null = r.level; l; l = l.parent) {
    const own = l.body.filter((d) => d.name === 'allow' || d.name === 'deny');
    if (own.length > 0) {
      rules = own;
      break;
    }
  }
  const addr = r.request.remoteAddress;
  for (const d of rules) {
    const what = d.args[0] ?? '';
    let matches: boolean | undefined;
    if (what === 'all') matches = true;
    else if (addr === undefined) matches = undefined;
    else matches = ipMatches(addr, what);
    if (matches === undefined) {
      r.uncertain.push(`${d.name} ${what} (${where(d)}): the model cannot tell whether the client matches`);
      return undefined;
    }
    if (matches) {
      step(r, 'access', `${d.name} ${what}`, d);
      return d.name === 'deny' ? 403 : undefined;
    }
  }
  for (const name of ['limit_except', 'auth_request', 'satisfy']) {
    const d = r.level.body.find((x) => x.name === name) ?? setting(r.level, name);
    if (d) r.uncertain.push(`${name} (${where(d)}) is not modelled: the access decision may differ`);
  }
  const auth = setting(r.level, 'auth_basic');
  if (auth && auth.args[0] !== 'off') {
    if (r.headers.some(([n]) => n.toLowerCase() === 'authorization'))
      r.uncertain.push(`auth_basic (${where(auth)}): whether the credentials are accepted is not modelled`);
    else {
      step(r, 'access', 'auth_basic: no credentials', auth);
      return 401;
    }
  }
  return undefined;
}

function ipv4(a: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (!m) return undefined;
  return m.slice(1).reduce((n, x) => n * 256 + Number(x), 0);
}

function ipMatches(addr: string, rule: string): boolean | undefined {
  const [net = '', bitsText] = rule.split('/');
  const a = ipv4(addr);
  const n = ipv4(net);
  if (a === undefined || n === undefined) return undefined;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(n / size);
}

/** Directives of other modules that answer the request themselves (their content handler). */
const CONTENT_HANDLERS = [
  'stub_status',
  'empty_gif',
  'js_content',
  'content_by_lua',
  'content_by_lua_block',
  'content_by_lua_file',
  'perl',
  'flv',
  'mp4',
  'random_index',
  'dav_methods',
];

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** ngx_http_core_find_config_phase: a Content-Length above client_max_body_size (default 1m; 0 = no limit) is 413. */
function bodyTooLarge(r: RequestState): { text: string; at?: NginxDirective } | undefined {
  const length = r.headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
  if (length === undefined || !/^\d+$/.test(length)) return undefined;
  const d = setting(r.level, 'client_max_body_size');
  const m = /^(\d+)([kKmMgG]?)$/.exec(d?.args[0] ?? '1m');
  if (!m) return undefined;
  const limit = Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? 1);
  if (limit === 0 || Number(length) <= limit) return undefined;
  return {
    text: `Content-Length ${length} is above client_max_body_size (${d?.args[0] ?? '1m'}): 413`,
    ...(d ? { at: d } : {}),
  };
}

/** The level whose *_pass handles the content: the location's own, or an `if` block's in it (ngx_http_update_location_config). */
function passOf(r: RequestState): NginxDirective | undefined {
  for (let l: Level | null = r.level; l; l = l.parent) {
    const d = l.body.find((x) => /^(fastcgi|proxy|uwsgi|scgi|grpc|memcached)_pass$/.test(x.name));
    if (d) return d;
    if (l.kind !== 'if') return undefined;
  }
  return undefined;
}

export interface ErrorPageTarget {
  uri: string;
  overwrite?: number | 'response';
  at: NginxDirective;
}

/** The error_page in effect at the request's level for `status` (ngx_http_core_merge_loc_conf: the inner list replaces the outer). */
export function errorPage(r: RequestState, status: number): ErrorPageTarget | undefined {
  for (const d of inherited(r.level, 'error_page')) {
    const a = d.args;
    let i = a.length - 1;
    const uri = a[i] as string;
    i--;
    let overwrite: ErrorPageTarget['overwrite'];
    const o = a[i];
    if (o?.startsWith('=')) {
      overwrite = o === '=' ? 'response' : Number(o.slice(1));
      i--;
    }
    const codes = a.slice(0, i + 1).map(Number);
    if (codes.includes(status)) return { uri, ...(overwrite !== undefined ? { overwrite } : {}), at: d };
  }
  return undefined;
}

export function route(config: NginxConfig, request: RouteRequest, options: NginxRouteOptions): Route {
  return routeState(config, request, options).route;
}

/** The route, and the request's state where the phases ended (none when the request never reached them). */
export function routeState(
  config: NginxConfig,
  request: RouteRequest,
  options: NginxRouteOptions,
): { route: Route; state?: { r: RequestState; base: Route; end: Ending } } {
  const model = buildModel(config);
  const base: Route = {
    url: request.url,
    request,
    vhost: null,
    steps: [],
    file: null,
    handler: null,
    outcome: 'status',
    uncertain: [...model.problems],
    htaccess: [],
  };
  // nginx -t would refuse the configuration: nginx does not run it at all (a reload keeps the old one).
  const refused = config.issues.find((i) => i.severity === 'emerg');
  if (refused)
    base.uncertain.push(
      `nginx refuses this configuration (${refused.message} in ${refused.file}${refused.line !== undefined ? `:${refused.line}` : ''}): the route is what it would do once that is fixed`,
    );
  const host = validatedHost(hostHeaderOf(request));
  if (host === null) {
    base.steps.push({ what: 'status', text: 'the Host header is invalid: 400 (ngx_http_validate_host)' });
    return { route: { ...base, status: 400 } };
  }
  const choice = selectServer(model, request, host ?? '', options.hostname);
  if (!choice) {
    base.uncertain.push(`no server listens on port ${request.port}: the connection is refused`);
    return { route: base };
  }
  const server = choice.server;
  base.vhost = { file: server.at.file, line: server.at.line, serverName: primaryServerName(server) };
  const r: RequestState = {
    model,
    options,
    request,
    server,
    host: host ?? '',
    uri: '',
    args: textToBytes(request.query ?? ''),
    unparsedUri: textToBytes(request.path + (request.query !== undefined ? `?${request.query}` : '')),
    method: request.method,
    headers: headerList(request),
    internal: false,
    level: server.level,
    captures: choice.captures ?? null,
    vars: new Map(Object.entries(choice.captures?.named ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    addUriToAlias: false,
    validLocation: true,
    uriChanged: false,
    uriChanges: 11,
    errorPage: false,
    steps: base.steps,
    uncertain: [...base.uncertain, ...choice.uncertain],
    refused: [],
  };
  step(r, 'server', `${choice.how}: server at ${server.at.file}:${server.at.line}`, server.at);
  if (choice.listen.ssl !== (request.scheme === 'https'))
    r.uncertain.push(
      choice.listen.ssl
        ? `listen ${choice.listen.address}:${choice.listen.port} ssl (${where(choice.listen.at)}) takes TLS: a plain HTTP request gets 400`
        : `listen ${choice.listen.address}:${choice.listen.port} (${where(choice.listen.at)}) is not ssl: an https request fails the handshake`,
    );
  const merge = setting(server.level, 'merge_slashes')?.args[0] !== 'off';
  const parsed = parseNginxUri(request.path, merge);
  if ('status' in parsed) {
    step(r, 'status', `400: ${parsed.reason}`);
    return { route: finish(r, base, { outcome: 'status', status: 400 }) };
  }
  r.uri = parsed.uri;
  const end = run(r);
  return { route: finish(r, base, end), state: { r, base, end } };
}

function absoluteLocation(r: RequestState, location: string): string {
  if (!location.startsWith('/') || setting(r.level, 'absolute_redirect')?.args[0] === 'off') return location;
  const nameInRedirect = setting(r.level, 'server_name_in_redirect')?.args[0] === 'on';
  const host = nameInRedirect ? primaryServerName(r.server) : r.host !== '' ? r.host : (r.request.localAddress ?? '');
  const def = r.request.scheme === 'https' ? 443 : 80;
  const portInRedirect = setting(r.level, 'port_in_redirect')?.args[0] !== 'off';
  const port = portInRedirect && r.request.port !== def ? `:${r.request.port}` : '';
  return `${r.request.scheme}://${host}${port}${location}`;
}

/** The phases until the request ends. */
function run(r: RequestState, from: Phase = 'server_rewrite'): Ending {
  let phase: Phase = from;
  // Each pass either advances a phase or spends one of the 10 URI changes: bounded.
  for (let guard = 0; guard < 500; guard++) {
    switch (phase) {
      case 'server_rewrite': {
        r.level = r.server.level;
        r.location = undefined;
        const res = runScript(r, r.server.level);
        if (res.kind === 'status') return endScript(r, res);
        phase = 'find_config';
        break;
      }
      case 'find_config': {
        r.uriChanged = false;
        r.level = r.server.level;
        r.location = undefined;
        const found = findLocation(r, r.server.locations);
        if (found.rc === 'done' && found.loc) {
          step(
            r,
            'location',
            `${locationText(found.loc)} answers ${bytesToText(r.uri)} with a redirect to add the "/"`,
            found.loc.level.at,
          );
          const loc = r.args ? `${found.loc.name}?${r.args}` : found.loc.name;
          return endStatus(r, 301, loc);
        }
        if (found.loc) {
          r.location = found.loc;
          r.level = found.loc.level;
          step(r, 'location', `${locationText(found.loc)} for ${bytesToText(r.uri)}`, found.loc.level.at);
          if (!r.internal && found.loc.internal) {
            step(r, 'location', 'the location is internal: 404 for a client request', found.loc.level.at);
            return endStatus(r, 404);
          }
          const tooBig = bodyTooLarge(r);
          if (tooBig) {
            step(r, 'status', tooBig.text, tooBig.at);
            return endStatus(r, 413);
          }
        } else step(r, 'location', `no location matches ${bytesToText(r.uri)}: the server's configuration applies`);
        phase = 'rewrite';
        break;
      }
      case 'rewrite': {
        // ngx_http_rewrite_handler skips the location phase for the server's null location.
        if (r.location) {
          const res = runScript(r, r.location.level);
          if (res.kind === 'status') return endScript(r, res);
        }
        phase = 'post_rewrite';
        break;
      }
      case 'post_rewrite': {
        if (r.uriChanged) {
          r.uriChanges--;
          if (r.uriChanges === 0) {
            step(r, 'status', 'rewrite or internal redirection cycle: 500');
            return endStatus(r, 500);
          }
          phase = 'find_config';
          break;
        }
        phase = 'access';
        break;
      }
      case 'access': {
        const denied = access(r);
        if (denied !== undefined) return endStatus(r, denied);
        phase = 'try_files';
        break;
      }
      case 'try_files': {
        const res = tryFiles(r);
        if (res.kind === 'status') return endStatus(r, res.status);
        if (res.kind === 'redirect') {
          const next = internalRedirect(r, res.uri, res.args);
          if (next) return next;
          phase = 'server_rewrite';
          break;
        }
        if (res.kind === 'named') {
          const next = namedLocation(r, res.name);
          if (next) return next;
          phase = 'rewrite';
          break;
        }
        phase = 'content';
        break;
      }
      case 'content': {
        const pass = passOf(r);
        if (pass && pass.name === 'fastcgi_pass') {
          step(r, 'backend', `fastcgi_pass ${pass.args.join(' ')}`, pass);
          const backend = fastcgiBackend(r);
          return { outcome: 'fastcgi', backend, file: backend.params.SCRIPT_FILENAME ?? null };
        }
        const other = CONTENT_HANDLERS.find((n) => r.level.body.some((x) => x.name === n));
        if (!pass && other) {
          r.uncertain.push(
            `${other} (${r.location ? `in ${locationText(r.location)}` : 'at the server level'}) makes its own answer: not modelled`,
          );
          return { outcome: 'status' };
        }
        if (pass) {
          r.uncertain.push(`${pass.name} (${where(pass)}) is not modelled: only fastcgi_pass is`);
          step(r, 'backend', `${pass.name} ${pass.args.join(' ')} (not modelled)`, pass);
          return { outcome: 'status' };
        }
        const index = indexHandler(r);
        if (index?.kind === 'redirect') {
          const next = internalRedirect(r, index.uri, index.args);
          if (next) return next;
          phase = 'server_rewrite';
          break;
        }
        const res = index ?? staticHandler(r);
        if (res.kind === 'file') {
          step(r, 'static', `nginx sends ${bytesToText(res.path)}`);
          return { outcome: 'static', file: bytesToText(res.path) };
        }
        if (res.kind === 'status') {
          step(r, 'status', `${res.status}: ${res.reason}`);
          return endStatus(r, res.status, res.location);
        }
        return endStatus(r, 500);
      }
    }
  }
  throw new Error('the nginx phases did not end');
}

/** ngx_http_internal_redirect: a new URI from SERVER_REWRITE on; undefined to go on, or the 500 of a cycle. */
function internalRedirect(r: RequestState, uri: string, args: string): Ending | undefined {
  r.uriChanges--;
  if (r.uriChanges === 0) {
    step(r, 'status', 'rewrite or internal redirection cycle: 500');
    return { outcome: 'status', status: 500 };
  }
  step(r, 'redirect', `internal redirect to ${bytesToText(uri)}${args ? `?${bytesToText(args)}` : ''}`);
  r.uri = uri;
  r.args = args;
  r.internal = true;
  r.validLocation = true;
  r.addUriToAlias = false;
  r.fastcgiSplit = undefined;
  return undefined;
}

/** ngx_http_named_location: the named location's REWRITE phase, the URI unchanged. */
function namedLocation(r: RequestState, name: string): Ending | undefined {
  r.uriChanges--;
  if (r.uriChanges === 0) return { outcome: 'status', status: 500 };
  const loc = r.server.named.get(name);
  if (!loc) {
    step(r, 'status', `named location ${name} not found: 500`);
    return { outcome: 'status', status: 500 };
  }
  step(r, 'location', `${locationText(loc)} (named)`, loc.level.at);
  r.location = loc;
  r.level = loc.level;
  r.internal = true;
  r.fastcgiSplit = undefined;
  return undefined;
}

/** A status: error_page may turn it into an internal redirect (once); a redirect's Location is made absolute. */
/**
 * A `return` or a redirecting rewrite: ngx_http_rewrite_return_code answers a text itself
 * (ngx_http_send_response: no error_page); a bare code or a redirect is finalized as a status.
 */
function endScript(r: RequestState, res: Extract<ScriptResult, { kind: 'status' }>): Ending {
  if (res.text !== undefined) return { outcome: 'status', status: res.status };
  return endStatus(r, res.status, res.location);
}

export function endStatus(r: RequestState, status: number, location?: string): Ending {
  if (status >= 300 && !r.errorPage && r.uriChanges !== 0) {
    const page = errorPage(r, status);
    if (page) {
      r.errorPage = true;
      // ngx_http_send_error_page: err_status is the error's, or the `=code` (0 for `=`).
      r.errStatus = page.overwrite === undefined ? status : page.overwrite === 'response' ? 0 : page.overwrite;
      const e = expand(r, page.uri);
      for (const u of e.unknown) r.uncertain.push(`error_page ${page.uri} (${where(page.at)}) uses ${u}, unknown here`);
      step(r, 'error_page', `error_page for ${status}: ${bytesToText(e.value)}`, page.at);
      if (e.value.startsWith('@')) {
        const stop = namedLocation(r, e.value);
        if (stop) return stop;
        return afterErrorPage(r, status, page, 'rewrite');
      }
      if (e.value.startsWith('/')) {
        const q = e.value.indexOf('?');
        if (r.method !== 'HEAD') r.method = 'GET';
        const stop = internalRedirect(
          r,
          q === -1 ? e.value : e.value.slice(0, q),
          q === -1 ? '' : e.value.slice(q + 1),
        );
        if (stop) return stop;
        return afterErrorPage(r, status, page, 'server_rewrite');
      }
      // ngx_http_send_error_page: only a redirect code survives "=code" before a URL; any other becomes 302.
      const code = typeof page.overwrite === 'number' && REDIRECT_CODES.has(page.overwrite) ? page.overwrite : 302;
      return { outcome: 'status', status: code, location: absoluteLocation(r, bytesToText(e.value)) };
    }
  }
  return {
    outcome: 'status',
    status,
    ...(location !== undefined ? { location: absoluteLocation(r, bytesToText(location)) } : {}),
  };
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

function afterErrorPage(r: RequestState, status: number, page: ErrorPageTarget, from: Phase): Ending {
  const end = run(r, from);
  if (end.outcome === 'fastcgi') return end;
  // The error page's own answer is sent with the error's status unless "=code" / "=" says otherwise.
  const sent =
    page.overwrite === undefined ? status : page.overwrite === 'response' ? (end.status ?? 200) : page.overwrite;
  if (end.outcome === 'static')
    return sent === 200 ? end : { outcome: 'status', status: sent, ...(end.file ? { served: end.file } : {}) };
  return end;
}

export function finish(r: RequestState, base: Route, end: Ending): Route {
  const out: Route = {
    ...base,
    steps: r.steps,
    outcome: end.outcome,
    file: end.file ?? null,
    handler: end.outcome === 'fastcgi' ? 'fastcgi_pass' : null,
    uncertain: [...new Set(r.uncertain)],
  };
  if (r.refused.length > 0) out.refused = r.refused;
  if (end.status !== undefined) out.status = end.status;
  if (end.location !== undefined) out.location = end.location;
  if (end.backend) {
    out.backend = end.backend;
    const split = fastcgiSplit(r);
    if (split.pathInfo !== '') out.pathInfo = bytesToText(split.pathInfo);
  }
  return out;
}
