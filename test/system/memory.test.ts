/** The memory figures of /proc: the parsers on captured text, and the live reader on this machine. */
import { describe, expect, it } from 'vitest';
import { liveMachineMemory, liveProcesses } from '../../src/system/processes.js';
import { isProbeError, parseMemInfo, parseSmapsRollupPss, parseStatusRss } from '../../src/system/index.js';

describe('memory parsers', () => {
  it('MemTotal and MemAvailable of /proc/meminfo', () => {
    const text =
      'MemTotal:       24683772 kB\nMemFree:        21149368 kB\nMemAvailable:   23431788 kB\nBuffers: 1 kB\n';
    expect(parseMemInfo(text)).toEqual({ totalKb: 24683772, availableKb: 23431788 });
    // Before Linux 3.14 there is no MemAvailable.
    expect(parseMemInfo('MemTotal: 1024 kB\nMemFree: 512 kB\n')).toEqual({ totalKb: 1024 });
    expect(parseMemInfo('garbage\n\u0000\u0001')).toBeUndefined();
  });

  it('Pss of smaps_rollup, not SwapPss or Pss_Anon', () => {
    const text =
      '55d0c0a00000-7ffd3b7f6000 ---p 00000000 00:00 0                          [rollup]\nRss:               21192 kB\nPss:               14041 kB\nPss_Anon:           9000 kB\nSwapPss:               0 kB\n';
    expect(parseSmapsRollupPss(text)).toBe(14041);
    expect(parseSmapsRollupPss('Rss: 1 kB\n')).toBeUndefined();
  });

  it('VmRSS of /proc/PID/status; none for a kernel thread', () => {
    expect(parseStatusRss('Name:\tphp-fpm8.2\nVmHWM:\t    9000 kB\nVmRSS:\t    8540 kB\n')).toBe(8540);
    expect(parseStatusRss('Name:\tkthreadd\nState:\tS (sleeping)\n')).toBeUndefined();
  });
});

describe('live memory readers', () => {
  it("reads this machine's memory and this process's own figure (PSS: the owner may read smaps_rollup)", () => {
    const machine = liveMachineMemory().machine();
    expect(isProbeError(machine)).toBe(false);
    if (!isProbeError(machine)) expect(machine.totalKb).toBeGreaterThan(0);
    const mine = liveProcesses().memory?.(process.pid);
    expect(mine && !isProbeError(mine) ? mine.kb : 0).toBeGreaterThan(0);
  });

  it('a process that is gone: a probe error, not a throw', () => {
    const gone = liveProcesses('/nonexistent-proc').memory?.(1);
    expect(gone && isProbeError(gone)).toBe(true);
    expect(isProbeError(liveProcesses('/nonexistent-proc').mountNamespace?.(1))).toBe(true);
    expect(isProbeError(liveMachineMemory('/nonexistent-proc').machine())).toBe(true);
  });
});
