import { describe, expect, it } from 'vitest';
import { dedupeFindings } from '../../src/checks/dedupe.js';
import type { Finding } from '../../src/findings/finding.js';
import type { FindingId } from '../../src/findings/ids.js';

const f = (id: FindingId, message: string, line?: number): Finding => ({
  id,
  severity: 'error',
  title: id,
  message,
  ...(line !== undefined ? { location: { file: '/etc/apache2/sites-enabled/a.conf', line } } : {}),
  evidence: [],
  fix: 'x',
});

describe('dedupeFindings: one finding said twice by one part of check', () => {
  it('keeps the first of findings with the same id, place and message', () => {
    const a = f('socket-missing', 'no socket at /run/a.sock', 3);
    expect(dedupeFindings([a, { ...a, evidence: [{ kind: 'probe', text: 'again' }] }])).toEqual([a]);
  });
  it('keeps findings that differ in id, line or message, in their order', () => {
    const list = [
      f('socket-missing', 'm', 3),
      f('socket-missing', 'm', 4),
      f('socket-missing', 'n', 3),
      f('socket-stale', 'm', 3),
      f('socket-missing', 'm'),
    ];
    expect(dedupeFindings(list)).toEqual(list);
  });
});
