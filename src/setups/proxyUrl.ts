/**
 * mod_proxy backend URLs as httpd reads them (mod_proxy.c ap_proxy_de_socketfy,
 * proxy_util.c): an optional `unix:/path.sock|` prefix whose host after fcgi://
 * names the worker but is not connected to, fcgi:// defaulting to port 8000.
 */
import * as path from 'node:path';
import type { Endpoint } from './types.js';

export const FCGI_DEFAULT_PORT = 8000;

export interface ProxyUrl {
  raw: string;
  /** The scheme after de-socketfying ("fcgi", "http"...), lower-case. */
  scheme?: string;
  /** The worker name httpd matches on: the URL without unix:…| (fcgi:// expanded to fcgi://localhost). */
  workerName?: string;
  endpoint?: Endpoint;
  /** Path part of the backend URL ("/var/www/$1"). */
  backendPath?: string;
  /** Problems httpd or the backend would trip on, in plain words. */
  errors: string[];
  /** Fatal for `apache2 -t` (true) or only failing per request (false): only a 'proxypass' URL is read at startup. */
  fatalAtStartup: boolean;
}

function parseAuthority(rest: string): { host: string; port?: number; path: string } | undefined {
  // rest: "host[:port][/path]" after "scheme://"
  const m = /^(\[[^\]]*\]|[^/:]*)(?::(\d*))?(\/.*)?$/.exec(rest);
  if (!m) return undefined;
  const port = m[2] !== undefined && m[2] !== '' ? Number(m[2]) : undefined;
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port, path: m[3] ?? '' };
}

/**
 * Where a backend URL is written, which decides when Apache reads it:
 * 'proxypass' for ProxyPass/ProxyPassMatch/BalancerMember/<Proxy> (a worker
 * defined at startup: a bad URL stops apache2 -t); 'handler' for SetHandler,
 * AddHandler and [H=] "proxy:…" (the "proxy:" already removed) and 'rewrite' for
 * a RewriteRule [P] target, both read per request (Apache starts; the request fails).
 */
export type ProxyUrlContext = 'handler' | 'proxypass' | 'rewrite';

export function parseProxyUrl(raw: string, runtimeDir: string, context: ProxyUrlContext): ProxyUrl {
  const r: ProxyUrl = { raw, errors: [], fatalAtStartup: false };
  let url = raw;
  let socketPath: string | undefined;
  if (/^unix:/i.test(url)) {
    const bar = url.indexOf('|');
    const sock = bar === -1 ? url.slice(5) : url.slice(5, bar);
    if (bar === -1) {
      r.errors.push(
        context !== 'proxypass'
          ? `"${raw}" names a socket but no "|fcgi://…" after it: Apache accepts it at startup, then answers every request with an error (AH01144 "No protocol handler was valid").`
          : `"${raw}" has no "|fcgi://…" after the socket: Apache refuses to start ("URL must be absolute!").`,
      );
      r.fatalAtStartup = context === 'proxypass';
    }
    if (/^\/\/[^/]/.test(sock)) {
      r.errors.push(
        `"unix:${sock}" has two slashes, which makes "${sock.slice(2).split('/')[0]}" a host name, not part of the path: write unix:/${sock.slice(2)} or unix:///${sock.slice(2)}.`,
      );
    }
    const p = sock.replace(/^\/\/(?=\/)/, '');
    if (/\s|=/.test(p)) {
      r.errors.push(
        `The socket path "${p}" contains a space or "=": it looks like a line pasted from a PHP-FPM pool ("listen = …"), not a path.`,
      );
    }
    if (p === '') r.errors.push(`"${raw}" has an empty socket path.`);
    socketPath = path.posix.isAbsolute(p) ? path.posix.normalize(p) : path.posix.join(runtimeDir, p);
    if (bar === -1) {
      r.endpoint = { kind: 'unix', path: socketPath };
      return r;
    }
    url = url.slice(bar + 1);
    const colon = url.indexOf(':');
    if (colon === -1) {
      // Per request, SetHandler and RewriteRule [P] alike: 400 and AH10292 (verified on 2.4.71).
      r.errors.push(
        context === 'proxypass'
          ? `After the socket, "${url}" has no scheme ("fcgi://localhost"): Apache refuses to start (invalid "unix:" URL).`
          : `After the socket, "${url}" has no scheme ("fcgi://localhost"): Apache starts, then answers 400 Bad Request to every request sent there (AH10292 "Invalid proxy UDS filename").`,
      );
      r.fatalAtStartup = context === 'proxypass';
      r.endpoint = { kind: 'unix', path: socketPath };
      return r;
    }
    if (/^[a-z0-9+.-]+:(\/\/)?$/i.test(url)) url = `${url.slice(0, colon)}://localhost`;
  }
  const sm = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (!sm || sm[1] === undefined || sm[2] === undefined) {
    r.errors.push(
      `"${raw}" is not an absolute URL such as fcgi://127.0.0.1:9000/ or unix:/run/php/php-fpm.sock|fcgi://localhost/.`,
    );
    r.fatalAtStartup = context === 'proxypass';
    if (socketPath) r.endpoint = { kind: 'unix', path: socketPath };
    return r;
  }
  r.scheme = sm[1].toLowerCase();
  const auth = parseAuthority(sm[2]);
  if (!auth || (auth.host === '' && !socketPath)) {
    r.errors.push(`"${raw}" has no host name.`);
    // ProxyPass fcgi:// and fcgi://:9000/ (no host, no socket): "URL must be absolute!" (apache2 -t, 2.4.71).
    r.fatalAtStartup = context === 'proxypass';
    if (socketPath) r.endpoint = { kind: 'unix', path: socketPath };
    return r;
  }
  r.workerName = `${r.scheme}://${auth.host.toLowerCase()}${auth.port !== undefined ? `:${auth.port}` : ''}${auth.path}`;
  r.backendPath = auth.path;
  if (socketPath) r.endpoint = { kind: 'unix', path: socketPath };
  else if (r.scheme === 'fcgi') {
    r.endpoint =
      auth.port !== undefined
        ? { kind: 'tcp', host: auth.host, port: auth.port }
        : { kind: 'tcp', host: auth.host, port: FCGI_DEFAULT_PORT, defaultPort: true };
  }
  return r;
}

/** Is this URL a FastCGI route (fcgi:// or unix:…|fcgi://, or a unix: socket missing its scheme)? */
export function isFcgiUrl(raw: string): boolean {
  return (
    /^fcgi:/i.test(raw) ||
    (/^unix:/i.test(raw) && (!raw.includes('|') || /\|\s*fcgi/i.test(raw) || !/\|[a-z0-9+.-]+:/i.test(raw)))
  );
}

/** key=value parameters after a ProxyPass URL (nocanon, interpolate, noquery are flags). */
export function workerParams(args: readonly string[]): { params: Record<string, string>; invalid: string[] } {
  const params: Record<string, string> = {};
  const invalid: string[] = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) params[a.slice(0, eq).toLowerCase()] = a.slice(eq + 1);
    else if (['nocanon', 'interpolate', 'noquery'].includes(a.toLowerCase())) params[a.toLowerCase()] = 'on';
    else invalid.push(a);
  }
  return { params, invalid };
}
