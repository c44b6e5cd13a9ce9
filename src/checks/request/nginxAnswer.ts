import type { FcgiClientError } from '../../client/errors.js';
import type { FcgiResponse } from '../../client/request.js';
import type { NginxFinalAnswer } from '../../routing/nginx/index.js';
import type { BrowserAnswer } from './apacheAnswer.js';

/**
 * What a browser gets from nginx (ngx_http_fastcgi_module) for a backend's
 * answer. From nginx's source (github:nginx/nginx), each case also observed on
 * Debian's nginx 1.22 (test/integration/traceNginxAnswer.test.ts):
 * - ngx_http_fastcgi_process_header: `Status:` sets the status ("upstream sent
 *   invalid status" → 502 when it does not start with three digits); a
 *   `Location:` without `Status:` is **302** ("302 Moved Temporarily"), unlike
 *   mod_proxy_fcgi; else 200. A header line nginx cannot parse ("upstream sent
 *   invalid header"), an empty FCGI_STDOUT before the end of the headers
 *   ("upstream prematurely closed FastCGI stdout") or a record other than
 *   STDOUT/STDERR first ("upstream sent unexpected FastCGI record") → 502.
 * - ngx_http_upstream_process_header: the response header must end within one
 *   buffer of fastcgi_buffer_size bytes, FastCGI record headers and padding
 *   included; a full buffer without the end of the headers is "upstream sent
 *   too big header" → 502. A close before the headers: "upstream prematurely
 *   closed connection" → 502.
 * - ngx_http_upstream_next: a connect() failure → 502 (NGX_HTTP_BAD_GATEWAY),
 *   a timeout → 504 (NGX_HTTP_GATEWAY_TIME_OUT).
 * - ngx_http_upstream_rewrite_location: a Location starting with "/" is
 *   passed on as written (it is not made r->headers_out.location, so the header
 *   filter does not make it absolute, unlike nginx's own redirects).
 */

/** One record the backend sent, in order, as the client saw it. */
export interface ReceivedRecord {
  type: string;
  contentLength: number;
}

/** The settings in effect where fastcgi_pass is (the location, or the `if` in it). */
export interface NginxAnswerContext {
  /** fastcgi_buffer_size in bytes (default one memory page). */
  bufferSize: number;
  /** Where fastcgi_buffer_size is set ("file:line"), or undefined for nginx's default. */
  bufferSizeAt?: string;
  /** fastcgi_read_timeout as written (default "60s"), for the words of a timeout. */
  readTimeout: string;
  /** fastcgi_intercept_errors on: a status ≥ 300 with an error_page becomes nginx's page. */
  interceptErrors: boolean;
  /**
   * What nginx sends once the backend gave `status` (byNginx: nginx's own 502/504):
   * error_page and fastcgi_intercept_errors followed through the route
   * (src/routing/nginx/answer.ts). Without it, an intercepted status is only noted.
   */
  after?: (status: number, byNginx: boolean) => NginxFinalAnswer | undefined;
}

/** nginx's default fastcgi_buffer_size: one memory page (ngx_pagesize; 4 KiB on x86-64). */
export const NGINX_DEFAULT_BUFFER_SIZE = 4096;

/** ngx_parse_size: a number with an optional k/K or m/M (g/G from 1.23 on, accepted here too). */
export function parseNginxSize(text: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : unit === 'g' ? 1024 * 1024 * 1024 : 1;
  return Number(m[1]) * scale;
}

/** FastCGI pads each record's content to a multiple of 8 bytes at most (PHP-FPM always does). */
const MAX_PADDING = 7;
const RECORD_HEADER = 8;

/**
 * Where the end of the header block lies in the byte stream nginx buffers:
 * the record headers and padding before it counted. A lower bound (no
 * padding, no stderr before the first STDOUT: nginx may recycle the buffer
 * after stderr it has logged) and an upper bound (everything counted).
 */
function headerSpan(headerBytes: number, records: readonly ReceivedRecord[]): { low: number; high: number } {
  let low = 0;
  let high = 0;
  let left = headerBytes;
  let stdoutSeen = false;
  for (const r of records) {
    if (r.type === 'STDERR' && !stdoutSeen) {
      high += RECORD_HEADER + r.contentLength + MAX_PADDING;
      continue;
    }
    if (r.type !== 'STDOUT' || r.contentLength === 0) continue;
    stdoutSeen = true;
    const take = Math.min(left, r.contentLength);
    low += RECORD_HEADER + take;
    high += RECORD_HEADER + take + (take === r.contentLength ? MAX_PADDING : 0);
    left -= take;
    if (left === 0) break;
  }
  // Without the records (none traced), the bytes of the block and one record header.
  if (records.length === 0)
    return { low: headerBytes + RECORD_HEADER, high: headerBytes + RECORD_HEADER + MAX_PADDING };
  return { low, high };
}

