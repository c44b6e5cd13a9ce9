/**
 * nginx's configuration tree (src/nginx/types.ts) seen as the levels nginx
 * merges: http, server, location (nested), `if` blocks. A directive's value at
 * a level is its own, else the nearest outer level's — the rule of every
 * ngx_conf_merge_* call and, for array directives such as fastcgi_param,
 * of ngx_http_fastcgi_merge_loc_conf (`if (conf->params_source == NULL)
 * conf->params_source = prev->params_source`): an inner level with any
 * fastcgi_param drops every outer one.
 */
import type { NginxConfig, NginxDirective } from '../../nginx/types.js';
import { compileNginxRegex, type NginxRegex } from './regex.js';

export type LocationModifier = '' | '=' | '^~' | '~' | '~*' | '@';

/** One configuration level (ngx_http_conf_ctx_t's loc_conf for one block). */
export interface Level {
  kind: 'http' | 'server' | 'location' | 'if';
  /** The block directive (undefined for an http level made up for a tree without one). */
  at?: NginxDirective;
  body: NginxDirective[];
  parent: Level | null;
  /** For a location (and an `if`, the location it sits in). */
  location?: LocationConf;
  /** The `if` blocks written directly in this level, each a level of its own. */
  ifs?: Map<NginxDirective, Level>;
}

export interface LocationConf {
  modifier: LocationModifier;
  /** As written, held as bytes (latin1) like r->uri. */
  name: string;
  /** For `~`/`~*`; an error when the regex cannot be run here. */
  regex?: NginxRegex | { error: string };
  level: Level;
  /** Locations nested in this one, in order. */
  nested: LocationConf[];
  /** `internal;` (ngx_http_core_internal): only internal redirects reach it. */
  internal: boolean;
  /** clcf->auto_redirect: a *_pass in a location whose name ends in '/' (ngx_http_fastcgi_pass). */
  autoRedirect: boolean;
}

export interface ListenConf {
  /** '*' for any address. */
  address: string;
  port: number;
  defaultServer: boolean;
  /** A unix: listen (never reached by a TCP request). */
  unix?: string;
  ssl: boolean;
  at: NginxDirective;
}

export interface ServerConf {
  level: Level;
  at: NginxDirective;
  listens: ListenConf[];
  /** server_name values as written (lower-cased, except regexes). */
  names: string[];
  /** Top-level locations of the server, in order. */
  locations: LocationConf[];
  named: Map<string, LocationConf>;
}

export interface UpstreamConf {
  name: string;
  at: NginxDirective;
  servers: { address: string; at: NginxDirective; backup: boolean; down: boolean }[];
}

export interface NginxModel {
  http: Level;
  servers: ServerConf[];
  upstreams: Map<string, UpstreamConf>;
  prefix: string;
  confPrefix: string;
  /** Constructs the model cannot follow, with where they are. */
  problems: string[];
  /**
   * Variables the configuration declares (a `set` target, a regex's named capture): nginx
   * knows them at start, and one never given a value reads as "" (uninitialized).
   */
  declared: Set<string>;
}

const NAMED_CAPTURE = /\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g;

/** Every `set $name` and `(?<name>…)` of the tree (ngx_http_rewrite_set, ngx_http_regex_compile). */
function declaredVariables(ds: NginxDirective[], out: Set<string>): void {
  for (const d of ds) {
    if (d.name === 'set' && d.args[0]?.startsWith('$')) out.add(d.args[0].slice(1).toLowerCase());
    for (const a of d.args)
      if (a.includes('(?')) for (const m of a.matchAll(NAMED_CAPTURE)) out.add((m[1] as string).toLowerCase());
    if (d.block) declaredVariables(d.block, out);
  }
}

/** The directives named `name` in effect at `level`: the nearest level that has any (nginx's merge). */
export function inherited(level: Level, name: string): NginxDirective[] {
  for (let l: Level | null = level; l; l = l.parent) {
    const own = byName(l.body).get(name);
    if (own) return own.slice();
  }
  return [];
}

/** The level whose directives named `name` are in effect at `level` (inherited's source), undefined when none has any. */
export function inheritedFrom(level: Level, name: string): Level | undefined {
  for (let l: Level | null = level; l; l = l.parent) if (byName(l.body).has(name)) return l;
  return undefined;
}

