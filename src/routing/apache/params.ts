/**
 * The FastCGI params an Apache 2.4 module sends the backend for one request,
 * names and values, from the request record the route core filled: httpd's
 * ap_add_common_vars + ap_add_cgi_vars (cgiEnv.ts) and each module's own
 * changes (proxyFcgiEnv.ts, fcgidEnv.ts, fastcgiEnv.ts). docs/routing/params.md
 * says, param by param, where each value comes from and how it was checked
 * against a real Apache.
 *
 * A param the module sends but whose value cannot be known from the
 * configuration (the client's address and port, Apache's own PATH, its
 * version…) is left out of backendParams' result and named by
 * unknownParams, for the route's `uncertain`.
 */
import { documentRootLookup, type UnknownParam, type UriLookup } from './cgiEnv.js';
import { EnvTable } from './envTable.js';
import { fastcgiEnv } from './fastcgiEnv.js';
import { fcgidEnv } from './fcgidEnv.js';
import { proxyFcgiEnv } from './proxyFcgiEnv.js';
import type { BackendChoice, RequestRecord } from './seams.js';

export type { UriLookup } from './cgiEnv.js';

export interface BackendParamsOptions {
  /**
   * The route core's own ap_sub_req_lookup_uri, for PATH_TRANSLATED (the
   * file PATH_INFO maps to when taken as a URI: r->filename and r->path_info
   * of that sub-request). Without it, DocumentRoot or an Alias prefix is
   * used, and PATH_TRANSLATED is unknown when another mapping could apply.
   */
  lookupUri?: UriLookup;
}

/**
 * r->subprocess_env when the handler runs. The route core gives SetEnv,
 * SetEnvIf, [E=] and, after an internal redirect, the REDIRECT_ copies in
 * rec.env; what it left out of the internal redirect's renaming
 * (http_request.c:internal_internal_redirect: rename_original_env, then
 * REDIRECT_STATUS) is added here from rec.prev.
 */
function subprocessEnv(rec: RequestRecord): EnvTable {
  const env = EnvTable.from(rec.env);
  if (rec.prev) {
    // mod_actions.c:action_handler puts HANDLER (the Action's handler name) in the first request's env before it redirects.
    const prev = rec.prev;
    const action = prev.directives.some((d) => d.name === 'action' && d.active !== false && d.args[0] === prev.handler);
    if (action && prev.handler && !('HANDLER' in prev.env) && !env.has('REDIRECT_HANDLER')) {
      env.add('REDIRECT_HANDLER', prev.handler);
    }
    for (const [k, v] of Object.entries(rec.prev.env)) {
      if (!env.has(`REDIRECT_${k}`)) env.add(`REDIRECT_${k}`, v);
    }
    if (!env.has('REDIRECT_STATUS')) env.add('REDIRECT_STATUS', String(rec.redirectStatus ?? 200));
  }
  return env;
}

function compute(
  rec: RequestRecord,
  backend: BackendChoice,
  opts: BackendParamsOptions,
): { params: EnvTable; unknown: UnknownParam[] } {
  const unknown: UnknownParam[] = [];
  const env = subprocessEnv(rec);
  const lookup = opts.lookupUri ?? documentRootLookup(rec);
  switch (backend.module) {
    case 'proxy_fcgi':
      proxyFcgiEnv(rec, env, lookup, unknown);
      return { params: env, unknown };
    case 'fcgid':
      return { params: fcgidEnv(rec, env, lookup, unknown), unknown };
    case 'fastcgi':
      return { params: fastcgiEnv(rec, backend, env, lookup, unknown), unknown };
    case 'nginx':
      // The nginx model (src/routing/nginx/params.ts) builds its own params: a bug of the caller.
      throw new Error('an nginx backend reached the Apache params');
  }
}

/** Exactly the FastCGI params the module sends for this request (a param it does not send, or whose value is unknown, is absent). */
export function backendParams(
  rec: RequestRecord,
  backend: BackendChoice,
  opts: BackendParamsOptions = {},
): Record<string, string> {
  const { params, unknown } = compute(rec, backend, opts);
  const out = params.toRecord();
  // A value computed before an unknown step (a ProxyFCGISetEnvIf we cannot evaluate) is not what the backend gets.
  for (const u of unknown) delete out[u.name];
  return out;
}

/**
 * The params the module sends whose values the model cannot know, each as
 * "NAME: why" (the name is the text before the first ':'), for `uncertain`.
 * Without `backend`, the ones every module shares (ap_add_common_vars).
 */
export function unknownParams(
  rec: RequestRecord,
  backend: BackendChoice = { module: 'proxy_fcgi', mode: 'proxy', target: null },
  opts: BackendParamsOptions = {},
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const u of compute(rec, backend, opts).unknown) {
    if (seen.has(u.name)) continue;
    seen.add(u.name);
    out.push(`${u.name}: ${u.why}`);
  }
  return out;
}
