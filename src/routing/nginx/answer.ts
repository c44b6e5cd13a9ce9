/**
 * What nginx sends a browser once the backend of a FastCGI route has answered,
 * when that is not simply the backend's answer: error_page and
 * fastcgi_intercept_errors. From nginx 1.22.1's source (github:nginx/nginx):
 * - ngx_http_upstream_process_header: an upstream status ≥ 300 goes to
 *   ngx_http_upstream_intercept_errors. With intercept on and an error_page
 *   for that very status in the request's location (clcf->error_pages, which
 *   ngx_http_core_merge_loc_conf inherits whole, an inner list replacing the
 *   outer), nginx finalizes the request with the status: the backend's
 *   headers and body are dropped (a 401's WWW-Authenticate is kept). Without
 *   such an error_page, or with intercept off, the answer is passed on.
 * - ngx_http_upstream_next / ngx_http_upstream_finalize_request: nginx's own
 *   502 and 504 are finalized the same way, intercept or not.
 * - ngx_http_special_response_handler: a finalized status follows its
 *   error_page once (r->error_page, recursive_error_pages off), else nginx's
 *   built-in page; ngx_http_send_error_page: `=code` sets r->err_status, a URI
 *   is an internal redirect (GET), `@name` a named location, anything else a
 *   302 (or the `=code` if it is 301/302/303/307/308) to that URL.
 * - ngx_http_send_header: after an error_page redirect, whatever answers is
 *   sent with r->err_status (the error's status, the `=code`; `=` alone keeps
 *   the answer's own), so `error_page 404 /index.php` sends PHP's page as 404.
 */
import type { NginxConfig } from '../../nginx/types.js';
import type { Route, RouteRequest } from '../types.js';
import { setting, where } from './config.js';
import { type Ending, type ErrorPageTarget, endStatus, errorPage, finish, routeState } from './route.js';
import type { NginxRouteOptions, RequestState } from './state.js';

/** The status nginx holds once the backend answered: the backend's own, or nginx's 502/504 for a failed exchange. */
export interface UpstreamStatus {
  status: number;
  /** nginx made the status itself (a failed or timed-out exchange), not the backend's Status/Location. */
  byNginx: boolean;
}

export interface NginxFinalAnswer {
  /**
   * passthrough: the backend's answer goes out (its status perhaps replaced by
   * an earlier error_page's); error_page: nginx dropped the answer and followed
   * an error_page; nginx_page: nginx dropped it and sent its built-in page.
   */
  kind: 'passthrough' | 'error_page' | 'nginx_page';
  /** The status the browser gets; undefined when it is another answer the doctor did not ask for. */
  status?: number;
  /** The Location of an error_page to a URL. */
  location?: string;
  /** The file the error page sends. */
  file?: string;
  /** What nginx did, in words. */
  why: string;
  uncertain: string[];
  /** The route once the error_page is followed: its steps go on from the FastCGI pass. */
  route?: Route;
}

function targetText(page: ErrorPageTarget): string {
  const eq = page.overwrite === undefined ? '' : page.overwrite === 'response' ? '= ' : `=${page.overwrite} `;
  return `${eq}${page.uri}`;
}

/**
 * What nginx sends for a FastCGI route whose backend (or nginx itself) gave
 * `upstream`; undefined when the route does not end at FastCGI, or when nginx
 * sends its own 502/504 as it is (no error_page for it).
 */
