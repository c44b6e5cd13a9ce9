/**
 * One read of PHP-FPM's status page over FastCGI: SCRIPT_NAME and
 * SCRIPT_FILENAME are the status path (FPM matches pm.status_path against
 * SCRIPT_NAME before it looks for a file), QUERY_STRING `json&full`. What
 * comes back is either the pool's figures or the reason the page could not be
 * read, classified here and put into words by reasons.ts.
 */
import { FcgiClientError } from '../client/errors.js';
import { buildRequestEnvironment } from '../client/params.js';
import { sendRequest, type FcgiResponse } from '../client/request.js';
import type { Target } from '../client/target.js';
import { monotonicMs } from '../client/clock.js';
import { parseStatusPage, StatusParseError, type PoolStatus } from './figures.js';

export interface ReadOptions {
  /** the status path, e.g. /status */
  path: string;
  timeoutMs: number;
  /** at most this long for the connect alone (default timeoutMs) */
  connectTimeoutMs?: number;
  /** stop reading a page beyond this size (default DEFAULT_STATUS_MAX_BYTES) */
  maxResponseBytes?: number;
  toolVersion?: string;
  /** the clock, for tests: ms */
  now?: () => number;
  /** abandons the read (another answered first): it ends as a failed read */
  signal?: AbortSignal;
}

/** Why a page that answered is not the status page. */
export type UnreadableKind =
  /** 404 "File not found.": the pool serves no status page at this path */
  | 'not-enabled'
  /** 403 "Access denied.": the request reached security.limit_extensions, not the status page */
  | 'extension-denied'
  /** a PHP script answered: the path is a script's, not pm.status_path */
  | 'php-script'
  /** it speaks FastCGI but is not PHP-FPM (uWSGI, fcgiwrap, a stand-in app) */
  | 'not-fpm'
  /** FPM-like text we could not parse */
  | 'unparseable'
  /** the shape of a status page, with a value PHP-FPM never writes (an array, a negative count, 1e999) */
  | 'invalid';

/**
 * A full status page is about 400 bytes per worker: 4 MiB holds some ten
 * thousand workers. `status --max-response-bytes` raises it.
 */
export const DEFAULT_STATUS_MAX_BYTES = 4 * 1024 * 1024;

export type StatusRead =
  | { kind: 'ok'; status: PoolStatus; format: 'json' | 'text'; response: FcgiResponse; atMs: number; elapsedMs: number }
  | { kind: 'unreadable'; reason: UnreadableKind; response: FcgiResponse; detail: string; server?: string }
  /** no answer: `connected` tells a request that waited in the listen backlog from a connect that failed */
  | { kind: 'failed'; error: FcgiClientError; connected: boolean };

/** Codes of a connect that failed: anything else happened on an open connection. */
const CONNECT_FAILURES = new Set<string>([
  'connect-refused',
  'connect-denied',
  'connect-missing',
  'connect-not-socket',
  'connect-is-directory',
  'connect-path-too-long',
  'connect-overloaded',
  'connect-timeout',
  'connect-failed',
  'dns',
]);

export function statusParams(path: string, query: string, toolVersion?: string): Array<[string, string]> {
  return buildRequestEnvironment({
    script: path,
    documentRoot: '/',
    scriptName: path,
    uri: `${path}?${query}`,
    softwareVersion: toolVersion,
  });
}

function header(r: FcgiResponse, name: string): string | undefined {
  const n = name.toLowerCase();
  return r.headers.find(([k]) => k.toLowerCase() === n)?.[1];
}

function bodyStart(r: FcgiResponse, max = 400): string {
  return r.body.subarray(0, max).toString('utf8').trim();
}

