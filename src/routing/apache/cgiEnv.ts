/**
 * The CGI environment every FastCGI module of Apache 2.4 starts from:
 * httpd's ap_add_common_vars and ap_add_cgi_vars (server/util_script.c),
 * computed from a RequestRecord instead of a request_rec.
 *
 * What this file does not know (the client's address, Apache's own
 * environment, its version) it leaves out and names in `unknown`.
 */
import type { Directive } from '../../apache/index.js';
import type { RequestRecord } from './seams.js';
import { EnvTable } from './envTable.js';
import { hostHeaderOf } from './serverPort.js';

/** A param the module sends whose value the model cannot know, and why. */
export interface UnknownParam {
  name: string;
  why: string;
}

/** ap_sub_req_lookup_uri as PATH_TRANSLATED needs it: the file a URI maps to (r->filename and r->path_info of the sub-request). */
export type UriLookup = (uri: string) => { filename: string | null; pathInfo: string } | undefined;

/** What a module changes in the request_rec before it calls ap_add_common_vars. */
export interface CgiInput {
  /** r->filename at that point (mod_proxy_fcgi rewrites it first); null: SCRIPT_FILENAME is not sent. */
  filename: string | null;
  /** r->path_info at that point. */
  pathInfo: string;
}

/** DEFAULT_ADMIN in include/httpd.h: what SERVER_ADMIN holds when no ServerAdmin applies. */
export const DEFAULT_SERVER_ADMIN = '[no address given]';
/** DEFAULT_PATH in include/httpd.h: the PATH sent when neither subprocess_env nor Apache's environment has one. */
export const DEFAULT_PATH = '/bin:/usr/bin:/usr/ucb:/usr/bsd:/usr/local/bin';
/** The protocol the request line carries: fcgi-doctor's own requests are HTTP/1.1. */
export const ASSUMED_PROTOCOL = 'HTTP/1.1';

/** The last active directive of that name (lower-case) in merge order: core's per-directory settings where the later section wins. */
export function lastDirective(directives: readonly Directive[], name: string): Directive | undefined {
  for (let i = directives.length - 1; i >= 0; i--) {
    const d = directives[i] as Directive;
    if (d.name === name && d.active !== false) return d;
  }
  return undefined;
}

function flagOn(directives: readonly Directive[], name: string): boolean {
  return (lastDirective(directives, name)?.args[0] ?? '').toLowerCase() === 'on';
}

/** ap_escape_html as SERVER_NAME goes through it (server/util.c: ap_escape_html2 without toasc). */
export function escapeHtml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&quot;'));
}

/**
 * util_script.c:http2env: HTTP_ + the name upper-cased, '-' as '_'; any
 * other character than a letter, digit or '-' and the header is not
 * exported at all (NULL, which add_unless_null skips).
 */
