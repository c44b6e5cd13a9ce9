/**
 * What mod_fcgid sends (github:apache/httpd-mod_fcgid): fcgid_handler
 * (modules/fcgid/mod_fcgid.c) runs ap_add_common_vars, ap_add_cgi_vars and
 * its own fcgid_add_cgi_vars (FcgidPassHeader, FcgidFixPathinfo), drops the
 * hop-by-hop headers, forces HTTP_CONNECTION=close; bridge_request
 * (fcgid_bridge.c) then turns the table into an environment with
 * ap_create_environment, which renames every name to letters, digits and
 * '_' (util_script.c). FcgidInitialEnv goes to the process's environment
 * when mod_fcgid starts it (fcgid_bridge.c / fcgid_conf.c), not to params.
 */
import {
  addCgiVars,
  addCommonVars,
  headerIn,
  lastDirective,
  type CgiInput,
  type UnknownParam,
  type UriLookup,
} from './cgiEnv.js';
import { EnvTable } from './envTable.js';
import type { RequestRecord } from './seams.js';

/** mod_fcgid.c:http2env (its own copy): every character that is not a letter or digit becomes '_', the header is always exported. */
export function fcgidHttp2env(name: string): string {
  return `HTTP_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * util_script.c:ap_create_environment's renaming: a leading digit becomes
 * '_', then every other character that is not a letter or digit. TZ is
 * added from Apache's own environment when the table has none; the model
 * assumes Apache runs without TZ (Debian's apache2.service and apache2ctl set
 * none).
 */
export function createEnvironment(env: EnvTable): EnvTable {
  const out = new EnvTable();
  for (const [k, v] of env.list()) {
    const name = k.replace(/^[0-9]/, '_').replace(/[^A-Za-z0-9]/g, '_');
    out.add(name, v);
  }
  return out;
}

/** apr_filepath_merge(DOCUMENT_ROOT, SCRIPT_NAME, 0) for FcgidFixPathinfo 1: an absolute SCRIPT_NAME drops the root; '.' and '..' segments and repeated '/' are resolved. */
function filepathMerge(root: string, add: string): string {
  const base = add.startsWith('/') ? '' : root;
  const parts: string[] = [];
  for (const seg of `${base}/${add}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  const trailing = add.endsWith('/') && parts.length > 0 ? '/' : '';
  return `/${parts.join('/')}${trailing}`;
}

/** mod_fcgid.c:fcgid_add_cgi_vars. */
function fcgidAddCgiVars(rec: RequestRecord, env: EnvTable): void {
  // FcgidPassHeader (and its old name PassHeader) is server-wide (RSRC_CONF): each line adds one header.
  for (const d of rec.directives) {
    if ((d.name !== 'fcgidpassheader' && d.name !== 'passheader') || d.active === false) continue;
    const header = d.args[0];
    if (header === undefined) continue;
    const value = headerIn(rec, header);
    if (value === undefined) continue;
    // The name as written, then the HTTP_ form: both are sent.
    env.set(header, value);
    env.set(fcgidHttp2env(header), value);
  }
  // FcgidFixPathinfo 1 (for PHP's cgi.fix_pathinfo): "DOCUMENT_ROOT"/"SCRIPT_NAME" -> "SCRIPT_NAME".
  if ((lastDirective(rec.directives, 'fcgidfixpathinfo')?.args[0] ?? '0') === '1') {
    const root = env.get('DOCUMENT_ROOT');
    const scriptName = env.get('SCRIPT_NAME');
    if (root !== undefined && scriptName !== undefined) env.set('SCRIPT_NAME', filepathMerge(root, scriptName));
  }
}

/** mod_fcgid.c:fcgid_handler + fcgid_bridge.c:bridge_request for a responder request. */
export function fcgidEnv(rec: RequestRecord, env: EnvTable, lookup: UriLookup, unknown: UnknownParam[]): EnvTable {
  const input: CgiInput = { filename: rec.filename, pathInfo: rec.pathInfo };
  addCommonVars(rec, env, input, unknown);
  addCgiVars(rec, env, input, lookup, unknown);
  fcgidAddCgiVars(rec, env);
  for (const hop of ['HTTP_KEEP_ALIVE', 'HTTP_TE', 'HTTP_TRAILER', 'HTTP_TRANSFER_ENCODING', 'HTTP_UPGRADE']) {
    env.unset(hop);
  }
  env.set('HTTP_CONNECTION', 'close');
  // fcgid_bridge.c:bridge_request reads the whole body first and sends its length as CONTENT_LENGTH when
  // the request had no Content-Length. Debian's 2.3.9-4 build does so for a request with no body too
  // (CONTENT_LENGTH=0, checked against the real module in test/integration/params-parity.test.ts),
  // where upstream trunk sets it for a non-empty body only.
  if (headerIn(rec, 'Content-Length') === undefined) {
    if (headerIn(rec, 'Transfer-Encoding') !== undefined) {
      unknown.push({ name: 'CONTENT_LENGTH', why: 'mod_fcgid sends the length of the chunked body it read' });
    } else {
      env.set('CONTENT_LENGTH', '0');
    }
  }
  return createEnvironment(env);
}
