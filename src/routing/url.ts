/**
 * A URL as the user gives it to `trace`, turned into the request a browser
 * would send: scheme, Host (lower-cased, without the port), port, the path
 * exactly as it goes on the request line (still %-encoded) and the query.
 * Never throws: anything that is not an http(s) URL is a clear { error }.
 *
 * An over-long path is NOT an error here: Apache answers it with 414
 * (LimitRequestLine, server/protocol.c read_request_line), so the route says
 * so. Only input beyond what any request line could be is refused.
 */
import type { RouteRequest } from './types.js';

/** Far beyond LimitRequestLine's maximum usefulness; keeps memory bounded. */
export const MAX_URL_LENGTH = 1024 * 1024;

const HOST_NAME = /^[a-z0-9]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/;
const IPV6 = /^[0-9a-f:.]+$/;

function parseHost(authority: string): { host: string; port?: number } | { error: string } {
  if (authority.includes('@')) return { error: 'a URL with user information (user@host) is not supported' };
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) return { error: `unclosed IPv6 literal in "${authority}"` };
    host = authority.slice(0, close + 1).toLowerCase();
    const rest = authority.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':'))
      return { error: `unexpected text after the IPv6 literal in "${authority}"` };
    if (rest.startsWith(':')) portText = rest.slice(1);
    if (!IPV6.test(host.slice(1, -1)) || !host.includes(':')) return { error: `"${host}" is not an IPv6 address` };
  } else {
    const colon = authority.lastIndexOf(':');
    host = (colon === -1 ? authority : authority.slice(0, colon)).toLowerCase();
    if (colon !== -1) portText = authority.slice(colon + 1);
    if (host === '') return { error: 'the URL has no host' };
    if (!HOST_NAME.test(host)) return { error: `"${host}" is not a valid host name` };
  }
  if (portText === undefined || portText === '') return { host };
  if (!/^\d{1,5}$/.test(portText)) return { error: `"${portText}" is not a port number` };
  const port = Number(portText);
  if (port < 1 || port > 65535) return { error: `port ${port} is out of range` };
  return { host, port };
}

export function parseRouteUrl(
  url: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): RouteRequest | { error: string } {
  if (typeof url !== 'string' || url === '') return { error: 'no URL given' };
  if (url.length > MAX_URL_LENGTH) return { error: `the URL is longer than ${MAX_URL_LENGTH} characters` };
  // A bare path: the request a local client sends to http://localhost.
  let text = url.startsWith('/') ? `http://localhost${url}` : url;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/is.exec(text);
  if (!m) return { error: `"${url.slice(0, 200)}" is not a URL (expected http://host/path)` };
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return { error: `unsupported scheme "${scheme}" (only http and https)` };
  const hp = parseHost(m[2] ?? '');
  if ('error' in hp) return hp;
  let path = m[3] ?? '';
  if (path === '') path = '/';
  // Characters a client cannot put on a request line (a browser %-encodes them).
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f]/.test(path))
    path = path.replace(/[\x00-\x20\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  text = path;
  const method = (opts.method ?? 'GET').toUpperCase();
  if (!/^[A-Z0-9!#$%&'*+.^_`|~-]{1,32}$/.test(method)) return { error: `"${method}" is not an HTTP method` };
  const headers: Record<string, string> = {};
  let hostGiven: string | undefined;
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    const name = k.toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return { error: `"${k}" is not a header name` };
    // eslint-disable-next-line no-control-regex
    if (/[\r\n\x00]/.test(v)) return { error: `the value of header "${k}" holds a line break` };
    if (name === 'host') hostGiven = v;
    else headers[name] = v;
  }
  const port = hp.port ?? (scheme === 'https' ? 443 : 80);
  // The Host header a browser sends for this URL: the port only when not the scheme's default. A Host header the
  // caller gives is sent as given instead (the connection still goes to the URL's port), and names the vhost.
  let host = hp.host;
  if (hostGiven !== undefined) {
    const given = hostGiven.trim();
    const named = given === '' ? { host: '' } : parseHost(given);
    if ('error' in named) return { error: `Host header: ${named.error}` };
    host = named.host;
    headers.host = given;
  } else headers.host = port === (scheme === 'https' ? 443 : 80) ? hp.host : `${hp.host}:${port}`;
  const req: RouteRequest = {
    url,
    scheme,
    host,
    port,
    method,
    path: text,
    headers,
  };
  if (m[4] !== undefined) req.query = m[4].slice(1);
  return req;
}