export function httpdHttp2env(name: string): string | undefined {
  if (!/^[A-Za-z0-9-]*$/.test(name)) return undefined;
  return `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** The Host header as the client sends it (serverPort.ts hostHeaderOf: `headers.host` as given, else host[:port] as browsers write it). */
export function hostHeader(rec: RequestRecord): string | undefined {
  return hostHeaderOf(rec.request);
}

/** r->headers_in: the request's headers with Host first (httpd reads Host like any other header). Several headers of one name must be joined with ", " by the caller, as httpd's ap_get_mime_headers_core merges them. */
export function headersIn(rec: RequestRecord): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const host = hostHeader(rec);
  if (host !== undefined) out.push(['Host', host]);
  for (const [k, v] of Object.entries(rec.request.headers)) {
    if (k.toLowerCase() !== 'host') out.push([k, v]);
  }
  return out;
}

/** apr_table_get(r->headers_in, name): case-insensitive. */
export function headerIn(rec: RequestRecord, name: string): string | undefined {
  const key = name.toLowerCase();
  return headersIn(rec).find(([k]) => k.toLowerCase() === key)?.[1];
}

/** THE_REQUEST's URI (util_script.c:original_uri): what the client sent, unchanged by internal redirects. */
export function originalUri(rec: RequestRecord): string {
  const req = rec.request;
  return req.query === undefined ? req.path : `${req.path}?${req.query}`;
}

/**
 * core.c ap_get_server_banner: set_banner writes the description cut down
 * by ServerTokens (Prod "Apache", Major "Apache/2", Minor "Apache/2.4",
 * Min "Apache/2.4.71", OS "Apache/2.4.71 (Debian)"); only under Full (the
 * default) do the modules' ap_add_version_component calls append to it.
 * Undefined when what it needs is not known.
 */
export function serverBanner(rec: RequestRecord): string | undefined {
  const description = rec.serverSoftware;
  if (description === undefined) return undefined;
  const base = description.split(/\s+/)[0] ?? description;
  const slash = base.indexOf('/');
  const product = slash === -1 ? base : base.slice(0, slash);
  const version = (slash === -1 ? '' : base.slice(slash + 1)).split('.');
  const tokens = (lastDirective(rec.directives, 'servertokens')?.args[0] ?? 'full').toLowerCase();
  switch (tokens) {
    case 'prod':
    case 'productonly':
      return product;
    case 'major':
      return `${product}/${version[0] ?? ''}`;
    case 'minor':
      return `${product}/${version.slice(0, 2).join('.')}`;
    case 'min':
    case 'minimal':
      return base;
    case 'os':
      return description;
    default:
      if (rec.serverComponents === undefined) return undefined;
      return [description, ...rec.serverComponents].join(' ');
  }
}

/** core.c:ap_psignature("", r) for SERVER_SIGNATURE; undefined when the banner it needs is unknown. */
function serverSignature(rec: RequestRecord): string | undefined {
  const mode = (lastDirective(rec.directives, 'serversignature')?.args[0] ?? 'off').toLowerCase();
  if (mode !== 'on' && mode !== 'email') return '';
  const banner = serverBanner(rec);
  if (banner === undefined) return undefined;
  const name = escapeHtml(rec.serverName);
  if (mode === 'email') {
    const admin = rec.serverAdmin ?? DEFAULT_SERVER_ADMIN;
    const mailto = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(admin) ? '' : 'mailto:';
    return `<address>${banner} Server at <a href="${mailto}${escapeHtml(admin)}">${name}</a> Port ${rec.serverPort}</address>\n`;
  }
  return `<address>${banner} Server at ${name} Port ${rec.serverPort}</address>\n`;
}

/** ap_get_server_name_for_url: an IPv6 literal goes in brackets. */
function serverNameForUrl(name: string): string {
  return name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
}

/**
 * util_script.c:ap_add_common_vars. Builds the variables in a table of
 * their own and lays them over r->subprocess_env (`env`), as httpd does when
 * subprocess_env is not empty (when it is, the result is the same).
 */
export function addCommonVars(rec: RequestRecord, env: EnvTable, input: CgiInput, unknown: UnknownParam[]): void {
  const e = new EnvTable();
  const passAuth = flagOn(rec.directives, 'cgipassauth');
  for (const [name, value] of headersIn(rec)) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') e.add('CONTENT_TYPE', value);
    else if (lower === 'content-length') e.add('CONTENT_LENGTH', value);
    // HTTP_PROXY would set the backend's proxy (httpoxy): never exported.
    else if (lower === 'proxy') continue;
    // Passwords stay out of the environment unless CGIPassAuth On (2.4.13+).
    else if (lower === 'authorization' || lower === 'proxy-authorization') {
      const key = passAuth ? httpdHttp2env(name) : undefined;
      if (key) e.add(key, value);
    } else {
      const key = httpdHttp2env(name);
      if (key) e.add(key, value);
    }
  }

  // util_script.c env2env: subprocess_env first, then Apache's own environment (getenv), then DEFAULT_PATH.
  const own = rec.environment;
  const path = env.get('PATH') ?? (own ? (own.PATH ?? DEFAULT_PATH) : undefined);
  if (path !== undefined) e.add('PATH', path);
  else unknown.push({ name: 'PATH', why: 'the PATH of the environment Apache was started with' });
  // LD_LIBRARY_PATH is sent only when SetEnv or Apache's environment has it (no fallback); without Apache's
  // environment the model assumes it has none.
  const ldPath = env.get('LD_LIBRARY_PATH') ?? own?.LD_LIBRARY_PATH;
  if (ldPath !== undefined) e.add('LD_LIBRARY_PATH', ldPath);

  const signature = serverSignature(rec);
  if (signature !== undefined) e.add('SERVER_SIGNATURE', signature);
  else
    unknown.push({
      name: 'SERVER_SIGNATURE',
      why: "ServerSignature On shows the server's version, which is not known",
    });
  const banner = serverBanner(rec);
  if (banner !== undefined) e.add('SERVER_SOFTWARE', banner);
  else
    unknown.push({
      name: 'SERVER_SOFTWARE',
      why:
        rec.serverSoftware === undefined
          ? "the server's version (ServerTokens applied), not known"
          : 'the version components the loaded modules add to the banner (ServerTokens Full), not known',
    });
  e.add('SERVER_NAME', escapeHtml(serverNameForUrl(rec.serverName)));
  const req = rec.request;
  if (req.localAddress !== undefined) e.add('SERVER_ADDR', req.localAddress);
  else unknown.push({ name: 'SERVER_ADDR', why: 'the local address the connection arrives on' });
  e.add('SERVER_PORT', String(rec.serverPort));
  const lookups = (lastDirective(rec.directives, 'hostnamelookups')?.args[0] ?? 'off').toLowerCase();
  if (lookups !== 'off')
    unknown.push({ name: 'REMOTE_HOST', why: `HostnameLookups ${lookups}: the client's DNS name` });
  if (req.remoteAddress !== undefined) e.add('REMOTE_ADDR', req.remoteAddress);
  else unknown.push({ name: 'REMOTE_ADDR', why: "the client's address" });
  e.add('DOCUMENT_ROOT', rec.documentRoot);
  e.set('REQUEST_SCHEME', req.scheme);
  e.add('CONTEXT_PREFIX', rec.contextPrefix);
  e.add('CONTEXT_DOCUMENT_ROOT', rec.contextDocumentRoot);
  e.add('SERVER_ADMIN', rec.serverAdmin ?? DEFAULT_SERVER_ADMIN);
  if (input.filename !== null) e.add('SCRIPT_FILENAME', input.filename);
  if (req.remotePort !== undefined) e.add('REMOTE_PORT', String(req.remotePort));
  else unknown.push({ name: 'REMOTE_PORT', why: "the client's source port" });

  const auth = lastDirective(rec.directives, 'authtype');
  if (auth && (auth.args[0] ?? '').toLowerCase() !== 'none') {
    unknown.push({ name: rec.prev ? 'REDIRECT_REMOTE_USER' : 'REMOTE_USER', why: 'the user the client logs in as' });
    unknown.push({ name: 'AUTH_TYPE', why: 'set once the client has authenticated' });
  }

  if (rec.prev) {
    const prev = rec.prev;
    if (!flagOn(rec.directives, 'qualifyredirecturl')) {
      e.add('REDIRECT_URL', prev.uri);
    } else {
      // PR#57785: the previous request's URL rebuilt with scheme, host and port (apr_uri_unparse leaves a default port out).
      const scheme = prev.request.scheme;
      const port = prev.serverPort === (scheme === 'https' ? 443 : 80) ? '' : `:${prev.serverPort}`;
      const query = prev.args !== undefined ? `?${prev.args}` : '';
      e.add('REDIRECT_URL', `${scheme}://${serverNameForUrl(prev.serverName)}${port}${prev.uri}${query}`);
    }
    if (prev.args !== undefined) e.add('REDIRECT_QUERY_STRING', prev.args);
  }
  env.overlap(e);
}

