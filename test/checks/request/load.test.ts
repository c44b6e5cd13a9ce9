import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../../src/client/load.js';
import { findingForLoad } from '../../../src/checks/request/load.js';

const load = (failed: number, failures: LoadResult['failures'] = []): LoadResult => ({
  count: 100,
  concurrency: 8,
  completed: 100 - failed,
  failed,
  requestsPerSecond: 500,
  elapsedMs: 200,
  latencyMs: { min: 1, median: 2, p99: 9, max: 12 },
  failures,
});

describe('load-requests-failed (ping --count)', () => {
  it('fires when some requests failed, with the most frequent failures as evidence (at most five)', () => {
    const failures = Array.from({ length: 7 }, (_, i) => ({ message: `cause ${i}`, count: 7 - i }));
    const f = findingForLoad('unix:/run/a.sock', load(28, failures));
    expect(f).toMatchObject({ id: 'load-requests-failed', severity: 'error', title: '28 of 100 requests failed' });
    expect(f!.message).toContain(
      'Under a load of 8 concurrent requests, 28 of 100 requests to unix:/run/a.sock failed',
    );
    expect(f!.evidence.map((e) => e.text)).toEqual([
      '7× cause 0',
      '6× cause 1',
      '5× cause 2',
      '4× cause 3',
      '3× cause 4',
    ]);
  });
  it('does not fire when every request succeeded', () => {
    expect(findingForLoad('unix:/run/a.sock', load(0))).toBeUndefined();
  });
});
