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
  /** Figures of each interval of `everyMs` while the test runs, and of the last, shorter one at its end. */
  onInterval?: { everyMs: number; report: (sample: LoadInterval) => void };
}

/** The requests that ended within one interval of a load test. */
export interface LoadInterval {
  /** 1, 2, 3… */
  interval: number;
  /** ms from the start of the test to the end of this interval */
  elapsedMs: number;
  durationMs: number;
  /** answered as expected */
  completed: number;
  failed: number;
  /** requests that ended in this interval, per second of it */
  requestsPerSecond: number;
  /** of the requests answered in this interval (as runLoad's latencyMs) */
  latencyMs: { min: number; median: number; p99: number; max: number };
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
  // What ended since the last interval's figures were taken.
  let slice = { latencies: [] as number[], ended: 0, failed: 0 };
  const fail = (message: string) => {
    failed++;
    slice.failed++;
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
        slice.latencies.push(monotonicMs() - start);
        if (!options.accept(response))
          fail(`status ${response.status}${response.problems[0] ? `: ${response.problems[0]}` : ''}`);
      } catch (err) {
        (connection as FcgiConnection | undefined)?.close();
        connection = undefined;
        fail(err instanceof FcgiClientError ? err.message : String(err));
      }
      slice.ended++;
    }
    (connection as FcgiConnection | undefined)?.close();
  };

  const started = monotonicMs();
  let intervals = 0;
  let sliceStart = started;
  const takeInterval = () => {
    const now = monotonicMs();
    const { latencies: ls, ended, failed: f } = slice;
    slice = { latencies: [], ended: 0, failed: 0 };
    ls.sort((a, b) => a - b);
    const durationMs = now - sliceStart;
    sliceStart = now;
    options.onInterval?.report({
      interval: ++intervals,
      elapsedMs: now - started,
      durationMs,
      completed: ended - f,
      failed: f,
      requestsPerSecond: durationMs > 0 ? (ended / durationMs) * 1000 : 0,
      latencyMs: {
        min: ls[0] ?? 0,
        median: percentile(ls, 50),
        p99: percentile(ls, 99),
        max: ls[ls.length - 1] ?? 0,
      },
    });
  };
  // Unref'd: the figures are a by-product; they never keep the process alive.
  const ticker = options.onInterval ? setInterval(takeInterval, options.onInterval.everyMs) : undefined;
  ticker?.unref();
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.count)) }, worker));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  // The last, shorter interval; none when the last tick took every request already.
  if (options.onInterval && (slice.ended > 0 || intervals === 0)) takeInterval();
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
