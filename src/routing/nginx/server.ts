/**
 * Which `server` block answers a request, as nginx picks it:
 *  - the address:port (ngx_http_init_connection): among the listens on the
 *    connection's port, the one naming the connection's local address, else
 *    the wildcard one; its default server is the one marked `default_server`,
 *    else the first server listening there (ngx_http_add_addresses);
 *  - the name (ngx_http_find_virtual_server → ngx_hash_find_combined): the
 *    exact names, then the leading wildcards ("*.example.org", ".example.org";
 *    the longest that matches), then the trailing ones ("www.example.*"), then
 *    the regexes in the order they were written; else the default server.
 * A `.example.org` name also matches "example.org" exactly (ngx_hash_add_key).
 */
import type { RouteRequest } from '../types.js';
import type { ListenConf, NginxModel, ServerConf } from './config.js';
import { type Captures, compileNginxRegex, execNginxRegex } from './regex.js';

export interface ServerChoice {
  server: ServerConf;
  listen: ListenConf;
  /** How it was chosen, for the step text. */
  how: string;
  /** Captures of a regex server_name (they become $1…, named variables). */
  captures?: Captures;
  uncertain: string[];
}

/** ngx_http_validate_host's result for the Host header: lower-cased, without the port and a trailing dot; null when nginx answers 400. */
export function validatedHost(hostHeader: string | undefined): string | null | undefined {
  if (hostHeader === undefined) return undefined;
  let h = hostHeader.toLowerCase();
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close === -1) return null;
    h = h.slice(0, close + 1);
  } else {
    const colon = h.indexOf(':');
    if (colon !== -1) h = h.slice(0, colon);
  }
  if (h.includes('..') || h.includes('/') || h.includes('\\') || h.startsWith('.')) return null;
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

function listensOn(s: ServerConf): ListenConf[] {
  return s.listens;
}

/** The servers nginx would consider for this connection, and the listen that got them. */
function serversForConnection(
  model: NginxModel,
  port: number,
  localAddress: string | undefined,
  uncertain: string[],
): { servers: ServerConf[]; listens: ListenConf[] } {
  const onPort = model.servers.flatMap((s) =>
    listensOn(s)
      .filter((l) => l.port === port && !l.unix)
      .map((l) => ({ s, l })),
  );
  const bare = (a: string) => a.replace(/^\[(.*)\]$/, '$1');
  const specific = localAddress ? onPort.filter((x) => bare(x.l.address) === bare(localAddress)) : [];
  let chosen = specific.length > 0 ? specific : onPort.filter((x) => x.l.address === '*' || x.l.address === '0.0.0.0');
  if (chosen.length === 0 && localAddress === undefined && onPort.length > 0) {
    // The address the request arrives on is not known: the first address listened on.
    const first = onPort[0]?.l.address;
    chosen = onPort.filter((x) => x.l.address === first);
    uncertain.push(
      `the local address of the connection is not known: taken as ${first}, the first address port ${port} listens on`,
    );
  }
  const servers: ServerConf[] = [];
  const listens: ListenConf[] = [];
  for (const x of chosen) {
    if (!servers.includes(x.s)) {
      servers.push(x.s);
      listens.push(x.l);
    }
  }
  return { servers, listens };
}

function wildcardHead(name: string): string | undefined {
  if (name.startsWith('*.')) return name.slice(1); // ".example.org"
  if (name.startsWith('.')) return name;
  return undefined;
}

export function selectServer(
  model: NginxModel,
  request: RouteRequest,
  host: string,
  hostname?: string,
): ServerChoice | null {
  const uncertain: string[] = [];
  const { servers, listens } = serversForConnection(model, request.port, request.localAddress, uncertain);
  if (servers.length === 0) return null;
  const defaultIndex = Math.max(
    0,
    listens.findIndex((l) => l.defaultServer),
  );
  const listenOf = (s: ServerConf) => listens[servers.indexOf(s)] as ListenConf;
  const pick = (s: ServerConf, how: string, captures?: Captures): ServerChoice => ({
    server: s,
    listen: listenOf(s),
    how,
    ...(captures ? { captures } : {}),
    uncertain,
  });
  // ngx_http_core_server_name: "$hostname" is the machine's name (gethostname).
  const nameOf = (n: string) => (n === '$hostname' && hostname !== undefined ? hostname.toLowerCase() : n);
  if (servers.some((s) => s.names.includes('$hostname')) && hostname === undefined)
    uncertain.push("server_name $hostname: the machine's host name is not known here");
  if (host !== '') {
    // Exact names (".example.org" counts as "example.org" too); the first server naming it wins (nginx warns "conflicting server name").
    for (const s of servers)
      for (const written of s.names) {
        const n = nameOf(written);
        if (!n.startsWith('~') && (n === host || (n.startsWith('.') && n.slice(1) === host)))
          return pick(s, `server_name ${written} (exact)`);
      }
    // Leading wildcards: the longest suffix.
    let best: { s: ServerConf; n: string; len: number } | undefined;
    for (const s of servers)
      for (const n of s.names) {
        const suffix = wildcardHead(n);
        if (suffix && host.endsWith(suffix) && host.length > suffix.length && (!best || suffix.length > best.len))
          best = { s, n, len: suffix.length };
      }
    if (best) return pick(best.s, `server_name ${best.n} (leading wildcard)`);
    for (const s of servers)
      for (const n of s.names) {
        if (!n.endsWith('.*') || n.startsWith('~')) continue;
        const prefix = n.slice(0, -1);
        if (host.startsWith(prefix) && host.length > prefix.length && (!best || prefix.length > best.len))
          best = { s, n, len: prefix.length };
      }
    if (best) return pick(best.s, `server_name ${best.n} (trailing wildcard)`);
    for (const s of servers)
      for (const n of s.names) {
        if (!n.startsWith('~')) continue;
        const pattern = n.slice(1);
        // ngx_http_core_server_name: a regex with a capital letter is compiled caseless.
        const rx = compileNginxRegex(pattern, /[A-Z]/.test(pattern));
        if ('error' in rx) {
          uncertain.push(`server_name ${n} (${s.at.file}:${s.at.line}): ${rx.error}`);
          continue;
        }
        const m = execNginxRegex(rx, host);
        if (m) return pick(s, `server_name ${n} (regex)`, m);
      }
  } else {
    for (const s of servers) if (s.names.includes('')) return pick(s, 'server_name "" (no Host header)');
  }
  const d = servers[defaultIndex] as ServerConf;
  return pick(
    d,
    listens[defaultIndex]?.defaultServer
      ? `default_server of ${listens[defaultIndex]?.address}:${request.port}`
      : `first server of ${listens[defaultIndex]?.address}:${request.port} (the default)`,
  );
}

/** cscf->server_name ($server_name): the first name, a leading dot removed (ngx_http_core_merge_srv_conf). */
export function primaryServerName(s: ServerConf): string {
  const n = s.names[0] ?? '';
  return n.startsWith('.') ? n.slice(1) : n;
}