/** Bytes of the header block, blank line included; undefined when the output has no end of headers. */
function headerBlockBytes(stdout: Buffer): number | undefined {
  // An empty first line ends an empty header block (sw_start: CR LF or LF).
  if (stdout[0] === 0x0a) return 1;
  if (stdout[0] === 0x0d && stdout[1] === 0x0a) return 2;
  for (let i = 0; i < stdout.length; i++) {
    if (stdout[i] !== 0x0a) continue;
    if (stdout[i + 1] === 0x0a) return i + 2;
    if (stdout[i + 1] === 0x0d && stdout[i + 2] === 0x0a) return i + 3;
  }
  return undefined;
}

/**
 * ngx_http_parse_header_line as nginx 1.22 runs it for FastCGI (allow_underscores
 * on): the first line nginx refuses, or undefined. A line starting with a space,
 * a control character or ':' is refused, and so is a space or control character
 * in the name; other odd characters only mark the header invalid (it is kept),
 * and a line without ':' is a header with an empty value. "HTTP/…" lines are
 * skipped (IIS). A NUL in the value, or a CR not followed by LF, is refused.
 */
function invalidHeaderLine(block: string): string | undefined {
  for (const raw of block.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const bad = (c: number) => c <= 0x20 || c === 0x7f;
    const c0 = line.charCodeAt(0);
    if (bad(c0) || line[0] === ':') return line;
    if (line.startsWith('HTTP/')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    for (let i = 0; i < name.length; i++) if (bad(name.charCodeAt(i))) return line;
    const value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.includes('\x00') || /\r[^\r]/.test(value)) return line;
  }
  return undefined;
}

const basisObserved = 'observed' as const;

/**
 * The answer once nginx has done with the status: passed on (perhaps with an
 * earlier error_page's status), or replaced by an error_page or nginx's own page.
 */
function settled(answer: BrowserAnswer, ctx: NginxAnswerContext, byNginx: boolean): BrowserAnswer {
  if (!ctx.after) {
    if (byNginx || !ctx.interceptErrors || answer.status < 300) return answer;
    return {
      ...answer,
      why: `${answer.why}; fastcgi_intercept_errors on: an error_page for ${answer.status} replaces the backend's page`,
    };
  }
  const after = ctx.after(answer.status, byNginx);
  if (!after) return answer;
  const why = after.why ? `${answer.why}; ${after.why}` : answer.why;
  const uncertain = after.uncertain.length > 0 ? { uncertain: after.uncertain } : {};
  if (after.kind === 'passthrough') return { ...answer, status: after.status ?? answer.status, why, ...uncertain };
  // The backend's headers are dropped: only the error page's own Location remains.
  return {
    status: after.status ?? answer.status,
    ...(after.location !== undefined ? { location: after.location } : {}),
    ...(after.file !== undefined ? { page: after.file } : {}),
    why,
    basis: answer.basis,
    ...uncertain,
  };
}

