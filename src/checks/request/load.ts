/** load-requests-failed: what `ping --count` found when some requests of the load failed. */
import type { LoadResult } from '../../client/load.js';
import type { Finding } from '../../findings/finding.js';

/** At most this many distinct failures as evidence, most frequent cause first as the load counted them. */
const SHOWN_FAILURES = 5;

export function findingForLoad(where: string, load: LoadResult): Finding | undefined {
  if (load.failed === 0) return undefined;
  return {
    id: 'load-requests-failed',
    severity: 'error',
    title: `${load.failed} of ${load.count} requests failed`,
    message: `Under a load of ${load.concurrency} concurrent requests, ${load.failed} of ${load.count} requests to ${where} failed or did not meet the expectations.`,
    evidence: load.failures
      .slice(0, SHOWN_FAILURES)
      .map((f) => ({ kind: 'request' as const, text: `${f.count}× ${f.message}` })),
    fix: 'Send a single ping to see one failure in full; if only some requests fail, the backend runs out of workers or connections under this load.',
  };
}