export function nginxAnswerAfterBackend(
  config: NginxConfig,
  request: RouteRequest,
  options: NginxRouteOptions,
  upstream: UpstreamStatus,
): NginxFinalAnswer | undefined {
  const { state, route: toBackend } = routeState(config, request, options);
  if (state?.end.outcome !== 'fastcgi') return undefined;
  const { r, base } = state;
  const { status } = upstream;
  const intercept = setting(r.level, 'fastcgi_intercept_errors');
  const on = intercept?.args[0] === 'on';
  const interceptText = intercept ? `fastcgi_intercept_errors ${intercept.args[0]} (${where(intercept)})` : '';
  if (!upstream.byNginx) {
    if (status < 300) return passthrough(r, status, '');
    if (!on)
      return passthrough(
        r,
        status,
        errorPage(r, status)
          ? `${interceptText || 'fastcgi_intercept_errors off (the default)'}: nginx sends the backend's own ${status} page, not the error_page for ${status}`
          : '',
      );
    if (!errorPage(r, status))
      return passthrough(
        r,
        status,
        `${interceptText}, but no error_page for ${status} is in effect here: nginx passes the backend's answer on`,
      );
  }
  // ngx_http_upstream_intercept_errors keeps a 401's WWW-Authenticate for the error page.
  const kept = !upstream.byNginx && status === 401 ? ' (its WWW-Authenticate header is kept)' : '';
  const cause = upstream.byNginx ? `nginx's own ${status}` : `${interceptText}: the backend's ${status}${kept}`;
  const page = !r.errorPage && r.uriChanges !== 0 ? errorPage(r, status) : undefined;
  if (!page) {
    if (upstream.byNginx) return undefined;
    return {
      kind: 'nginx_page',
      status,
      why: `${cause} is taken over by nginx, but this request already followed an error_page (recursive_error_pages off): nginx drops the backend's page and sends its own ${status} page`,
      uncertain: [],
    };
  }
  const end = endStatus(r, status);
  const route = finish(r, base, end);
  const newUncertain = route.uncertain.filter((u) => !toBackend.uncertain.includes(u));
  const shown = `error_page ${status} ${targetText(page)} (${where(page.at)})`;
  const dropped = upstream.byNginx ? 'nginx ' : "nginx drops the backend's page and ";
  const out = followed(r, end, page, status);
  return {
    kind: 'error_page',
    ...(out.status !== undefined ? { status: out.status } : {}),
    ...(end.location !== undefined && out.status !== undefined ? { location: end.location } : {}),
    ...(out.file !== undefined ? { file: out.file } : {}),
    why: `${cause} goes through ${shown}: ${dropped}${out.text}`,
    uncertain: [...newUncertain, ...out.uncertain],
    route,
  };
}

/** The backend's answer sent on: with the status an earlier error_page redirect set (r->err_status), if any. */
function passthrough(r: RequestState, status: number, note: string): NginxFinalAnswer {
  const err = r.errStatus;
  if (err === undefined || err === 0 || err === status)
    return { kind: 'passthrough', status, why: note, uncertain: [] };
  const redirect = r.steps.find((s) => s.what === 'error_page');
  const at = redirect?.file ? ` (${redirect.file}:${redirect.line})` : '';
  return {
    kind: 'passthrough',
    status: err,
    why: `${note ? `${note}; ` : ''}the request came here by an error_page${at}: nginx sends the backend's page with ${err}, not the backend's ${status} (ngx_http_send_header uses r->err_status)`,
    uncertain: [],
  };
}

/** The answer once the error_page is followed, in words. */
function followed(
  r: RequestState,
  end: Ending,
  page: ErrorPageTarget,
  status: number,
): { status?: number; file?: string; text: string; uncertain: string[] } {
  if (end.outcome === 'fastcgi') {
    const target = end.backend?.target ?? 'the backend';
    const uri = r.uri;
    if (page.overwrite === 'response')
      return {
        text: `passes ${uri} to ${target}, and the browser gets that answer's own status`,
        uncertain: [`the status is what ${target} answers for ${uri} (error_page "="), not asked by the doctor`],
      };
    const sent = page.overwrite ?? status;
    return { status: sent, text: `passes ${uri} to ${target}, whose answer is sent with ${sent}`, uncertain: [] };
  }
  if (end.outcome === 'static' && end.file !== undefined && end.file !== null)
    return { status: 200, file: end.file, text: `sends ${end.file} with 200`, uncertain: [] };
  if (end.status === undefined)
    return {
      text: 'hands the error page to a module the model does not follow',
      uncertain: ['the error page is answered by a module the model does not follow'],
    };
  if (end.served !== undefined)
    return { status: end.status, file: end.served, text: `sends ${end.served} with ${end.status}`, uncertain: [] };
  if (end.location !== undefined && end.status >= 300 && end.status < 400 && page.uri[0] !== '/' && page.uri[0] !== '@')
    return { status: end.status, text: `redirects to ${end.location} with ${end.status}`, uncertain: [] };
  // The error page's own status (a missing file: 404) is final: r->error_page is set, nginx sends its built-in page.
  const last = r.steps[r.steps.length - 1];
  const reason = last?.what === 'status' ? ` (${last.text})` : '';
  return {
    status: end.status,
    text: `the error page ${r.uri} itself answers ${end.status}${reason}${end.location ? ` → ${end.location}` : ''}: nginx sends that ${end.status}`,
    uncertain: [],
  };
}
