/**
 * What mod_proxy_fcgi sends (modules/proxy/mod_proxy_fcgi.c): the
 * r->filename mod_proxy hands it ("proxy:fcgi://host[:port]/path"), the
 * proxy-fcgi-pathinfo split of proxy_fcgi_canon, send_environment's
 * SCRIPT_FILENAME for ProxyFCGIBackendType FPM (the default: the
 * "proxy:fcgi://" prefix stays) or GENERIC (stripped to the path), the CGI
 * variables, then fix_cgivars's ProxyFCGISetEnvIf lines. Every entry of
 * r->subprocess_env is sent, under its own name.
 */
import { ExprUnknown, evalCondition, evalString, type ExprContext } from './apExpr.js';
import {
  addCgiVars,
  addCommonVars,
  headerIn,
  lastDirective,
  type CgiInput,
  type UnknownParam,
  type UriLookup,
} from './cgiEnv.js';
import type { EnvTable } from './envTable.js';
import type { RequestRecord } from './seams.js';

/** ap_proxy_port_of_scheme("fcgi"): the port canon leaves out of r->filename. */
const FCGI_DEFAULT_PORT = 8000;

/** proxy_util.c:fixup_uds_filename: "proxy:unix:/sock|fcgi://host/path" → "proxy:fcgi://host/path" ("localhost" when the handler names no host). */
export function fixupUdsFilename(filename: string): string {
  if (!/^proxy:unix:/i.test(filename)) return filename;
  const bar = filename.indexOf('|', 11);
  if (bar < 0) return filename;
  const origin = filename.slice(bar + 1);
  const col = origin.indexOf(':');
  if (col < 0) return filename;
  const scheme = origin.slice(0, col);
  const rest = origin.slice(col + 1);
  if (rest === '') return `proxy:${scheme}://localhost`;
  if (rest.startsWith('/') && (rest[1] !== '/' || rest[2] === '/' || rest.length === 2)) {
    // "scheme:/path", "scheme:///path", "scheme://": the host is missing.
    const path = rest[1] !== '/' ? rest : rest.slice(2);
    return `proxy:${scheme}://localhost${path}`;
  }
  return `proxy:${origin}`;
}

export interface ProxyFcgiFilename {
  /** r->filename after mod_proxy's canon: "proxy:fcgi://host[:port]/path". */
  filename: string;
  /** The path part canon worked on (without the leading '/'), for proxy-fcgi-pathinfo. */
  path: string;
}

/** ap_proxy_canon_netloc + proxy_fcgi_canon: host lower-cased, port 8000 left out; `encode` is ap_proxy_canonenc_ex for a reverse proxy (ProxyPass without nocanon). */
export function canonProxyFcgi(url: string, encode: boolean): ProxyFcgiFilename | undefined {
  const m = /^fcgi:\/\/([^/]*)(?:\/(.*))?$/is.exec(url);
  if (!m) return undefined;
  const netloc = (m[1] as string).replace(/^.*@/, '');
  let host = netloc;
  let port = FCGI_DEFAULT_PORT;
  const pm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(netloc);
  if (pm) {
    host = pm[1] as string;
    if (pm[2]) port = Number(pm[2]);
  }
  host = host.toLowerCase();
  const raw = m[2] ?? '';
  const path = encode ? canonEncPath(raw) : raw;
  const sport = port === FCGI_DEFAULT_PORT ? '' : `:${port}`;
  return { filename: `proxy:fcgi://${host}${sport}/${path}`, path };
}

