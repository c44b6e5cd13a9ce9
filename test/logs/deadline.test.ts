import { describe, expect, it } from 'vitest';
import { Deadline, EXPIRED } from '../../src/logs/deadline.js';

describe('Deadline', () => {
  it('ends a wait that never completes, on its timer', async () => {
    const deadline = new Deadline(Date.now() + 100);
    const started = Date.now();
    const result = await deadline.race(new Promise<never>(() => undefined));
    expect(result).toBe(EXPIRED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(deadline.passed()).toBe(true);
  });

  it('gives the value of a wait that completes first', async () => {
    const deadline = new Deadline(Date.now() + 5000);
    await expect(deadline.race(Promise.resolve('chunk'))).resolves.toBe('chunk');
    expect(deadline.passed()).toBe(false);
    deadline.dispose();
  });

  it('does not fire early for a deadline past what setTimeout can wait (700 hours)', async () => {
    const deadline = new Deadline(Date.now() + 700 * 3600 * 1000);
    const result = await Promise.race([
      deadline.race(new Promise<never>(() => undefined)),
      new Promise((r) => setTimeout(() => r('still waiting'), 50)),
    ]);
    expect(result).toBe('still waiting');
    expect(deadline.passed()).toBe(false);
    deadline.dispose();
  });
});
