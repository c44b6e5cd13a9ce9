/**
 * Virtual host selection as server/vhost.c does it: first the IP-based
 * match of the connection's local address and port against the
 * <VirtualHost> addresses (ap_update_vhost_given_ip: an exact address
 * beats "*" / "_default_"), then, among the vhosts of that address, the
 * name-based match of the Host header on ServerName then ServerAlias
 * (check_hostalias; wildcards as ap_strcasecmp_match), the first vhost of
 * the address being the default. No vhost for the address: the main server.
 *
 * The table of vhosts is built once per tree (5,000 vhosts: one pass), each
 * request then only compares addresses and names.
 */
import { collectInScope, describeVhost, listVhosts, mainServerValue, type Directive } from '../../apache/index.js';
import { fnmatchToRegex } from '../../util/fnmatch.js';
import type { RouteRequest, RouteStep } from '../types.js';

interface Addr {
  /** '*' for * and _default_; else the address as written (lower-case, IPv6 without brackets). */
  ip: string;
  /** undefined: any port. */
  port?: number;
}

interface VhostEntry {
  d: Directive;
  addrs: Addr[];
  serverName?: string;
  aliases: { text: string; re?: RegExp }[];
}

const tables = new WeakMap<readonly Directive[], VhostEntry[]>();

export function parseVhostAddress(a: string): Addr {
  let host = a;
  let port: number | undefined;
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+|\*))?$/.exec(a);
  if (m) {
    host = m[1] ?? '';
    if (m[2] !== undefined && m[2] !== '*') port = Number(m[2]);
  }
  host = host.replace(/^\[|\]$/g, '').toLowerCase();
  return { ip: host === '*' || host === '_default_' ? '*' : host, port };
}

function table(tree: readonly Directive[], serverRoot: string): VhostEntry[] {
  let t = tables.get(tree);
  if (t) return t;
  t = listVhosts(tree).map((d) => {
    const info = describeVhost(d, serverRoot);
    const e: VhostEntry = {
      d,
      addrs: d.args.map(parseVhostAddress),
      aliases: info.serverAliases.map((text) => {
        const x = text.toLowerCase();
        return /[*?[]/.test(x)
          ? { text: x, re: new RegExp(`^${fnmatchToRegex(x).replace(/\[\^\/\]/g, '.')}$`) }
          : { text: x };
      }),
    };
    if (info.serverName)
      e.serverName = info.serverName
        .replace(/^[a-z]+:\/\//i, '')
        .replace(/:\d+$/, '')
        .toLowerCase();
    return e;
  });
  tables.set(tree, t);
  return t;
}

/** The address the connection arrives on: the request's, or the Listen line for its port. */
function localAddressOf(tree: readonly Directive[], req: RouteRequest, uncertain: string[]): string | undefined {
  if (req.localAddress) return req.localAddress.replace(/^\[|\]$/g, '').toLowerCase();
  // The Listen lines for the request's port: one bound to an address decides it; a wildcard one does not.
  const addrs = new Set<string>();
  let wildcard = false;
  for (const sd of collectInScope(tree, 'listen', undefined)) {
    const a = parseVhostAddress(sd.d.args[0] ?? '');
    const port = a.port ?? Number(a.ip);
    if (a.port === undefined && /^\d+$/.test(a.ip)) {
      if (port === req.port) wildcard = true;
      continue;
    }
    if (port !== req.port) continue;
    if (a.ip === '*' || a.ip === '0.0.0.0' || a.ip === '::') wildcard = true;
    else addrs.add(a.ip);
  }
  if (!wildcard && addrs.size === 1) return [...addrs][0];
  if (addrs.size > 0)
    uncertain.push(
      `port ${req.port} is listened on at ${[...addrs].join(', ')}${wildcard ? ' and on every address' : ''}: which one the client reaches is not known`,
    );
  return undefined;
}

export interface VhostChoice {
  vhost?: Directive;
  step: RouteStep;
}

function nameMatches(e: VhostEntry, host: string): string | undefined {
  if (e.serverName === host) return `ServerName ${e.serverName}`;
  for (const a of e.aliases) if (a.re ? a.re.test(host) : a.text === host) return `ServerAlias ${a.text}`;
  return undefined;
}

export function selectVhost(
  tree: readonly Directive[],
  serverRoot: string,
  req: RouteRequest,
  uncertain: string[],
): VhostChoice {
  const all = table(tree, serverRoot);
  const local = localAddressOf(tree, req, uncertain);
  const portOk = (a: Addr) => a.port === undefined || a.port === req.port;
  let exact: VhostEntry[] = [];
  const wild: VhostEntry[] = [];
  const specific: VhostEntry[] = [];
  for (const e of all) {
    let isExact = false;
    let isWild = false;
    let isSpecific = false;
    for (const a of e.addrs) {
      if (!portOk(a)) continue;
      if (a.ip === '*') isWild = true;
      else if (local !== undefined && a.ip === local) isExact = true;
      else isSpecific = true;
    }
    if (isExact) exact.push(e);
    else if (isWild) wild.push(e);
    if (isSpecific && !isExact) specific.push(e);
  }
  if (local === undefined && specific.length > 0) {
    uncertain.push(
      `which local address the request arrives on decides between vhosts bound to an address (${specific[0]?.d.args.join(' ')} at ${specific[0]?.d.file}:${specific[0]?.d.line}) and the "*" ones: assumed not one of theirs`,
    );
  }
  const how = exact.length > 0 ? `the local address ${local}:${req.port}` : `*:${req.port}`;
  if (exact.length === 0) exact = wild;
  if (exact.length === 0) {
    const sn = mainServerValue(tree, 'servername');
    return {
      step: {
        what: 'vhost',
        text: `no <VirtualHost> listens on port ${req.port}${local ? ` at ${local}` : ''}: the main server answers${sn ? ` (ServerName ${sn.args[0]})` : ''}`,
        ...(sn ? { file: sn.file, line: sn.line } : {}),
      },
    };
  }
  const host = req.host.replace(/\.$/, '');
  if (host !== '') {
    for (const e of exact) {
      const why = nameMatches(e, host);
      if (why)
        return {
          vhost: e.d,
          step: {
            what: 'vhost',
            file: e.d.file,
            line: e.d.line,
            text: `<VirtualHost ${e.d.args.join(' ')}> matches ${how} and Host "${host}" by ${why}`,
          },
        };
    }
  }
  const first = exact[0] as VhostEntry;
  return {
    vhost: first.d,
    step: {
      what: 'vhost',
      file: first.d.file,
      line: first.d.line,
      text: `<VirtualHost ${first.d.args.join(' ')}>${first.serverName ? ` (${first.serverName})` : ''} is the first vhost for ${how}: the default when no ServerName/ServerAlias matches Host "${host}"`,
    },
  };
}