/** proxy_util.c:ap_proxy_canonenc_ex(enc_path) for PROXYREQ_REVERSE: '/' kept, letters, digits and ~$-_.+!*'(),;:@&= kept, anything else %XX (a '%' too: r->uri was decoded already). */
function canonEncPath(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9/~$\-_.+!*'(),;:@&=]/.test(c)) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export type BackendType = 'FPM' | 'GENERIC';

/** ProxyFCGIBackendType in effect: the last one in merge order (fcgi_merge_dconf), default FPM. */
export function backendType(rec: RequestRecord): BackendType {
  const d = lastDirective(rec.directives, 'proxyfcgibackendtype');
  return (d?.args[0] ?? '').toUpperCase() === 'GENERIC' ? 'GENERIC' : 'FPM';
}

/**
 * r->filename and r->path_info as send_environment sees them. A SetHandler
 * "proxy:…" request still holds the file (r->filename) at handler time:
 * proxy_handler prefixes the handler, fixup_uds_filename drops the socket,
 * and proxy_fcgi_canon runs with the "proxy-sethandler" note (the path is
 * not re-encoded). A ProxyPass or [P] request holds "proxy:fcgi://…"
 * already canonicalised (proxy_fixup ran canon before the handler).
 */
export function proxyRequestState(
  rec: RequestRecord,
  unknown: UnknownParam[],
): { filename: string; pathInfo: string } | undefined {
  let canon: ProxyFcgiFilename | undefined;
  let pathInfo = rec.pathInfo;
  const fromHandler = rec.filename !== null && !rec.filename.startsWith('proxy:') && /^proxy:/i.test(rec.handler ?? '');
  if (fromHandler) {
    const joined = fixupUdsFilename(`${rec.handler}${rec.filename}`);
    if (!/^proxy:fcgi:/i.test(joined)) return undefined;
    canon = canonProxyFcgi(joined.slice(6), false);
  } else if (rec.filename?.startsWith('proxy:')) {
    const f = fixupUdsFilename(rec.filename);
    const at = /^proxy:(fcgi|balancer):\/\/[^/]*\/?(.*)$/is.exec(f);
    canon = { filename: f, path: at?.[2] ?? '' };
  }
  if (!canon) return undefined;
  // proxy_fcgi_canon's proxy-fcgi-pathinfo: sets r->path_info only (r->filename was built before the split).
  const mode = rec.env['proxy-fcgi-pathinfo'];
  if (mode !== undefined && (fromHandler || rec.pathInfo === '')) {
    const lower = mode.toLowerCase();
    if (lower === 'full') {
      unknown.push({
        name: 'PATH_INFO',
        why: 'proxy-fcgi-pathinfo=full walks the backend path on disk, which the model does not do',
      });
    } else if (lower === 'first-dot' || lower === 'last-dot') {
      const dot = lower === 'first-dot' ? canon.path.indexOf('.') : canon.path.lastIndexOf('.');
      const slash = dot < 0 ? -1 : canon.path.indexOf('/', dot);
      if (slash >= 0) pathInfo = unescapeKeep2f(canon.path.slice(slash));
    } else {
      pathInfo = `/${canon.path}`;
      if (lower === 'unescape') pathInfo = unescapeKeep2f(pathInfo);
    }
  }
  return { filename: canon.filename, pathInfo };
}

/** util.c:ap_unescape_url_keep2f(s, 0): %XX decoded except %2F. */
function unescapeKeep2f(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex) && hex.toLowerCase() !== '2f') {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** send_environment's "Strip proxy: prefixes?" step: the SCRIPT_FILENAME ap_add_common_vars will see. */
export function scriptFilename(proxyFilename: string, type: BackendType, args: string | undefined): string {
  let stripped: string | undefined;
  if (proxyFilename.startsWith('proxy:balancer://')) stripped = proxyFilename.slice(17);
  if (type === 'GENERIC') {
    if (proxyFilename.startsWith('proxy:fcgi://')) stripped = proxyFilename.slice(13);
    // A query string left in the path by nocanon goes when it is QUERY_STRING's.
    if (stripped !== undefined && args) {
      const q = stripped.indexOf('?');
      if (q >= 0 && stripped.slice(q + 1) === args) stripped = stripped.slice(0, q);
    }
  }
  if (stripped === undefined) return proxyFilename;
  const slash = stripped.indexOf('/');
  // ap_strchr(newfname, '/') is NULL for "host" alone: SCRIPT_FILENAME is then not sent.
  return slash >= 0 ? stripped.slice(slash) : '';
}

function exprContext(rec: RequestRecord, env: EnvTable, proxyFilename: string, pathInfo: string): ExprContext {
  return {
    header: (name) => headerIn(rec, name),
    reqenv: (name) => env.get(name),
    // util_expr_eval.c:request_var_fn and req_header_var_fn, with r->filename restored to the proxy filename.
    variable: (name) => {
      switch (name) {
        case 'REQUEST_METHOD':
          return rec.request.method;
        case 'REQUEST_SCHEME':
          return rec.request.scheme;
        case 'REQUEST_URI':
          return rec.uri;
        case 'DOCUMENT_URI':
          return env.get('DOCUMENT_URI') ?? rec.uri;
        case 'REQUEST_FILENAME':
        case 'SCRIPT_FILENAME':
          return proxyFilename;
        case 'SERVER_ADMIN':
          return env.get('SERVER_ADMIN');
        case 'SERVER_NAME':
          return env.get('SERVER_NAME');
        case 'SERVER_PORT':
          return String(rec.serverPort);
        case 'SERVER_PROTOCOL':
          return env.get('SERVER_PROTOCOL');
        case 'PATH_INFO':
          return pathInfo;
        case 'QUERY_STRING':
          return rec.args;
        case 'IS_SUBREQ':
          return 'false';
        case 'DOCUMENT_ROOT':
          return rec.documentRoot;
        case 'CONTEXT_PREFIX':
          return rec.contextPrefix;
        case 'CONTEXT_DOCUMENT_ROOT':
          return rec.contextDocumentRoot;
        case 'HANDLER':
          return rec.handler ?? undefined;
        case 'THE_REQUEST':
          return `${rec.request.method} ${rec.request.query === undefined ? rec.request.path : `${rec.request.path}?${rec.request.query}`} HTTP/1.1`;
        case 'REMOTE_ADDR':
          if (rec.request.remoteAddress === undefined) throw new ExprUnknown("the client's address");
          return rec.request.remoteAddress;
        case 'HTTPS':
          return rec.request.scheme === 'https' ? 'on' : 'off';
        case 'HTTP_USER_AGENT':
        case 'HTTP_PROXY_CONNECTION':
        case 'HTTP_REFERER':
        case 'HTTP_COOKIE':
        case 'HTTP_FORWARDED':
        case 'HTTP_HOST':
        case 'HTTP_ACCEPT':
          return headerIn(rec, name.slice(5).replace(/_/g, '-'));
        default:
          throw new ExprUnknown(`%{${name}} is not modelled`);
      }
    },
  };
}

/** mod_proxy_fcgi.c:fix_cgivars: each ProxyFCGISetEnvIf in merge order (base sections first, fcgi_merge_dconf appends). */
function fixCgivars(
  rec: RequestRecord,
  env: EnvTable,
  proxyFilename: string,
  pathInfo: string,
  unknown: UnknownParam[],
): void {
  const ctx = exprContext(rec, env, proxyFilename, pathInfo);
  for (const d of rec.directives) {
    if (d.name !== 'proxyfcgisetenvif' || d.active === false) continue;
    const [cond, name, value] = d.args;
    if (cond === undefined || name === undefined) continue;
    const target = name.startsWith('!') ? name.slice(1) : name;
    try {
      const r = evalCondition(cond, ctx);
      if (!r.value) continue;
      if (name.startsWith('!')) env.unset(target);
      else env.set(target, evalString(value ?? '', ctx, r.captures));
    } catch (e) {
      if (!(e instanceof ExprUnknown)) throw e;
      unknown.push({ name: target, why: `ProxyFCGISetEnvIf at ${d.file}:${d.line}: ${e.message}` });
    }
  }
}

/** A worker's name as ap_proxy_define_worker keeps it: the URL without its "unix:/path|" part, scheme and host lower-cased. */
function workerName(url: string): string {
  const bar = /^unix:/i.test(url) ? url.indexOf('|') : -1;
  const plain = bar >= 0 ? url.slice(bar + 1) : url;
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/is.exec(plain);
  return m ? (m[1] as string).toLowerCase() + (m[2] as string) : plain;
}

/**
 * The worker URLs the request's directives define (mod_proxy.c:add_pass
 * for ProxyPass/ProxyPassMatch, proxysection for <Proxy "url">); workers are
 * server-wide, so the route core must include every such line of the
 * vhost and of the main server.
 */
function definedWorkers(rec: RequestRecord): Array<{ name: string; match: boolean }> {
  const out: Array<{ name: string; match: boolean }> = [];
  for (const d of rec.directives) {
    if (d.active === false) continue;
    if (d.name === 'proxypass' || d.name === 'proxypassmatch' || (d.isSection && d.name === 'proxy')) {
      const url = d.args.find((a) => /^[a-z][a-z0-9+.-]*:/i.test(a) && !a.startsWith('/'));
      if (url !== undefined)
        out.push({ name: workerName(url), match: d.name === 'proxypassmatch' && /\$\d/.test(url) });
    }
  }
  return out;
}

/** proxy_util.c:worker_matches: a prefix of the URL (scheme://host at least), or for a ProxyPassMatch worker the whole URL with each $N as a wildcard (ap_proxy_strcmp_ematch). */
function hasWorkerFor(rec: RequestRecord, proxyFilename: string): boolean {
  const url = proxyFilename.replace(/^proxy:/, '');
  const hostEnd = url.indexOf('/', url.indexOf('://') + 3);
  const minMatch = hostEnd < 0 ? url.length : hostEnd;
  const lowered = url.slice(0, minMatch).toLowerCase() + url.slice(minMatch);
  return definedWorkers(rec).some(({ name, match }) => {
    if (name.length > lowered.length || name.length < minMatch) return false;
    if (!match) return lowered.startsWith(name);
    const re = new RegExp(
      `^${name
        .split(/\$\d/)
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return re.test(lowered);
  });
}

/** mod_proxy_fcgi.c:send_environment for this request. */
export function proxyFcgiEnv(rec: RequestRecord, env: EnvTable, lookup: UriLookup, unknown: UnknownParam[]): void {
  const state = proxyRequestState(rec, unknown);
  const proxyFilename = state?.filename ?? rec.filename;
  const pathInfo = state?.pathInfo ?? rec.pathInfo;
  if (proxyFilename === null) {
    unknown.push({ name: 'SCRIPT_FILENAME', why: 'the request holds no proxy:fcgi:// filename' });
  }
  // proxy_util.c:ap_proxy_pre_request: no worker defined for the URL → the default reverse worker, and proxy-nokeepalive=1 in subprocess_env.
  if (proxyFilename !== null && !hasWorkerFor(rec, proxyFilename)) env.set('proxy-nokeepalive', '1');
  const type = backendType(rec);
  const filename = proxyFilename === null ? null : scriptFilename(proxyFilename, type, rec.args);
  const input: CgiInput = { filename: filename === '' ? null : filename, pathInfo };
  addCommonVars(rec, env, input, unknown);
  addCgiVars(rec, env, input, lookup, unknown);
  fixCgivars(rec, env, proxyFilename ?? '', pathInfo, unknown);
}