/** util_script.c:ap_find_path_info: where PATH_INFO starts in r->uri (the uri and path_info may differ in slashes). */
export function findPathInfo(uri: string, pathInfo: string): number {
  let lu = uri.length;
  let lp = pathInfo.length;
  // Walks both strings from the end while they agree, skipping runs of '/' in the uri.
  while (lu-- > 0 && lp-- > 0 && uri[lu] === pathInfo[lp]) {
    if (pathInfo[lp] === '/') {
      while (lu > 0 && uri[lu - 1] === '/') lu--;
    }
  }
  if (lu === -1) lu = 0;
  while (lu < uri.length && uri[lu] !== '/') lu++;
  return lu;
}

/**
 * util_script.c:ap_add_cgi_vars; `lookup` stands for the sub-request that
 * gives PATH_TRANSLATED. `responder` false is mod_fastcgi's
 * add_auth_cgi_vars (no SCRIPT_NAME split changes, no PATH_TRANSLATED).
 */
export function addCgiVars(
  rec: RequestRecord,
  env: EnvTable,
  input: CgiInput,
  lookup: UriLookup,
  unknown: UnknownParam[],
): void {
  env.set('GATEWAY_INTERFACE', 'CGI/1.1');
  env.set('SERVER_PROTOCOL', ASSUMED_PROTOCOL);
  env.set('REQUEST_METHOD', rec.request.method);
  env.set('QUERY_STRING', rec.args ?? '');
  const rule = rec.directives.filter(
    (d) => d.name === 'cgivar' && d.active !== false && (d.args[0] ?? '') === 'REQUEST_URI',
  );
  const currentUri = (rule[rule.length - 1]?.args[1] ?? '') === 'current-uri';
  env.set('REQUEST_URI', currentUri ? rec.uri : originalUri(rec));

  if (!input.pathInfo) {
    env.set('SCRIPT_NAME', rec.uri);
  } else {
    env.set('SCRIPT_NAME', rec.uri.slice(0, findPathInfo(rec.uri, input.pathInfo)));
    env.set('PATH_INFO', input.pathInfo);
  }

  if (input.pathInfo) {
    // PATH_INFO treated as a URI (ap_escape_uri, then the sub-request decodes it again).
    const sub = lookup(input.pathInfo);
    if (sub === undefined) {
      unknown.push({
        name: 'PATH_TRANSLATED',
        why: `what the URI ${input.pathInfo} maps to (a sub-request) was not decided`,
      });
    } else if (sub.filename !== null) {
      env.set('PATH_TRANSLATED', sub.filename + sub.pathInfo);
    }
  }
}

