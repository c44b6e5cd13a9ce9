/**
 * nginx's FastCGI setups (issue 17 §2): each `fastcgi_pass` of the http
 * configuration — direct (`unix:PATH`, `host:port`) or through an `upstream`
 * block — is one FastcgiSetup with the location(s) and the server it sits in,
 * so the probes, the request step and the reports treat it like Apache's.
 * ngx_http_fastcgi_module.c ngx_http_fastcgi_pass reads the address the same
 * way (a leading "fastcgi://" is dropped, an address without a port is an
 * upstream name; with variables it is resolved per request).
 */
import type { NginxConfig, NginxDirective } from '../nginx/types.js';
import type { Endpoint, FastcgiSetup, Mapping, SectionRef, SourceRef, VhostRef } from './types.js';

function ref(d: NginxDirective): SourceRef {
  return { file: d.file, line: d.line, includedFrom: d.includedFrom };
}

function section(d: NginxDirective): SectionRef {
  return { file: d.file, line: d.line, includedFrom: d.includedFrom, name: d.name, args: d.args, active: true };
}

/** A `listen` as an address ("*:80", "[::]:443", "unix:/run/x"): ngx_http_core_listen's defaults (port 80). */
function listenAddress(d: NginxDirective): string {
  const a = d.args[0] ?? '80';
  if (a.startsWith('unix:')) return a;
  if (/^\d+$/.test(a)) return `*:${a}`;
  if (/^\[[^\]]*\]$/.test(a) || !a.includes(':')) return `${a}:80`;
  return a;
}

function vhostOf(server: NginxDirective): VhostRef {
  const body = server.block ?? [];
  const listens = body.filter((d) => d.name === 'listen').map(listenAddress);
  const name = body.find((d) => d.name === 'server_name')?.args[0];
  const v: VhostRef = { addresses: listens.length > 0 ? listens : ['*:80'], file: server.file, line: server.line };
  if (name !== undefined && name !== '') v.serverName = name;
  return v;
}

