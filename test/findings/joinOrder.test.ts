import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import { joinFindings } from '../../src/findings/join.js';
import { orderFindings } from '../../src/findings/order.js';

// Ids of the registry or not: joining and ordering must not depend on which.
const f = (id: string, over: Partial<Finding> = {}): Finding => ({
  id: id as Finding['id'],
  severity: 'error',
  title: id,
  message: id,
  evidence: [{ kind: 'probe', text: `${id} probe` }],
  ...over,
});

describe('joinFindings', () => {
  it('joins findings of one id about one setup, keeping every piece of evidence once', () => {
    const joined = joinFindings([
      f('socket-permission-denied', {
        setup: 's1',
        evidence: [{ kind: 'probe', text: 'srw-rw---- root root /run/x.sock' }],
      }),
      f('socket-permission-denied', {
        setup: 's1',
        evidence: [
          { kind: 'request', text: 'EACCES' },
          { kind: 'probe', text: 'srw-rw---- root root /run/x.sock' },
        ],
      }),
    ]);
    expect(joined).toHaveLength(1);
    expect(joined[0]!.evidence.map((e) => e.kind)).toEqual(['probe', 'request']);
  });

  it('keeps findings of one id about two setups apart', () => {
    expect(joinFindings([f('socket-missing', { setup: 'a' }), f('socket-missing', { setup: 'b' })])).toHaveLength(2);
  });

  it('joins a log finding to the one probe finding of its id, and raises its severity', () => {
    const log: Finding = f('socket-stale', {
      severity: 'error',
      evidence: [{ kind: 'log', text: '(111)Connection refused' }],
    });
    const joined = joinFindings([f('socket-stale', { setup: 'a', severity: 'warning' }), log]);
    expect(joined).toHaveLength(1);
    expect(joined[0]!.severity).toBe('error');
    expect(joined[0]!.evidence.map((e) => e.kind)).toEqual(['probe', 'log']);
  });

  it('leaves a log finding alone when two setups share its id: it cannot tell which', () => {
    const log = f('socket-missing', { evidence: [{ kind: 'log', text: 'AH02454' }] });
    expect(joinFindings([f('socket-missing', { setup: 'a' }), f('socket-missing', { setup: 'b' }), log])).toHaveLength(
      3,
    );
  });

  it('does not change its input', () => {
    const a = f('socket-missing', { setup: 'a' });
    joinFindings([a, f('socket-missing', { setup: 'a', evidence: [{ kind: 'request', text: 'ENOENT' }] })]);
    expect(a.evidence).toHaveLength(1);
    // Nor when a log finding is what joins it.
    const b = f('socket-stale', { setup: 'b', severity: 'warning' });
    const joined = joinFindings([
      b,
      f('socket-stale', { severity: 'error', evidence: [{ kind: 'log', text: '(111)Connection refused' }] }),
    ]);
    expect(joined[0]).not.toBe(b);
    expect(joined[0]!.evidence).toHaveLength(2);
    expect(b).toMatchObject({ severity: 'warning', evidence: [{ kind: 'probe' }] });
    expect(b.evidence).toHaveLength(1);
  });

  it('passes a finding alone on its subject through as it is', () => {
    const a = f('socket-missing', { setup: 'a' });
    const b = f('socket-missing', { setup: 'b' });
    const joined = joinFindings([a, b]);
    expect(joined[0]).toBe(a);
    expect(joined[1]).toBe(b);
  });
});

describe('orderFindings', () => {
  it('puts errors first, and within them causes before consequences', () => {
    const ordered = orderFindings([
      f('backend-error-status'),
      f('app-stderr', { severity: 'warning' }),
      f('app-crash-loop'),
      f('shebang-interpreter-missing'),
      f('options-mixed-syntax'),
    ]);
    expect(ordered.map((x) => x.id)).toEqual([
      'options-mixed-syntax',
      'shebang-interpreter-missing',
      'app-crash-loop',
      'backend-error-status',
      'app-stderr',
    ]);
  });
});