/** ap_getparents plus MergeSlashes: what the sub-request's URI becomes before translate_name. */
function normaliseUri(uri: string): string {
  const parts: string[] = [];
  const segs = uri.split('/');
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i] as string;
    const last = i === segs.length - 1;
    if (s === '.') {
      if (last) parts.push('');
      continue;
    }
    if (s === '..') {
      parts.pop();
      if (last) parts.push('');
      continue;
    }
    if (s === '' && !last) continue;
    parts.push(s);
  }
  return `/${parts.join('/')}`;
}

/** The mappings of translate_name this fallback handles itself; any other one that could match makes PATH_TRANSLATED unknown. */
const TRANSLATE_NAMES = new Set([
  'alias',
  'scriptalias',
  'aliasmatch',
  'scriptaliasmatch',
  'redirect',
  'redirectmatch',
  'redirectpermanent',
  'redirecttemp',
  'proxypass',
  'proxypassmatch',
  'rewriterule',
]);

/** mod_alias's alias_matches: the alias path matches the URI segment by segment, runs of '/' equal to one. */
function aliasMatchLength(uri: string, fake: string): number {
  let u = 0;
  let f = 0;
  while (f < fake.length) {
    if (fake[f] === '/') {
      if (uri[u] !== '/') return 0;
      while (fake[f] === '/') f++;
      while (uri[u] === '/') u++;
    } else {
      if (uri[u] !== fake[f]) return 0;
      u++;
      f++;
    }
  }
  if (fake.endsWith('/') || u === uri.length || uri[u] === '/') return u;
  return 0;
}

/**
 * PATH_TRANSLATED's sub-request when the route core gives no lookup of its
 * own: DocumentRoot + the URI, or an Alias/ScriptAlias prefix among the
 * request's directives. A RewriteRule, ProxyPass, Redirect or *Match that
 * could apply makes it unknown (undefined) rather than guessed.
 */
export function documentRootLookup(rec: RequestRecord): UriLookup {
  return (raw: string) => {
    const uri = normaliseUri(raw);
    for (const d of rec.directives) {
      if (d.active === false || !TRANSLATE_NAMES.has(d.name)) continue;
      if (d.name === 'alias' || d.name === 'scriptalias') {
        const [fake, real] = d.args;
        if (fake === undefined || real === undefined) continue;
        const len = aliasMatchLength(uri, fake);
        if (len > 0) return { filename: real + uri.slice(len), pathInfo: '' };
        continue;
      }
      if (d.name === 'rewriterule' && !flagOn(rec.directives, 'rewriteengine')) continue;
      if (d.name === 'proxypass' || d.name === 'redirect' || d.name.startsWith('redirect')) {
        const prefix = d.name === 'proxypass' ? d.args[0] : d.args.find((a) => a.startsWith('/'));
        if (prefix !== undefined && !uri.startsWith(prefix.replace(/\/+$/, ''))) continue;
      }
      return undefined;
    }
    return { filename: rec.documentRoot + uri, pathInfo: '' };
  };
}