/** The directives named `name` written in the level's own block, in order (none: an empty list). */
export function ownDirectives(level: Level, name: string): readonly NginxDirective[] {
  return byName(level.body).get(name) ?? NONE;
}

const NONE: readonly NginxDirective[] = Object.freeze([]);

/**
 * A level's directives grouped by name, made on first lookup: the http level
 * holds every server (5,000 in a large setup) and each server's lookups reach it.
 */
const bodyIndex = new WeakMap<NginxDirective[], Map<string, NginxDirective[]>>();

function byName(body: NginxDirective[]): Map<string, NginxDirective[]> {
  let index = bodyIndex.get(body);
  if (!index) {
    index = new Map();
    for (const d of body) {
      const list = index.get(d.name);
      if (list) list.push(d);
      else index.set(d.name, [d]);
    }
    bodyIndex.set(body, index);
  }
  return index;
}

/** The directive `name` in effect: the first at the nearest level that has it (a second one at the same level is an error nginx reports: "is duplicate"). */
export function setting(level: Level, name: string): NginxDirective | undefined {
  const all = inherited(level, name);
  return all[0];
}

/** root or alias in effect: the nearest level with either (ngx_http_core_merge_loc_conf merges them as one). */
export function rootOrAlias(level: Level): { d: NginxDirective; alias: boolean; level: Level } | undefined {
  for (let l: Level | null = level; l; l = l.parent) {
    const index = byName(l.body);
    const root = index.get('root')?.[0];
    const alias = index.get('alias')?.[0];
    // Both at one level (nginx refuses that): the first written, as a scan finds it.
    const d = root && alias ? (l.body.indexOf(root) < l.body.indexOf(alias) ? root : alias) : (root ?? alias);
    if (d) return { d, alias: d.name === 'alias', level: l };
  }
  return undefined;
}

export function where(d: { file: string; line: number }): string {
  return `${d.file}:${d.line}`;
}

const PASS_DIRECTIVES = new Set([
  'fastcgi_pass',
  'proxy_pass',
  'uwsgi_pass',
  'scgi_pass',
  'grpc_pass',
  'memcached_pass',
]);

function parseLocation(d: NginxDirective, parent: Level, problems: string[]): LocationConf {
  const a = d.args;
  let modifier: LocationModifier = '';
  let name: string;
  if (a.length >= 2 && (a[0] === '=' || a[0] === '^~' || a[0] === '~' || a[0] === '~*')) {
    modifier = a[0] as LocationModifier;
    name = a[1] as string;
  } else {
    name = a[0] ?? '';
    // "location =/x" and "location ~\.php$" (modifier glued to the name): ngx_http_core_location accepts them.
    if (name.startsWith('@')) modifier = '@';
    else if (name.startsWith('=')) {
      modifier = '=';
      name = name.slice(1);
    } else if (name.startsWith('^~')) {
      modifier = '^~';
      name = name.slice(2);
    } else if (name.startsWith('~*')) {
      modifier = '~*';
      name = name.slice(2);
    } else if (name.startsWith('~')) {
      modifier = '~';
      name = name.slice(1);
    }
  }
  // Matched against r->uri, which holds bytes: the name as its UTF-8 bytes (one per character).
  const written = name;
  name = Buffer.from(name, 'utf8').toString('latin1');
  const level: Level = { kind: 'location', at: d, body: d.block ?? [], parent };
  const conf: LocationConf = {
    modifier,
    name,
    level,
    nested: [],
    internal: (d.block ?? []).some((x) => x.name === 'internal'),
    autoRedirect:
      modifier !== '~' &&
      modifier !== '~*' &&
      modifier !== '@' &&
      name.endsWith('/') &&
      (d.block ?? []).some((x) => PASS_DIRECTIVES.has(x.name)),
  };
  level.location = conf;
  if (modifier === '~' || modifier === '~*') {
    conf.regex = compileNginxRegex(written, modifier === '~*');
    if ('error' in conf.regex) problems.push(`${where(d)}: location regex "${written}": ${conf.regex.error}`);
  }
  attachIfs(level, conf);
  for (const x of level.body) {
    if (x.name === 'location') conf.nested.push(parseLocation(x, level, problems));
  }
  return conf;
}

