/**
 * The seams between the parts of the Apache routing model, one module each:
 * the route core (index.ts) fills a RequestRecord the way httpd fills its
 * request_rec, and hands it to the parts that, in httpd, read a request_rec:
 * mod_rewrite (rewrite.ts), the .htaccess reader (htaccess.ts) and the
 * FastCGI modules' environment (params.ts).
 */
import type { Directive, LoadedModule } from '../../apache/index.js';
import type { FileSystem } from '../../system/types.js';
import type { HtaccessProblem, RouteBackend, RouteRequest, RouteStep } from '../types.js';

/** What httpd knows about a request when a handler runs (the parts of request_rec the environment is built from). */
export interface RequestRecord {
  /** The client's request as sent (method, scheme, host, port, headers). */
  request: RouteRequest;
  /** r->unparsed_uri: the path and query exactly as sent (REQUEST_URI). */
  unparsedUri: string;
  /** r->uri: decoded and normalised; after an internal redirect, the new URI. */
  uri: string;
  /** r->args: the query string in effect (after a rewrite); undefined for none. */
  args?: string;
  /** r->filename: the file, or "proxy:fcgi://host:port/path" for a proxied request, or null. */
  filename: string | null;
  /** r->path_info ('' for none). */
  pathInfo: string;
  /** r->handler. */
  handler: string | null;
  /** ap_get_server_name(r) and ap_get_server_port(r) (UseCanonicalName decides). */
  serverName: string;
  serverPort: number;
  serverAdmin?: string;
  /** The server's description as `apache2 -v` gives it ("Apache/2.4.71 (Debian)"), when known; the params apply ServerTokens (cgiEnv.ts serverBanner). */
  serverSoftware?: string;
  /** The loaded modules' version components ("mod_fcgid/2.3.9"), in order, when known: ServerTokens Full appends them. */
  serverComponents?: readonly string[];
  /** Apache's own process environment (getenv in httpd), when known: PATH and LD_LIBRARY_PATH when subprocess_env has none (util_script.c env2env). */
  environment?: Readonly<Record<string, string>>;
  /** ap_document_root(r). */
  documentRoot: string;
  /** CONTEXT_PREFIX / CONTEXT_DOCUMENT_ROOT (mod_alias sets them; else '' and the DocumentRoot). */
  contextPrefix: string;
  contextDocumentRoot: string;
  /** r->subprocess_env: SetEnv, SetEnvIf, RewriteRule [E=], REDIRECT_* of internal redirects. */
  env: Record<string, string>;
  /** The directives in effect for this request, in merge order (server, vhost, per-directory sections, .htaccess): module settings (ProxyFCGIBackendType, ProxyFCGISetEnvIf, SetEnv…) are read from here, the last one winning where httpd's merge says so. */
  directives: readonly Directive[];
  /** The vhost section, undefined for the main server. */
  vhost?: Directive;
  /** The request this one was internally redirected from (mod_actions, ErrorDocument, per-dir rewrite), whose values become REDIRECT_*. */
  prev?: RequestRecord;
  /** The HTTP status of the original request at the redirect (REDIRECT_STATUS), 200 unless an error document. */
  redirectStatus?: number;
}

/** What params.ts needs beyond the request: the backend the route core chose. */
export type BackendChoice = Omit<RouteBackend, 'params'>;

/** mod_rewrite's input for one context (server/vhost, or one directory's rules). */
export interface RewriteContext {
  /** Per-directory context: the directory the rules belong to, with a trailing slash (its prefix is stripped before matching). */
  perDir?: { dir: string };
  /** What the rules match: the URL-path (server/vhost context) or the filename (per-directory context). */
  path: string;
  /** The query string before the rules (undefined: none). */
  query?: string;
  /** %{NAME} values the model knows (REQUEST_URI, REQUEST_FILENAME, QUERY_STRING, HTTP_HOST, DOCUMENT_ROOT, SERVER_NAME, SERVER_PORT, REQUEST_METHOD, HTTPS, REQUEST_SCHEME, THE_REQUEST, HTTP_<header>…); absent: unknown at configuration time. */
  vars: Record<string, string>;
  fs: FileSystem;
}

export interface RewriteOutcome {
  /** pass: no rule changed anything (or RewriteEngine off). */
  result: 'pass' | 'rewritten' | 'proxy' | 'redirect' | 'forbidden' | 'gone' | 'status';
  /** The new URL-path or filename (rewritten), the proxy URL (proxy), the Location (redirect). */
  target?: string;
  /** The query string after the rules (QSA/QSD applied); undefined: unchanged. */
  query?: string;
  /** R=, or a status substitution ("-" [R=404]). */
  status?: number;
  /** [H=…] and [T=…]. */
  handler?: string;
  type?: string;
  /** [PT]: the result goes back through translate_name (Alias, ProxyPass…) as a URI. */
  passThrough: boolean;
  /** [L] or [END] ended the rules; END also stops later rounds. */
  last: boolean;
  end: boolean;
  /** [E=NAME:VALUE]. */
  env: Record<string, string>;
  steps: RouteStep[];
  uncertain: string[];
}

/** AllowOverride / AllowOverrideList in effect for one directory. */
export interface AllowOverride {
  /** Override classes allowed ('All' expanded); empty: None. */
  classes: ReadonlySet<
    | 'AuthConfig'
    | 'FileInfo'
    | 'Indexes'
    | 'Limit'
    | 'Options'
    | 'Nonfatal=Override'
    | 'Nonfatal=Unknown'
    | 'Nonfatal=All'
  >;
  /** Options=… words allowed in .htaccess (undefined: every option). */
  options?: ReadonlySet<string>;
  /** AllowOverrideList: directives allowed by name (lower-case). */
  list: ReadonlySet<string>;
  /** The AllowOverride line that decided (undefined: the default, None). */
  from?: Directive;
}

export interface HtaccessContext {
  fs: FileSystem;
  modules: readonly LoadedModule[];
  /** AccessFileName in effect (default ".htaccess"; several names: the first that exists is read). */
  accessFileName?: string;
  /**
   * The user Apache's children run as (User/Group, e.g. www-data), when known:
   * a .htaccess this user may not read makes Apache answer 403. Without it
   * only what the doctor itself cannot read is said, and as uncertain.
   */
  reader?: { uid: number; gid: number; groups: readonly number[] };
  /**
   * The server's Defines at the end of reading its configuration (ParsedConfig.defines):
   * httpd expands ${NAME} in .htaccess lines from them, then from its own environment
   * (config.c ap_build_config_sub → core.c ap_resolve_env). A name left unexpanded is not judged.
   */
  defines?: Readonly<Record<string, string>>;
}

export interface HtaccessRead {
  file: string;
  /** Parsed with file:line like the main tree; only the directives httpd would apply. */
  directives: Directive[];
  problems: HtaccessProblem[];
  /** What could not be decided about this file, and why (not visible to the doctor, read only in part). */
  uncertain?: string[];
}

/** For the route core: the step text of a request record at a point, if it wants to log one. */
export type StepSink = (step: RouteStep) => void;
