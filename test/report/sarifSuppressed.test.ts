import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import type { SuppressedFinding } from '../../src/findings/suppress.js';
import { SHOWN } from '../../src/report/cap.js';
import { buildSarif } from '../../src/report/sarif.js';

const finding = (i: number): Finding => ({
  id: 'app-stderr',
  severity: 'warning',
  title: `line ${i}`,
  message: 'm',
  evidence: [],
  location: { file: '/var/log/apache2/error.log', line: i + 1 },
});

describe('SARIF: suppressed findings', () => {
  it('are results with a suppression (kind, status, justification, where it is written)', () => {
    const s: SuppressedFinding = {
      finding: finding(0),
      entry: {
        id: 'app-stderr',
        reason: 'the app logs to stderr on purpose',
        source: '/srv/.fcgi-doctor.yaml:3',
        kind: 'external',
        reportUnused: true,
      },
    };
    const log = buildSarif([], { toolVersion: '0.0.0', docFor: () => undefined, suppressed: [s], cwd: '/' });
    expect(log.runs[0]!.results).toEqual([
      expect.objectContaining({
        ruleId: 'app-stderr',
        level: 'warning',
        suppressions: [
          {
            kind: 'external',
            status: 'accepted',
            justification: 'the app logs to stderr on purpose',
            properties: { source: '/srv/.fcgi-doctor.yaml:3' },
          },
        ],
      }),
    ]);
  });

  it('are bounded per id like the other results', () => {
    const many = Array.from(
      { length: SHOWN.sarifResultsPerKind + 50 },
      (_, i): SuppressedFinding => ({
        finding: finding(i),
        entry: { id: 'app-stderr', reason: 'r', source: '--ignore', kind: 'external', reportUnused: true },
      }),
    );
    const log = buildSarif([], { toolVersion: '0.0.0', docFor: () => undefined, suppressed: many, cwd: '/' });
    expect(log.runs[0]!.results).toHaveLength(SHOWN.sarifResultsPerKind);
  });
});