/** What kind of FastCGI server answered, from what it sent, when that says. */
export function serverOf(r: FcgiResponse): string | undefined {
  const powered = header(r, 'X-Powered-By') ?? '';
  const text = `${bodyStart(r, 2000)}\n${r.stderr}`;
  if (header(r, 'X-Fcgi-Doctor-Pid') !== undefined || /fcgi-doctor serve/.test(text))
    return 'fcgi-doctor serve (the stand-in app)';
  if (/fcgiwrap/i.test(text) || /Cannot get script name/.test(text)) return 'fcgiwrap';
  if (/uwsgi/i.test(`${powered}\n${text}`)) return 'uWSGI';
  if (/^PHP\//i.test(powered)) return `PHP (${powered})`;
  // PHP's default header is spelt "Content-type" (lower-case t), even with expose_php = Off.
  if (r.headers.some(([k]) => k === 'Content-type')) return 'PHP';
  return undefined;
}

/** Classifies an answer that did not parse as a status page. */
export function classify(
  r: FcgiResponse,
  parseError: string,
): { reason: UnreadableKind; detail: string; server?: string } {
  const start = bodyStart(r);
  const server = serverOf(r);
  const php = server?.startsWith('PHP') ?? false;
  const base = (reason: UnreadableKind, detail: string) => (server ? { reason, detail, server } : { reason, detail });
  if (r.status === 404 && (/^File not found\.?$/.test(start) || /Primary script unknown/i.test(r.stderr))) {
    return base(
      'not-enabled',
      `${r.status} "${start.slice(0, 80)}"${r.stderr ? `, stderr "${r.stderr.trim().slice(0, 120)}"` : ''}`,
    );
  }
  if (r.status === 403 && (/^Access denied\.?$/.test(start) || /security\.limit_extensions/.test(r.stderr))) {
    return base(
      'extension-denied',
      `${r.status} "${start.slice(0, 80)}"${r.stderr ? `, stderr "${r.stderr.trim().slice(0, 160)}"` : ''}`,
    );
  }
  if (php && r.status < 400)
    return base('php-script', `${r.status}, ${header(r, 'Content-Type') ?? 'no Content-Type'}, ${parseError}`);
  if (server === undefined && /^\{/.test(start) && /"pool"/.test(start)) return base('unparseable', parseError);
  if (server === undefined && /^pool:\s/m.test(start)) return base('unparseable', parseError);
  return base(
    php ? 'php-script' : 'not-fpm',
    `${r.status}${r.statusText ? ` ${r.statusText}` : ''}, ${header(r, 'Content-Type') ?? 'no Content-Type'}: "${start.split('\n')[0]?.slice(0, 80) ?? ''}"`,
  );
}

async function ask(target: Target, query: string, opts: ReadOptions, timeoutMs: number): Promise<FcgiResponse> {
  return sendRequest(target, {
    params: statusParams(opts.path, query, opts.toolVersion),
    timeoutMs,
    connectTimeoutMs: Math.min(opts.connectTimeoutMs ?? timeoutMs, timeoutMs),
    maxResponseBytes: opts.maxResponseBytes ?? DEFAULT_STATUS_MAX_BYTES,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** Reads the page once, within opts.timeoutMs in all (a fallback request shares the deadline). */
export async function readStatusPage(target: Target, opts: ReadOptions): Promise<StatusRead> {
  const now = opts.now ?? (() => monotonicMs());
  const start = now();
  const wallClock = Date.now();
  let response: FcgiResponse;
  try {
    response = await ask(target, 'json&full', opts, opts.timeoutMs);
  } catch (err) {
    if (!(err instanceof FcgiClientError)) throw err;
    return { kind: 'failed', error: err, connected: !CONNECT_FAILURES.has(err.code) };
  }
  const ok = (status: PoolStatus, format: 'json' | 'text', r: FcgiResponse): StatusRead => ({
    kind: 'ok',
    status,
    format,
    response: r,
    atMs: wallClock,
    elapsedMs: now() - start,
  });
  let parseError = '';
  // A page with the shape of a status page and a value PHP-FPM never writes: its figures cannot be judged.
  const invalid = (err: StatusParseError, r: FcgiResponse): StatusRead => {
    const server = serverOf(r);
    return { kind: 'unreadable', response: r, reason: 'invalid', detail: err.message, ...(server ? { server } : {}) };
  };
  if (response.status === 200 && response.raw.protocolStatusName === 'REQUEST_COMPLETE') {
    try {
      const page = parseStatusPage(response.body.toString('utf8'));
      return ok(page.status, page.format, response);
    } catch (err) {
      if (!(err instanceof StatusParseError)) throw err;
      if (err.field !== undefined) return invalid(err, response);
      parseError = err.message;
    }
    // FPM's JSON that does not parse (a request URI it did not escape): the plain page says the same.
    if (/^\s*\{/.test(response.body.toString('utf8', 0, 64)) && /"pool"/.test(response.body.toString('utf8', 0, 200))) {
      const left = opts.timeoutMs - (now() - start);
      if (left > 50) {
        let plain: FcgiResponse | undefined;
        try {
          plain = await ask(target, 'full', opts, left);
          if (plain.status === 200) return ok(parseStatusPage(plain.body.toString('utf8')).status, 'text', plain);
        } catch (err) {
          if (!(err instanceof FcgiClientError) && !(err instanceof StatusParseError)) throw err;
          if (err instanceof StatusParseError && err.field !== undefined) return invalid(err, plain ?? response);
        }
      }
    }
  }
  return { kind: 'unreadable', response, ...classify(response, parseError || 'not a status page') };
}