export function nginxAnswerForResponse(
  response: FcgiResponse,
  records: readonly ReceivedRecord[],
  ctx: NginxAnswerContext,
): BrowserAnswer {
  const out = response.raw.stdout;
  const first = records.find((r) => r.type !== 'STDERR');
  if (first && first.type !== 'STDOUT')
    return settled(
      {
        status: 502,
        why: `the backend's first record is ${first.type}, not STDOUT: nginx logs "upstream sent unexpected FastCGI record" and answers 502`,
        basis: basisObserved,
      },
      ctx,
      true,
    );
  const blockBytes = headerBlockBytes(out);
  if (out.length === 0 || blockBytes === undefined)
    return settled(
      {
        status: 502,
        why: 'the backend ended its output before the end of its headers: nginx logs "upstream prematurely closed FastCGI stdout" and answers 502',
        basis: basisObserved,
      },
      ctx,
      true,
    );
  const span = headerSpan(blockBytes, records);
  const size = `fastcgi_buffer_size ${ctx.bufferSize} bytes${ctx.bufferSizeAt ? ` (${ctx.bufferSizeAt})` : " (nginx's default, one memory page)"}`;
  if (span.low > ctx.bufferSize)
    return settled(
      {
        status: 502,
        why: `the headers take ${span.low} bytes with their FastCGI records, more than ${size}: nginx logs "upstream sent too big header" and answers 502`,
        basis: basisObserved,
      },
      ctx,
      true,
    );
  const near =
    span.high > ctx.bufferSize
      ? ` (the headers take ${span.low}–${span.high} bytes with their FastCGI records: at the edge of ${size}, nginx may answer 502 "upstream sent too big header")`
      : '';
  const bad = invalidHeaderLine(out.toString('latin1', 0, blockBytes));
  if (bad !== undefined)
    return settled(
      {
        status: 502,
        why: `nginx cannot read the header line "${bad.slice(0, 80)}": it logs "upstream sent invalid header" and answers 502`,
        basis: basisObserved,
      },
      ctx,
      true,
    );
  const headers = parseHeaders(out.toString('latin1', 0, blockBytes));
  // nginx keeps a header whose name is no HTTP token (r->invalid_header is only noted) and sends it on.
  const odd = [...headers.keys()].find((n) => !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(n));
  const oddNote =
    odd !== undefined
      ? `; nginx passes on the header name "${odd.slice(0, 40)}" as it is: HTTP clients that check names (Node's) refuse the whole response`
      : '';
  const contentType = headers.get('content-type');
  const location = headers.get('location');
  const extra = {
    ...(location !== undefined ? { location } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
  };
  const status = headers.get('status');
  if (status !== undefined) {
    const code = /^\d{3}/.exec(status);
    if (!code)
      return settled(
        {
          status: 502,
          why: `nginx cannot read "Status: ${status.slice(0, 40)}": it logs "upstream sent invalid status" and answers 502`,
          basis: basisObserved,
        },
        ctx,
        true,
      );
    const n = Number(code[0]);
    if (n < 100 || n > 599)
      return {
        status: 502,
        why: `"Status: ${status.slice(0, 40)}" is no HTTP status: nginx sends it as it is, browsers treat it as an error`,
        basis: 'source',
      };
    return settled(
      { status: n, ...extra, why: `the Status header the backend sent${near}${oddNote}`, basis: basisObserved },
      ctx,
      false,
    );
  }
  if (location !== undefined)
    return settled(
      {
        status: 302,
        ...extra,
        why: `a Location header with no Status: nginx answers 302 (ngx_http_fastcgi_process_header)${near}${oddNote}`,
        basis: basisObserved,
      },
      ctx,
      false,
    );
  return settled(
    { status: 200, ...extra, why: `no Status header: 200${near}${oddNote}`, basis: basisObserved },
    ctx,
    false,
  );
}

/** The header block as nginx reads it: names lower-cased, the first of each name (Status, Location, Content-Type). */
function parseHeaders(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of block.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(colon + 1).trim());
  }
  return out;
}

export function nginxAnswerForClientError(
  err: FcgiClientError,
  records: readonly ReceivedRecord[],
  ctx: NginxAnswerContext,
): BrowserAnswer {
  if (err.code === 'timeout' || err.code === 'connect-timeout')
    return settled(
      {
        status: 504,
        why: `the backend did not answer in time: nginx waits ${err.code === 'timeout' ? `fastcgi_read_timeout (${ctx.readTimeout}) between two reads` : 'fastcgi_connect_timeout'}, then logs "upstream timed out" and answers 504`,
        basis: basisObserved,
      },
      ctx,
      true,
    );
  if (err.details.phase === 'connect' || err.code.startsWith('connect-') || err.code === 'dns')
    return settled(
      {
        status: 502,
        why: 'nginx cannot connect to the backend: it logs "connect() … failed" and answers 502',
        basis: basisObserved,
      },
      ctx,
      true,
    );
  const sentOutput = records.some((r) => r.type === 'STDOUT' && r.contentLength > 0);
  if (err.code === 'closed-early')
    return settled(
      {
        status: 502,
        why: sentOutput
          ? 'the backend closed the connection before the end of the request: 502 ("upstream prematurely closed connection") when its headers were not complete yet; if they were, the browser gets them and a cut body'
          : 'the backend closed the connection without an answer: nginx logs "upstream prematurely closed connection while reading response header from upstream" and answers 502',
        basis: sentOutput ? 'source' : basisObserved,
      },
      ctx,
      true,
    );
  return settled(
    {
      status: 502,
      why: 'the FastCGI exchange failed: nginx answers 502 (NGX_HTTP_BAD_GATEWAY)',
      basis: 'source',
    },
    ctx,
    true,
  );
}
