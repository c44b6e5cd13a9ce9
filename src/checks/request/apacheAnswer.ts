import type { FcgiClientError } from '../../client/errors.js';
import { headerValue, MAX_HEADER_BLOCK } from '../../client/cgiResponse.js';
import type { FcgiResponse } from '../../client/request.js';

/**
 * What a browser gets from Apache (mod_proxy_fcgi) for a backend's answer:
 * the backend speaks CGI over FastCGI, Apache turns that into HTTP.
 *
 * From httpd 2.4's source, and observed on Apache 2.4.71
 * (test/integration/traceApacheAnswer.test.ts):
 * - server/util_script.c ap_scan_script_header_err_core_ex: `Status:` sets the
 *   status; `Location:` is only copied to the response headers; a header line
 *   without a colon answers 500 ("malformed header from script");
 * - modules/proxy/mod_proxy_fcgi.c dispatch has no rule of its own for
 *   Location: unlike mod_cgi, a `Location:` with no `Status:` stays 200 (the
 *   browser does not follow it), where the CGI rule (and our client) says 302;
 * - dispatch: an END_REQUEST before the end of the headers passes nothing on,
 *   and Apache sends an empty 200;
 * - fcgi_do_request: a dispatch that fails before anything was sent answers
 *   503 (HTTP_SERVICE_UNAVAILABLE), a timeout 504 (HTTP_GATEWAY_TIME_OUT);
 *   proxy_fcgi_handler: no connection at all → 503.
 */
export interface BrowserAnswer {
  /** The HTTP status the browser receives. */
  status: number;
  /** The Location header, for a redirect. */
  location?: string;
  contentType?: string;
  /** Why this status, in a few words. */
  why: string;
  /** 'observed': checked against a real Apache 2.4 by the integration test; 'source': read from httpd's source only. */
  basis: 'source' | 'observed';
  /** The file the web server sends instead of the backend's body (nginx: an error_page). */
  page?: string;
  /** What the answer depends on that the doctor did not ask (nginx: an error_page's own backend answer). */
  uncertain?: string[];
}

/** The same shape for each web server (nginx's: nginxAnswer.ts). */
export type ApacheAnswer = BrowserAnswer;

/** Whether the header block holds a Status line (the client parses it into `status` and drops the header). */
function sentStatus(response: FcgiResponse): boolean {
  const out = response.raw.stdout;
  const head = out.subarray(0, Math.min(out.length, MAX_HEADER_BLOCK)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  return /^status[ \t]*:/im.test(end === -1 ? head : head.slice(0, end));
}

export function apacheAnswerForResponse(response: FcgiResponse): ApacheAnswer {
  const contentType = headerValue(response, 'content-type');
  const location = headerValue(response, 'location');
  // parseCgiResponse gives status 0 exactly when there is no output or no end of the headers.
  if (response.status === 0) {
    return {
      status: 200,
      why: 'the backend ended the request before the end of its headers: mod_proxy_fcgi passes nothing on, and Apache sends an empty 200',
      basis: 'observed',
    };
  }
  if (response.problems.length > 0) {
    return {
      status: 500,
      why: 'Apache cannot read the headers ("malformed header from script"), so it answers 500',
      basis: 'observed',
    };
  }
  const extra = {
    ...(location !== undefined ? { location } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
  };
  if (location !== undefined && !sentStatus(response)) {
    return {
      status: 200,
      ...extra,
      why: 'a Location header with no Status: mod_proxy_fcgi keeps 200 (mod_cgi would redirect); browsers do not follow it — send "Status: 302" too',
      basis: 'observed',
    };
  }
  return {
    status: response.status,
    ...extra,
    why: sentStatus(response) ? 'the Status header the backend sent' : 'no Status header: 200',
    basis: 'observed',
  };
}

export function apacheAnswerForClientError(err: FcgiClientError): ApacheAnswer {
  if (err.code === 'timeout' || err.code === 'connect-timeout')
    return {
      status: 504,
      why: 'the backend did not answer in time: mod_proxy_fcgi answers 504 (HTTP_GATEWAY_TIME_OUT)',
      basis: 'source',
    };
  return {
    status: 503,
    why:
      err.details.phase === 'connect' || err.code.startsWith('connect-') || err.code === 'dns'
        ? 'Apache cannot connect to the backend: mod_proxy_fcgi answers 503 (HTTP_SERVICE_UNAVAILABLE)'
        : 'the FastCGI exchange failed: mod_proxy_fcgi answers 503 (HTTP_SERVICE_UNAVAILABLE)',
    basis: 'source',
  };
}
