import { parseCgiResponse, type CgiResponse } from './cgiResponse.js';
import { FcgiConnection, type RawResponse, type RecordTrace, type RequestOptions } from './connection.js';
import type { Target } from './target.js';
import { monotonicMs } from './clock.js';

export interface Timings {
  connectMs: number;
  firstByteMs: number;
  totalMs: number;
}

export interface FcgiResponse extends CgiResponse {
  raw: RawResponse;
  stderr: string;
  timings: Timings;
}

export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_STDERR_BYTES = 1024 * 1024;

export interface SendOptions extends Partial<Omit<RequestOptions, 'params'>> {
  params: RequestOptions['params'];
  connectTimeoutMs?: number;
  trace?: (t: RecordTrace) => void;
  /** Abandons the request: the connection is closed and the request fails as closed early. */
  signal?: AbortSignal;
}

/**
 * One request on a fresh connection: connect, send, read to END_REQUEST,
 * parse the CGI response. Never retried: the caller decides.
 */
export async function sendRequest(target: Target, options: SendOptions): Promise<FcgiResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const start = monotonicMs();
  const connection = await FcgiConnection.open(target, options.connectTimeoutMs ?? timeoutMs, options.trace);
  const connectMs = monotonicMs() - start;
  const abandon = () => connection.close();
  if (options.signal?.aborted) abandon();
  options.signal?.addEventListener('abort', abandon, { once: true });
  try {
    const raw = await connection.request({
      params: options.params,
      body: options.body,
      role: options.role,
      keepConn: false,
      timeoutMs: Math.max(1, timeoutMs - connectMs),
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      maxStderrBytes: options.maxStderrBytes ?? DEFAULT_MAX_STDERR_BYTES,
    });
    return toResponse(raw, connectMs);
  } finally {
    options.signal?.removeEventListener('abort', abandon);
    connection.close();
  }
}

export function toResponse(raw: RawResponse, connectMs: number): FcgiResponse {
  return {
    ...parseCgiResponse(raw.stdout),
    raw,
    stderr: raw.stderr.toString('utf8'),
    timings: { connectMs, firstByteMs: connectMs + raw.firstByteMs, totalMs: connectMs + raw.totalMs },
  };
}

/**
 * How long FCGI_GET_VALUES waits for an answer (or the whole timeout, when
 * shorter). A backend that answers management records does so at once (PHP-FPM
 * within milliseconds); many never do (uWSGI, fcgiwrap, libfcgi apps), and
 * waiting the whole request timeout for them only delays the report.
 */
export const MANAGEMENT_ANSWER_WAIT_MS = 1_000;

/** FCGI_GET_VALUES on a fresh connection: what the backend says of its limits. */
export async function queryManagementValues(
  target: Target,
  names: readonly string[],
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<Map<string, string>> {
  const start = monotonicMs();
  const connection = await FcgiConnection.open(target, timeoutMs);
  const left = Math.max(1, timeoutMs - (monotonicMs() - start));
  try {
    return await connection.getValues(names, Math.min(MANAGEMENT_ANSWER_WAIT_MS, left));
  } finally {
    connection.close();
  }
}
