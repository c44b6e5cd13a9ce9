import { describe, expect, it } from 'vitest';
import { elsewhereLine } from '../../src/report/checkText.js';
import type { Finding } from '../../src/findings/finding.js';

const f = (severity: Finding['severity']): Finding => ({
  id: 'socket-missing',
  severity,
  title: 't',
  message: 'm',
  evidence: [],
});

describe('the elsewhere line of check FILE', () => {
  it('singular: one error in one site', () => {
    const line = elsewhereLine(
      { summary: { error: 1, warning: 0, info: 0 }, sites: ['/etc/a.conf'], findings: [f('error')] },
      false,
    );
    expect(line).toBe(
      'elsewhere on this server (from the configuration and the logs): 1 error in 1 other site (/etc/a.conf), not counted here; --verbose lists it — `fcgi-doctor check` with no file checks the whole server, live',
    );
  });

  it('plural, more sites than are named, and the verbose wording', () => {
    const e = {
      summary: { error: 2, warning: 3, info: 1 },
      sites: ['/a', '/b', '/c', '/d', '/e'],
      findings: [f('error'), f('error'), f('warning'), f('warning'), f('warning'), f('info')],
    };
    expect(elsewhereLine(e, false)).toContain(
      '2 errors, 3 warnings, 1 note in 5 other sites (/a, /b, /c, 2 more), not counted here; --verbose lists them',
    );
    expect(elsewhereLine(e, true)).toContain('(/a, /b, /c, 2 more), listed below, not counted here — ');
  });

  it('nothing set apart: no line', () => {
    expect(
      elsewhereLine({ summary: { error: 0, warning: 0, info: 0 }, sites: [], findings: [] }, false),
    ).toBeUndefined();
  });

  it('a site name with control characters is escaped', () => {
    const line = elsewhereLine(
      { summary: { error: 1, warning: 0, info: 0 }, sites: ['/etc/a\u001b[31m.conf'], findings: [f('error')] },
      false,
    );
    expect(line).not.toContain('\u001b');
  });
});