/** The address a `fastcgi_pass` or an upstream `server` names, as an endpoint. */
export function nginxEndpoint(address: string): Endpoint | undefined {
  const a = address.replace(/^fastcgi:\/\//, '');
  if (a.startsWith('unix:')) return a.length > 5 ? { kind: 'unix', path: a.slice(5) } : undefined;
  const m = /^(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(a);
  if (!m) return undefined;
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  return { kind: 'tcp', host: host === 'localhost' ? '127.0.0.1' : host, port: Number(m[2]) };
}

/** "location ~ \.php$" as a mapping: a prefix or a regex of the URL. */
function locationMapping(loc: NginxDirective): Mapping {
  const a = loc.args;
  const modifier = a.length >= 2 ? (a[0] as string) : '';
  const name = a.length >= 2 ? (a[1] as string) : (a[0] ?? '');
  const m: Mapping = { kind: 'location', text: `location ${a.join(' ')}`, at: ref(loc) };
  if (modifier === '~' || modifier === '~*') m.urlRegex = name;
  else m.urlPath = name;
  return m;
}

function upstreamsOf(http: readonly NginxDirective[]): Map<string, NginxDirective> {
  const out = new Map<string, NginxDirective>();
  for (const d of http) if (d.name === 'upstream' && d.args[0] && !out.has(d.args[0])) out.set(d.args[0], d);
  return out;
}

const SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** An nginx time ("60", "60s", "2m", "1m30s") in seconds (ngx_parse_time), undefined when malformed. */
export function nginxSeconds(text: string): number | undefined {
  let total = 0;
  const parts = text.match(/(\d+)(ms|s|m|h|d|w|M|y)?/g);
  if (!parts || parts.join('') !== text) return undefined;
  for (const p of parts) {
    const m = /^(\d+)(ms|s|m|h|d|w|M|y)?$/.exec(p) as RegExpExecArray;
    const unit = m[2] ?? 's';
    const factor = SECONDS[unit] ?? (unit === 'w' ? 604800 : unit === 'M' ? 2592000 : 31536000);
    total += Number(m[1]) * factor;
  }
  return total;
}

/**
 * The first directive of each name in a block, indexed once: the http block of a server with
 * 5,000 sites is looked up for every fastcgi_pass, and a scan each time would be quadratic.
 */
const firstByName = new WeakMap<readonly NginxDirective[], Map<string, NginxDirective>>();

function firstOf(block: readonly NginxDirective[], name: string): NginxDirective | undefined {
  // A location's few lines are scanned: an index per block would cost more than it saves.
  if (block.length <= 16) {
    for (let i = 0; i < block.length; i++) if ((block[i] as NginxDirective).name === name) return block[i];
    return undefined;
  }
  let index = firstByName.get(block);
  if (!index) {
    index = new Map();
    for (const d of block) if (!index.has(d.name)) index.set(d.name, d);
    firstByName.set(block, index);
  }
  return index.get(name);
}

/** The nearest value of a one-argument directive, innermost level first (ngx_conf_merge_*). */
function nearest(levels: readonly NginxDirective[][], name: string): NginxDirective | undefined {
  for (let i = levels.length - 1; i >= 0; i--) {
    const d = firstOf(levels[i] as NginxDirective[], name);
    if (d) return d;
  }
  return undefined;
}

const TIMEOUTS: readonly [string, string][] = [
  ['fastcgi_read_timeout', 'read'],
  ['fastcgi_send_timeout', 'send'],
  ['fastcgi_connect_timeout', 'connect'],
];

/** Every fastcgi_pass of the configuration's http block(s), in reading order. */
export function extractNginxSetups(config: NginxConfig): FastcgiSetup[] {
  const out: FastcgiSetup[] = [];
  const http = config.directives.find((d) => d.name === 'http');
  if (!http?.block) return out;
  const upstreams = upstreamsOf(http.block);
  const visit = (
    body: readonly NginxDirective[],
    levels: NginxDirective[][],
    server: NginxDirective | undefined,
    enclosing: NginxDirective[],
  ): void => {
    for (const d of body) {
      if (d.name === 'server' && d.block && server === undefined && enclosing.length === 0) {
        visit(d.block, [...levels, d.block], d, [d]);
      } else if ((d.name === 'location' || d.name === 'if') && d.block && server) {
        visit(d.block, [...levels, d.block], server, [...enclosing, d]);
      } else if (d.name === 'fastcgi_pass' && server) {
        out.push(setupOf(d, levels, server, enclosing, upstreams));
      }
    }
  };
  visit(http.block, [http.block], undefined, []);
  return out;
}

function setupOf(
  d: NginxDirective,
  levels: NginxDirective[][],
  server: NginxDirective,
  enclosing: NginxDirective[],
  upstreams: Map<string, NginxDirective>,
): FastcgiSetup {
  const raw = d.args[0] ?? '';
  const address = raw.replace(/^fastcgi:\/\//, '');
  const notes: string[] = [];
  let endpoint = nginxEndpoint(address);
  const upstream = upstreams.get(address);
  const params: Record<string, string> = {};
  if (upstream) {
    const servers = (upstream.block ?? []).filter((x) => x.name === 'server' && !x.args.includes('down'));
    const primary = servers.filter((x) => !x.args.includes('backup'));
    const first = primary[0] ?? servers[0];
    endpoint = first ? nginxEndpoint(first.args[0] ?? '') : undefined;
    params.upstream = `${upstream.args[0]} (${upstream.file}:${upstream.line})`;
    if (primary.length > 1) notes.push(`upstream ${address} has ${primary.length} servers: the first is probed`);
  } else if (raw.includes('$')) {
    notes.push(`fastcgi_pass ${raw} names its backend with variables: nginx resolves it per request`);
  } else if (!endpoint) {
    notes.push(`fastcgi_pass ${raw}: neither an upstream nor unix:/host:port (nginx resolves the name at start)`);
  }
  const timeouts: Record<string, number> = {};
  for (const [name, key] of TIMEOUTS) {
    const t = nearest(levels, name);
    const s = t ? nginxSeconds(t.args[0] ?? '') : 60; // ngx_http_fastcgi_merge_loc_conf: 60000 ms each
    if (s !== undefined) timeouts[key] = s;
    if (t) params[name] = `${name} ${t.args[0] ?? ''} (${t.file}:${t.line})`;
  }
  const locations = enclosing.filter((x) => x.name === 'location');
  const setup: FastcgiSetup = {
    id: `nginx:${d.file}:${d.line}`,
    module: 'nginx',
    moduleId: 'ngx_http_fastcgi_module',
    loaded: true,
    active: true,
    mode: 'proxy',
    definedAt: ref(d),
    directive: `fastcgi_pass ${d.args.join(' ')}`,
    reachedBy: locations.length > 0 ? [locationMapping(locations[locations.length - 1] as NginxDirective)] : [],
    vhost: vhostOf(server),
    sections: enclosing.map(section),
    backendUrl: raw,
    timeouts,
    params,
    notes,
  };
  if (endpoint) setup.endpoint = endpoint;
  return setup;
}
