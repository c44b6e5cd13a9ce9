/**
 * What nginx knows about a request while it runs the phases (the parts of
 * ngx_http_request_t the model needs), shared by the route core (route.ts),
 * the rewrite module (script.ts), the file checks (files.ts), the variables
 * (variables.ts) and the FastCGI params (params.ts).
 *
 * Strings that nginx handles as bytes (the URI, the args, header values) are
 * held one byte per character (latin1), so a regex or a length works on
 * the same bytes nginx sees; they become UTF-8 text again at the edges
 * (file system paths, params).
 */
import type { FileSystem, Refusal } from '../../system/types.js';
import type { RouteRefusal, RouteRequest, RouteStep } from '../types.js';
import type { Level, LocationConf, NginxModel, ServerConf } from './config.js';
import type { Captures } from './regex.js';

export interface NginxRouteOptions {
  /**
   * The files as nginx's worker sees them: a view as nginx's `user` (src/system fileSystemAs, a
   * UserFileSystem) makes each check answer what the worker's own stat()/open() would, a refusal
   * being nginx's EACCES; the doctor's plain view answers as the doctor sees them.
   */
  fs: FileSystem;
  /** nginx's version ("1.22.1", from `nginx -v`) for $nginx_version; unknown when absent. */
  nginxVersion?: string;
  /** The machine's host name for $hostname; unknown when absent. */
  hostname?: string;
}

export interface RequestState {
  model: NginxModel;
  options: NginxRouteOptions;
  request: RouteRequest;
  server: ServerConf;
  /** r->headers_in.server: the validated Host ('' when the request has none). */
  host: string;
  /** r->uri (decoded, normalised; changed by rewrites, try_files, redirects). */
  uri: string;
  /** r->args ('' for none). */
  args: string;
  /** r->unparsed_uri: path and query as sent ($request_uri). */
  unparsedUri: string;
  method: string;
  /** Request headers in the order sent, names as sent (latin1 values). */
  headers: Array<[string, string]>;
  /** r->internal: an internal redirect or a rewrite happened (internal locations become reachable). */
  internal: boolean;
  /** r->loc_conf: the level in effect (a location, or an `if` inside it, or the server). */
  level: Level;
  location?: LocationConf;
  /** The last regex match ($1…, named captures: ngx_http_regex_exec stores them in r->captures). */
  captures: Captures | null;
  /** Variables made by `set` and named captures. */
  vars: Map<string, string>;
  /** ngx_http_fastcgi_ctx_t: the split of the URI, cached until the module's context is reset. */
  fastcgiSplit?: { scriptName: string; pathInfo: string };
  /** r->add_uri_to_alias (try_files in a regex location with alias). */
  addUriToAlias: boolean;
  /** r->valid_location: 0 after `rewrite … break` (alias can then no longer map the URI). */
  validLocation: boolean;
  /** r->uri_changed (a rewrite without `break`: the location is searched again). */
  uriChanged: boolean;
  /** r->uri_changes: 11 at start; each internal redirect takes one, at 0 nginx answers 500. */
  uriChanges: number;
  /** An error_page redirect happened (recursive_error_pages off: only one). */
  errorPage: boolean;
  /**
   * r->err_status after an error_page redirect: the status the redirect's own
   * answer is sent with (ngx_http_send_header), 0 for `=` (the answer's own).
   */
  errStatus?: number;
  steps: RouteStep[];
  uncertain: string[];
  /** File checks nginx's worker was refused on the way. */
  refused: RouteRefusal[];
}

/** The step helper every part uses. */
export function step(r: RequestState, what: string, text: string, at?: { file: string; line: number }): void {
  r.steps.push({ what, ...(at ? { file: at.file, line: at.line } : {}), text });
}

/**
 * A check nginx's worker is refused (EACCES: nginx logs "… failed (13: Permission denied)"): kept for
 * the route, and its words for the step ("nginx's worker (www-data) may not search /home/deploy").
 */
export function refusedCheck(
  r: RequestState,
  directive: RouteRefusal['directive'],
  path: string,
  ref: Refusal,
  at?: { file: string; line: number },
): string {
  r.refused.push({
    directive,
    path,
    user: ref.who,
    refusedAt: ref.path,
    missing: [...ref.missing],
    ...(at ? { file: at.file, line: at.line } : {}),
  });
  const verb = ref.stat.type === 'dir' && ref.missing.includes('x') ? 'search' : 'read';
  return `nginx's worker (${ref.who}) may not ${verb} ${ref.path} (13: Permission denied)`;
}

/** A byte string (latin1) as the UTF-8 text it holds. */
export function bytesToText(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** UTF-8 text as a byte string (latin1). */
export function textToBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}
