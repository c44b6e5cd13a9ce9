/**
 * What mod_fastcgi 2.4.7 sends (github:FastCGI-Archives/mod_fastcgi, commit
 * 48cb8e5): fcgi_protocol.c:fcgi_protocol_queue_env runs
 * ap_add_common_vars, add_pass_header_vars (the -pass-header headers of the
 * server definition, or of FastCgiConfig for a dynamic application), then
 * ap_add_cgi_vars for a responder, and sends ap_create_environment's result.
 *
 * mod_fastcgi is not packaged by Debian: this file is checked by unit tests
 * that cite those source lines, not against a running module.
 */
import type { Directive } from '../../apache/index.js';
import type { BackendChoice, RequestRecord } from './seams.js';
import { addCgiVars, addCommonVars, headerIn, type CgiInput, type UnknownParam, type UriLookup } from './cgiEnv.js';
import type { EnvTable } from './envTable.js';
import { createEnvironment } from './fcgidEnv.js';

/** fcgi_protocol.c:http2env (mod_fastcgi's copy): any character but a letter or digit becomes '_'. */
export function fastcgiHttp2env(name: string): string {
  return `HTTP_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** ap_no2slash, as fcgi_util.c:fcgi_util_fs_get_by_id applies it to the request's filename. */
function no2slash(p: string): string {
  return p.replace(/\/{2,}/g, '/');
}

/**
 * fcgi_util.c:fcgi_util_fs_get_by_id: the server definition whose path is
 * r->filename or a leading part of it ending at a '/'. Definitions are
 * searched newest first (fcgi_config.c pushes each new server at the head
 * of fcgi_servers).
 */
export function serverDefinitionFor(directives: readonly Directive[], filename: string): Directive | undefined {
  const path = no2slash(filename);
  for (let i = directives.length - 1; i >= 0; i--) {
    const d = directives[i] as Directive;
    if (d.active === false || (d.name !== 'fastcgiserver' && d.name !== 'fastcgiexternalserver')) continue;
    const fsPath = d.args[0];
    if (fsPath === undefined) continue;
    if (path === fsPath || path.startsWith(fsPath.endsWith('/') ? fsPath : `${fsPath}/`)) return d;
  }
  return undefined;
}

/** The -pass-header values of one FastCgiServer / FastCgiExternalServer / FastCgiConfig line (fcgi_config.c:get_pass_header, one header per option). */
export function passHeadersOf(d: Directive): string[] {
  const out: string[] = [];
  for (let i = 0; i < d.args.length - 1; i++) {
    if ((d.args[i] as string).toLowerCase() === '-pass-header') out.push(d.args[i + 1] as string);
  }
  return out;
}

/** The headers add_pass_header_vars passes for this request: dynamic_pass_headers (FastCgiConfig) or the server's own. */
export function passHeaders(rec: RequestRecord, backend: BackendChoice): string[] {
  if (backend.mode === 'dynamic') {
    // FastCgiConfig is a single server-wide directive: each line's -pass-header options add to one list.
    return rec.directives
      .filter((d) => d.name === 'fastcgiconfig' && d.active !== false)
      .flatMap((d) => passHeadersOf(d));
  }
  const def = rec.filename === null ? undefined : serverDefinitionFor(rec.directives, rec.filename);
  return def ? passHeadersOf(def) : [];
}

/** fcgi_protocol.c:fcgi_protocol_queue_env for a responder. */
export function fastcgiEnv(
  rec: RequestRecord,
  backend: BackendChoice,
  env: EnvTable,
  lookup: UriLookup,
  unknown: UnknownParam[],
): EnvTable {
  const input: CgiInput = { filename: rec.filename, pathInfo: rec.pathInfo };
  addCommonVars(rec, env, input, unknown);
  // add_pass_header_vars: after the common vars, so a passed Authorization overrides nothing but adds HTTP_AUTHORIZATION.
  for (const header of passHeaders(rec, backend)) {
    const value = headerIn(rec, header);
    if (value !== undefined) env.set(fastcgiHttp2env(header), value);
  }
  addCgiVars(rec, env, input, lookup, unknown);
  return createEnvironment(env);
}
