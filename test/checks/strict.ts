/**
 * Running checks in tests: a check that crashes must fail the test that ran
 * it, never pass as "no finding". Every helper that runs configuration checks
 * or live probes goes through these, so a test that asserts an id is absent
 * ("stays quiet") also asserts that no check failed on the way.
 */
import { analyzeConfig, type AnalyzeOptions, type AnalyzeResult } from '../../src/checks/config/index.js';
import type { InternalError } from '../../src/checks/internalError.js';
import type { Finding } from '../../src/findings/finding.js';

export interface StrictOptions {
  /** The test is about a safety limit: config-analysis-limit is expected. */
  limitsExpected?: boolean;
}

/** Throws when a step crashed, or (unless expected) when the analysis stopped at a safety limit. */
export function assertRanClean(
  r: { internalErrors: readonly InternalError[]; findings: readonly Finding[] },
  opts: StrictOptions = {},
): void {
  if (r.internalErrors.length > 0) {
    throw new Error(`a check failed: ${r.internalErrors.map((e) => `${e.step}: ${e.message}`).join('; ')}`);
  }
  const limits = r.findings.filter((f) => f.id === 'config-analysis-limit');
  if (!opts.limitsExpected && limits.length > 0) {
    throw new Error(`the analysis stopped at a limit: ${limits.map((f) => f.message).join('; ')}`);
  }
}

/** analyzeConfig that fails the test when a check crashed or a limit cut the analysis short. */
export function analyzeStrict(options: AnalyzeOptions, opts: StrictOptions = {}): AnalyzeResult {
  const r = analyzeConfig(options);
  assertRanClean(r, opts);
  return r;
}

/** Every format names a crashed step with these words (JSON: a non-empty internalErrors). */
const CRASH_WORDS = /fcgi-doctor failed in |"internalErrors": \[\s*\{/;

/** For helpers that run `check` as a command: its output must not report a crashed step. */
export function assertNoCrashInOutput(output: string): void {
  const m = CRASH_WORDS.exec(output);
  if (m) throw new Error(`a step of check failed: ${output.slice(m.index, m.index + 300)}`);
}
