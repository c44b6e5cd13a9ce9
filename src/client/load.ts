import { encodeNameValuePairs } from '../protocol/index.js';
import { FcgiConnection, type RequestOptions } from './connection.js';
import { FcgiClientError } from './errors.js';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_STDERR_BYTES, toResponse, type FcgiResponse } from './request.js';
import type { Target } from './target.js';
import { monotonicMs } from './clock.js';

export interface LoadOptions {
  params: Iterable<readonly [string, string]>;
  count: number;
  concurrency: number;
  keepConn?: boolean;
  timeoutMs: number;
  connectTimeoutMs?: number;
  maxResponseBytes?: number;
  /** whether a response counts as a success (status, expectations) */
  accept: (response: FcgiResponse) => boolean;
}

export interface LoadResult {
  count: number;
  concurrency: number;
  completed: number;
  failed: number;
  requestsPerSecond: number;
  elapsedMs: number;
  latencyMs: { min: number; median: number; p99: number; max: number };
  /** failures by message, so one cause is reported once with its count */
  failures: Array<{ message: string; count: number }>;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * A small load test straight at the backend: `concurrency` workers send
 * `count` requests in all, each on a fresh connection unless keepConn.
 */
export async function runLoad(target: Target, options: LoadOptions): Promise<LoadResult> {
  const params = encodeNameValuePairs(options.params);
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let issued = 0;
  let failed = 0;
  const fail = (message: string) => {
    failed++;
    failures.set(message, (failures.get(message) ?? 0) + 1);
  };
  const requestOptions: RequestOptions = {
    params,
    keepConn: options.keepConn ?? false,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxStderrBytes: DEFAULT_MAX_STDERR_BYTES,
  };
  const connectTimeout = options.connectTimeoutMs ?? options.timeoutMs;

  const worker = async () => {
    let connection: FcgiConnection | undefined;
    while (issued < options.count) {
      issued++;
      const start = monotonicMs();
      let connectMs = 0;
      const open = async () => {
        connection = await FcgiConnection.open(target, connectTimeout);
        connectMs = monotonicMs() - start;
        return connection;
      };
      try {
        const reused = connection?.isOpen;
        let raw;
        try {
          raw = await (reused ? connection! : await open()).request(requestOptions);
        } catch (err) {
          // A backend that ignores FCGI_KEEP_CONN closes after each reply; the close may
          // arrive after the next request was written. Resend once on a fresh connection.
          if (!(reused && err instanceof FcgiClientError && err.code === 'closed-early')) throw err;
          raw = await (await open()).request(requestOptions);
        }
        if (!requestOptions.keepConn) connection = undefined;
        const response = toResponse(raw, connectMs);
        latencies.push(monotonicMs() - start);
        if (!options.accept(response))
          fail(`status ${response.status}${response.problems[0] ? `: ${response.problems[0]}` : ''}`);
      } catch (err) {
        (connection as FcgiConnection | undefined)?.close();
        connection = undefined;
        fail(err instanceof FcgiClientError ? err.message : String(err));
      }
    }
    (connection as FcgiConnection | undefined)?.close();
  };

  const started = monotonicMs();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.count)) }, worker));
  const elapsedMs = monotonicMs() - started;
  latencies.sort((a, b) => a - b);
  return {
    count: options.count,
    concurrency: options.concurrency,
    completed: options.count - failed,
    failed,
    requestsPerSecond: elapsedMs > 0 ? (options.count / elapsedMs) * 1000 : 0,
    elapsedMs,
    latencyMs: {
      min: latencies[0] ?? 0,
      median: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? 0,
    },
    failures: [...failures].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count),
  };
}
