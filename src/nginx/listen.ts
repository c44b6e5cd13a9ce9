/**
 * The http `listen` checks nginx makes while reading: src/http/ngx_http_core_module.c
 * ngx_http_core_listen (its parameters) and src/http/ngx_http.c
 * ngx_http_add_addresses / ngx_http_add_server ("a duplicate listen",
 * "duplicate listen options", "a duplicate default server"), per address:port
 * over every server of the http block. A host name is resolved by nginx; we do
 * not resolve, so such a listen is left unchecked.
 */

/**
 * ngx_http_core_listen's parameters on Linux (no setfib=; accept_filter= is refused with an
 * "emerg" that nginx ignores); those marked true set lsopt.set, the "listen options" that
 * may be given once per address.
 */
const PARAMS: ReadonlyArray<[string, boolean]> = [
  ['default_server', false],
  ['default', false],
  ['bind', true],
  ['fastopen=', true],
  ['backlog=', true],
  ['rcvbuf=', true],
  ['sndbuf=', true],
  ['accept_filter=', false],
  ['deferred', true],
  ['ipv6only=on', true],
  ['ipv6only=off', true],
  ['reuseport', true],
  ['ssl', false],
  ['http2', false],
  ['so_keepalive=', true],
  ['proxy_protocol', false],
];

function param(word: string): [string, boolean] | undefined {
  return PARAMS.find(([p]) => (p.endsWith('=') && p !== 'ipv6only=' ? word.startsWith(p) : word === p));
}

/** The address as nginx prints it (ngx_sock_ntop), or undefined for a host name or an odd form. */
export function listenAddress(arg: string): string | undefined {
  if (arg.startsWith('unix:')) return arg;
  if (/^\d+$/.test(arg)) return `0.0.0.0:${arg}`;
  let m = /^\*(?::(\d+))?$/.exec(arg);
  if (m) return `0.0.0.0:${m[1] ?? '80'}`;
  m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(arg);
  if (m) return `${m[1]}:${m[2] ?? '80'}`;
  m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(arg);
  if (m) {
    try {
      const host = new URL(`http://[${m[1]}]/`).hostname;
      return `${host}:${m[2] ?? '80'}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

interface AddressState {
  servers: Set<object>;
  set: boolean;
  defaultServer: boolean;
  /** Some listen on this address says `ssl` (ngx_http_add_addresses ORs it in). */
  ssl: boolean;
  /** addr->default_server: the first server on the address, or the one saying default_server. */
  defaultOf: object;
}

export class ListenTable {
  private readonly addrs = new Map<string, AddressState>();

  /** One `listen` of the server whose block context is `server`: nginx's message when it refuses it. */
  add(server: object, args: readonly string[]): string | undefined {
    let set = false;
    let def = false;
    let ssl = false;
    for (const w of args.slice(1)) {
      const p = param(w);
      if (!p) return `invalid parameter "${w}"`;
      if (p[0] === 'default_server' || p[0] === 'default') def = true;
      if (p[0] === 'ssl') ssl = true;
      if (p[1]) set = true;
    }
    const addr = listenAddress(args[0] ?? '');
    if (addr === undefined) return undefined;
    const st = this.addrs.get(addr);
    if (!st) {
      this.addrs.set(addr, { servers: new Set([server]), set, defaultServer: def, ssl, defaultOf: server });
      return undefined;
    }
    if (st.servers.has(server)) return `a duplicate listen ${addr}`;
    st.servers.add(server);
    st.ssl ||= ssl;
    if (set) {
      if (st.set) return `duplicate listen options for ${addr}`;
      st.set = true;
    }
    if (def) {
      if (st.defaultServer) return `a duplicate default server for ${addr}`;
      st.defaultServer = true;
      st.defaultOf = server;
    }
    return undefined;
  }

  /** The addresses some listen says `ssl` on: their default server and all their servers, in order. */
  sslAddresses(): { defaultServer: object; servers: object[] }[] {
    const out: { defaultServer: object; servers: object[] }[] = [];
    for (const st of this.addrs.values())
      if (st.ssl) out.push({ defaultServer: st.defaultOf, servers: [...st.servers] });
    return out;
  }

  /**
   * The listening sockets nginx opens for these addresses (ngx_http_init_listening):
   * per family and port, a wildcard address takes in every address of the port but
   * those with options of their own (bind, backlog…: "set"); unix sockets each have one.
   * `implicit`: servers with no listen, which nginx gives *:80 (run as root).
   */
  listeningSockets(implicit: boolean): number {
    const ports = new Map<string, { wildcard: boolean; bound: number; all: number }>();
    const add = (addr: string, set: boolean): void => {
      let key: string;
      let wildcard = false;
      if (addr.startsWith('unix:')) key = addr;
      else {
        const colon = addr.lastIndexOf(':');
        const host = addr.slice(0, colon);
        key = `${host.startsWith('[') ? '6' : '4'}:${addr.slice(colon + 1)}`;
        wildcard = host === '0.0.0.0' || host === '[::]';
      }
      const p = ports.get(key) ?? { wildcard: false, bound: 0, all: 0 };
      if (wildcard) p.wildcard = true;
      else {
        p.all++;
        if (set) p.bound++;
      }
      ports.set(key, p);
    };
    for (const [addr, st] of this.addrs) add(addr, st.set);
    if (implicit && !this.addrs.has('0.0.0.0:80')) add('0.0.0.0:80', false);
    let n = 0;
    for (const p of ports.values()) n += p.wildcard ? 1 + p.bound : p.all;
    return n;
  }
}
