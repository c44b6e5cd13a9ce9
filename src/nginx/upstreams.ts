/**
 * The addresses nginx settles once the http block is read
 * (src/http/ngx_http_upstream.c ngx_http_upstream_add,
 * ngx_http_upstream_round_robin.c ngx_http_upstream_init_round_robin): a
 * `fastcgi_pass`, `proxy_pass`… to a name no `upstream` block defines makes
 * an implicit upstream, which needs a port ("no port in upstream") and whose
 * host name nginx resolves at start; so does a host name in an upstream's
 * `server` and in `listen`. Resolving is a look at the live machine, so this
 * layer only lists the names (startupLookups); the checks resolve them and
 * report nginx's words when a name does not resolve.
 */
import { isIP } from 'node:net';
import type { NginxConfig, NginxDirective, NginxIssue } from './types.js';

export interface StartupLookup {
  host: string;
  port?: number;
  /** The directive naming it (for an implicit upstream, the first one: nginx's us->line). */
  directive: NginxDirective;
  /** What nginx says when the name does not resolve. */
  message: string;
}

interface Target {
  host: string;
  port?: number;
}

/** host[:port], with [v6]; undefined when it is not that shape. */
function hostPort(text: string): Target | undefined {
  const m = /^(\[[^\]]*\]|[^:/]*)(?::(\d+))?$/.exec(text);
  if (!m) return undefined;
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (host === '') return undefined;
  return m[2] === undefined ? { host } : { host, port: Number(m[2]) };
}

/** The host a *_pass directive names when nginx makes an implicit upstream of it (no variable, no unix:). */
function passTarget(d: NginxDirective): (Target & { defaultPort?: number }) | undefined {
  let v = d.args[0] ?? '';
  if (v === '' || v.includes('$')) return undefined;
  let defaultPort: number | undefined;
  switch (d.name) {
    case 'fastcgi_pass':
    case 'scgi_pass':
    case 'memcached_pass':
      break;
    case 'uwsgi_pass':
      v = v.replace(/^s?uwsgi:\/\//i, '');
      break;
    case 'proxy_pass': {
      const m = /^(https?):\/\//i.exec(v);
      if (!m) return undefined;
      defaultPort = (m[1] ?? '').toLowerCase() === 'https' ? 443 : 80;
      v = v.slice(m[0].length).replace(/\/.*$/s, '');
      break;
    }
    default:
      return undefined;
  }
  if (v.toLowerCase().startsWith('unix:')) return undefined;
  const t = hostPort(v);
  if (!t) return undefined;
  return defaultPort === undefined ? t : { ...t, defaultPort };
}

const PASS = new Set(['fastcgi_pass', 'scgi_pass', 'memcached_pass', 'uwsgi_pass', 'proxy_pass']);

interface Analysis {
  issues: NginxIssue[];
  lookups: StartupLookup[];
}

/**
 * The upstreams, passes, upstream servers and listens of one http block, fed one
 * directive at a time in reading order: by the reader as it reads (TableGrammar.observe,
 * for "no port in upstream"), or by a walk over a tree read (startupLookups).
 */
export class UpstreamScan {
  private readonly upstreams = new Set<string>();
  private readonly passes: NginxDirective[] = [];
  private readonly out: Analysis = { issues: [], lookups: [] };

  /** `block`: the directive opens a block; `inUpstream`: it is a line of an upstream block. */
  observe(d: NginxDirective, block: boolean, inUpstream: boolean): void {
    if (d.name === 'upstream' && block) this.upstreams.add((d.args[0] ?? '').toLowerCase());
    else if (!block) {
      if (PASS.has(d.name)) this.passes.push(d);
      else if (inUpstream && d.name === 'server') upstreamServer(d, this.out);
      else if (d.name === 'listen' && !inUpstream) listenHost(d, this.out);
    }
  }

  /** What nginx says once the block is read: the passes to hosts that are no upstream. */
  finish(): Analysis {
    implicitPasses(this.upstreams, this.passes, this.out);
    return this.out;
  }
}

function analyse(main: readonly NginxDirective[]): Analysis {
  const out: Analysis = { issues: [], lookups: [] };
  for (const http of main) {
    if (http.name !== 'http' || !http.block) continue;
    const scan = new UpstreamScan();
    const walk = (ds: readonly NginxDirective[], inUpstream: boolean): void => {
      for (const d of ds) {
        scan.observe(d, d.block !== undefined, inUpstream);
        if (d.block) walk(d.block, d.name === 'upstream');
      }
    };
    walk(http.block, false);
    const a = scan.finish();
    out.issues.push(...a.issues);
    out.lookups.push(...a.lookups);
  }
  return out;
}

function implicitPasses(upstreams: ReadonlySet<string>, passes: readonly NginxDirective[], out: Analysis): void {
  const implicit = new Set<string>();
  for (const d of passes) {
    const t = passTarget(d);
    if (!t || upstreams.has(t.host.toLowerCase())) continue;
    const port = t.port ?? t.defaultPort;
    const key = `${t.host.toLowerCase()}:${port ?? ''}`;
    if (implicit.has(key)) continue;
    implicit.add(key);
    if (port === undefined) {
      out.issues.push({
        severity: 'emerg',
        message: `no port in upstream "${t.host}"`,
        file: d.file,
        line: d.line,
        includedFrom: d.includedFrom,
      });
      continue;
    }
    if (isIP(t.host) === 0)
      out.lookups.push({ host: t.host, port, directive: d, message: `host not found in upstream "${t.host}"` });
  }
}

/** ngx_http_upstream_server: parsed (and resolved) as written. */
function upstreamServer(d: NginxDirective, out: Analysis): void {
  const addr = d.args[0] ?? '';
  if (addr.toLowerCase().startsWith('unix:')) return;
  const t = hostPort(addr);
  if (!t || isIP(t.host) !== 0) return;
  out.lookups.push({ host: t.host, port: t.port ?? 80, directive: d, message: `host not found in upstream "${addr}"` });
}

/** ngx_http_core_listen: a host name is resolved too. */
function listenHost(d: NginxDirective, out: Analysis): void {
  const addr = d.args[0] ?? '';
  if (addr.startsWith('unix:') || /^\d+$/.test(addr) || addr.startsWith('*')) return;
  const t = hostPort(addr);
  if (!t || isIP(t.host) !== 0) return;
  out.lookups.push({
    host: t.host,
    port: t.port ?? 80,
    directive: d,
    message: `host not found in "${addr}" of the "listen" directive`,
  });
}

/** The host names nginx resolves at start, with nginx's words for when one does not resolve. */
export function startupLookups(config: NginxConfig): StartupLookup[] {
  return analyse(config.directives).lookups;
}
