import { describe, expect, it } from 'vitest';
import { liveProcesses, MAX_ENVIRON_BYTES, parseEnviron } from '../../src/system/processes.js';
import { isProbeError } from '../../src/system/types.js';

describe('/proc/PID/environ', () => {
  it('NUL-separated entries; the first of a duplicate name wins (getenv); a cut-short last entry is dropped', () => {
    expect(parseEnviron('PATH=/bin\0LANG=C\0PATH=/x\0=odd\0', false)).toEqual({ PATH: '/bin', LANG: 'C' });
    expect(parseEnviron('A=1\0B=trunc', true)).toEqual({ A: '1' });
    expect(MAX_ENVIRON_BYTES).toBeGreaterThan(4096);
  });
  it("reads this process's own environment; a missing process is a probe error", () => {
    const env = liveProcesses().environment(process.pid);
    expect(isProbeError(env)).toBe(false);
    if (!isProbeError(env)) expect(env.PATH).toBe(process.env.PATH);
    expect(isProbeError(liveProcesses().environment(2 ** 30))).toBe(true);
  });
});