/** `if` blocks are levels of their own, inheriting from where they sit (ngx_http_rewrite_if creates a loc conf). */
function attachIfs(level: Level, loc: LocationConf | undefined): void {
  for (const x of level.body) {
    if (x.name !== 'if') continue;
    const ifLevel: Level = { kind: 'if', at: x, body: x.block ?? [], parent: level, ...(loc ? { location: loc } : {}) };
    if (!level.ifs) level.ifs = new Map();
    level.ifs.set(x, ifLevel);
    attachIfs(ifLevel, loc);
  }
}

function parseListen(d: NginxDirective): ListenConf {
  const a = d.args;
  const first = a[0] ?? '80';
  const flags = a.slice(1);
  const base = {
    defaultServer: flags.includes('default_server') || flags.includes('default'),
    ssl: flags.includes('ssl'),
    at: d,
  };
  if (first.startsWith('unix:')) return { address: 'unix', port: 0, unix: first.slice(5), ...base };
  let address = '*';
  let portText = first;
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(first);
  if (v6) {
    address = `[${v6[1]}]`;
    portText = v6[2] ?? '80';
  } else if (/^\d+$/.test(first)) {
    portText = first;
  } else {
    const colon = first.lastIndexOf(':');
    if (colon === -1) {
      address = first;
      portText = '80';
    } else {
      address = first.slice(0, colon);
      portText = first.slice(colon + 1);
    }
  }
  if (address === 'localhost') address = '127.0.0.1';
  return { address, port: Number(portText), ...base };
}

function parseServer(d: NginxDirective, http: Level, problems: string[]): ServerConf {
  const level: Level = { kind: 'server', at: d, body: d.block ?? [], parent: http };
  const listenDirectives = level.body.filter((x) => x.name === 'listen');
  // ngx_http_core_merge_srv_conf: a server without `listen` listens on *:80 (8000 when nginx
  // does not start as root; the master of a system nginx does).
  const listens =
    listenDirectives.length > 0
      ? listenDirectives.map(parseListen)
      : [{ address: '*', port: 80, defaultServer: false, ssl: false, at: d }];
  const names: string[] = [];
  for (const x of level.body) {
    if (x.name !== 'server_name') continue;
    for (const n of x.args) names.push(n.startsWith('~') ? n : n.toLowerCase());
  }
  attachIfs(level, undefined);
  const locations: LocationConf[] = [];
  for (const x of level.body) if (x.name === 'location') locations.push(parseLocation(x, level, problems));
  const named = new Map<string, LocationConf>();
  const collect = (ls: LocationConf[]) => {
    for (const l of ls) {
      // ngx_http_core_location: named locations only at server level; nested ones are an error nginx reports.
      if (l.modifier === '@' && !named.has(l.name)) named.set(l.name, l);
    }
  };
  collect(locations);
  return { level, at: d, listens, names, locations, named };
}

function parseUpstream(d: NginxDirective): UpstreamConf {
  return {
    name: d.args[0] ?? '',
    at: d,
    servers: (d.block ?? [])
      .filter((x) => x.name === 'server')
      .map((x) => ({
        address: x.args[0] ?? '',
        at: x,
        backup: x.args.includes('backup'),
        down: x.args.includes('down'),
      })),
  };
}

/** Builds the levels of an nginx configuration (the `http` blocks of the main context). */
export function buildModel(config: NginxConfig): NginxModel {
  const problems: string[] = [];
  const httpBlocks = config.directives.filter((d) => d.name === 'http');
  // Several http blocks are an error nginx reports ("is duplicate"): the first is the one nginx would have read.
  const httpDir = httpBlocks[0];
  const http: Level = {
    kind: 'http',
    ...(httpDir ? { at: httpDir } : {}),
    body: httpDir?.block ?? [],
    parent: null,
  };
  attachIfs(http, undefined);
  const servers: ServerConf[] = [];
  const upstreams = new Map<string, UpstreamConf>();
  for (const d of http.body) {
    if (d.name === 'server') servers.push(parseServer(d, http, problems));
    else if (d.name === 'upstream') upstreams.set(d.args[0] ?? '', parseUpstream(d));
  }
  const declared = new Set<string>();
  declaredVariables(http.body, declared);
  return { http, servers, upstreams, prefix: config.prefix, confPrefix: config.confPrefix, problems, declared };
}
