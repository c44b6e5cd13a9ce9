/**
 * The FastCGI request nginx sends (modules/ngx_http_fastcgi_module.c):
 *  - the backend: fastcgi_pass (ngx_http_fastcgi_pass: "unix:PATH",
 *    "host:port", or the name of an `upstream` block; with variables, resolved
 *    per request);
 *  - the params: every fastcgi_param in effect, in order
 *    (ngx_http_fastcgi_create_request; the array comes from the innermost
 *    level that has any, ngx_http_fastcgi_merge_loc_conf), `if_not_empty`
 *    skipping an empty value; then, with fastcgi_pass_request_headers on, one
 *    HTTP_<NAME> per request header ('-' → '_', upper case) unless a
 *    fastcgi_param HTTP_<NAME> replaces it (the params' header hash); such a
 *    param written as "" is not sent at all, it only hides the header.
 * The module's context is created anew when the handler starts
 * (ngx_http_fastcgi_handler), so the PATH_INFO split is done again on the URI
 * as it is then (after try_files): the ticket 321 behaviour.
 */
import type { Endpoint } from '../../setups/types.js';
import type { RouteBackend } from '../types.js';
import { inherited, setting } from './config.js';
import { type RequestState, bytesToText, step } from './state.js';
import { expand } from './variables.js';

function endpointOf(address: string): Endpoint | undefined {
  if (address.startsWith('unix:')) return { kind: 'unix', path: address.slice(5) };
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (m) return { kind: 'tcp', host: m[1] as string, port: Number(m[2]) };
  return undefined;
}

/** The backend for the request and the params it receives. */
export function fastcgiBackend(r: RequestState): RouteBackend {
  const pass = setting(r.level, 'fastcgi_pass');
  const raw = pass?.args[0] ?? '';
  const e = expand(r, raw);
  for (const u of e.unknown) r.uncertain.push(`fastcgi_pass ${raw} uses ${u}, unknown here`);
  let address = bytesToText(e.value).replace(/^fastcgi:\/\//, '');
  const upstream = r.model.upstreams.get(address);
  let upstreamInfo: RouteBackend['upstream'];
  if (upstream) {
    const servers = upstream.servers.filter((s) => !s.down);
    upstreamInfo = {
      name: upstream.name,
      file: upstream.at.file,
      line: upstream.at.line,
      servers: upstream.servers.map((s) => s.address),
    };
    const primary = servers.filter((s) => !s.backup);
    if (primary.length > 1)
      r.uncertain.push(
        `upstream ${upstream.name} has ${primary.length} servers: which one gets this request depends on the balancing (the first is shown)`,
      );
    address = primary[0]?.address ?? servers[0]?.address ?? '';
    step(r, 'upstream', `upstream ${upstream.name}: ${upstream.servers.map((s) => s.address).join(', ')}`, upstream.at);
  } else if (address !== '' && !address.startsWith('unix:') && !/:\d+$/.test(address)) {
    r.uncertain.push(
      `fastcgi_pass ${raw}: "${address}" is neither an upstream nor host:port (nginx resolves the name)`,
    );
  }
  // A unix socket path is written "unix:/run/x.sock"; a TCP address host:port, as ping writes them.
  const endpoint = endpointOf(address);
  const target = address === '' ? null : address;
  // ngx_http_fastcgi_handler: a fresh context, the split is computed again on the URI as it is now.
  r.fastcgiSplit = undefined;
  const { params, unknown } = buildParams(r);
  const script = params.SCRIPT_FILENAME;
  return {
    module: 'nginx',
    mode: 'proxy',
    target,
    ...(endpoint ? { endpoint } : {}),
    ...(upstreamInfo ? { upstream: upstreamInfo } : {}),
    params,
    ...(unknown.length > 0 ? { unknown } : {}),
    ...(script !== undefined ? { script } : {}),
  };
}

function buildParams(r: RequestState): { params: Record<string, string>; unknown: string[] } {
  const params: Record<string, string> = {};
  const unknown: string[] = [];
  const ds = inherited(r.level, 'fastcgi_param');
  const replaced = new Set<string>();
  for (const d of ds) {
    const [name = '', value = '', flag] = d.args;
    if (name.startsWith('HTTP_') && name.length > 5) {
      replaced.add(name.slice(5).toLowerCase());
      // ngx_http_fastcgi_init_params: an HTTP_* param written empty only hides the header (httpoxy's fix), it is not sent.
      if (value === '') continue;
    }
    const e = expand(r, value);
    if (e.unknown.length > 0) {
      unknown.push(`${name}: ${e.unknown.join(', ')} (${d.file}:${d.line})`);
      r.uncertain.push(`fastcgi_param ${name} ${value} (${d.file}:${d.line}): ${e.unknown.join(', ')} unknown here`);
      continue;
    }
    if (flag === 'if_not_empty' && e.value === '') continue;
    // Sent twice, the backend keeps the last one (PHP's and our echo app's table).
    params[name] = bytesToText(e.value);
  }
  const first = ds[0];
  if (first) step(r, 'fastcgi_param', `${ds.length} fastcgi_param in effect (from ${first.file}:${first.line})`, first);
  else step(r, 'fastcgi_param', 'no fastcgi_param in effect: the backend receives only the request headers');
  const passHeaders = setting(r.level, 'fastcgi_pass_request_headers')?.args[0] !== 'off';
  const underscores = setting(r.level, 'underscores_in_headers')?.args[0] === 'on';
  if (passHeaders) {
    for (const [name, value] of r.headers) {
      // ignore_invalid_headers on: a name with '_' (underscores_in_headers off) or other characters is dropped.
      if (!/^[A-Za-z0-9-_]+$/.test(name) || (!underscores && name.includes('_'))) continue;
      const key = name.toLowerCase().replace(/-/g, '_');
      if (replaced.has(key)) continue;
      params[`HTTP_${key.toUpperCase()}`] = bytesToText(value);
    }
  }
  return { params, unknown };
}
