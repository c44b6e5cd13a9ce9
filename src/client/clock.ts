/**
 * Milliseconds on a monotonic clock, for latencies and deadlines.
 * Not performance.now(): the global `performance` loads perf_hooks and its
 * eight internal modules on first use, ~0.6 ms of a health check's start-up.
 */
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
