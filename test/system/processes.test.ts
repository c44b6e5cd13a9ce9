import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveProcesses } from '../../src/system/processes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A /proc look-alike: the files liveProcesses reads, for two processes. */
function fakeProc(): string {
  const proc = mkdtempSync(join(tmpdir(), 'fcgi-doctor-proc-'));
  dirs.push(proc);
  writeFileSync(join(proc, 'stat'), 'cpu 1 2 3\nbtime 1700000000\n');
  const add = (pid: number, comm: string, cmdline: string[]) => {
    mkdirSync(join(proc, String(pid)));
    writeFileSync(join(proc, String(pid), 'cmdline'), `${cmdline.join('\0')}\0`);
    writeFileSync(
      join(proc, String(pid), 'stat'),
      `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0`,
    );
    writeFileSync(
      join(proc, String(pid), 'status'),
      `Name:\t${comm}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t1\n`,
    );
  };
  add(10, 'php-fpm8.2', ['php-fpm: master process (/srv/fpm/php-fpm.conf)']);
  add(11, 'bash', ['/bin/bash', '-l']);
  mkdirSync(join(proc, 'self'));
  return proc;
}

describe('liveProcesses on a /proc tree', () => {
  it('lists command lines alone, and the same ones list() gives', () => {
    const p = liveProcesses(fakeProc());
    const lines = p.commandLines().sort((a, b) => a.pid - b.pid);
    expect(lines).toEqual([
      { pid: 10, cmdline: ['php-fpm: master process (/srv/fpm/php-fpm.conf)'] },
      { pid: 11, cmdline: ['/bin/bash', '-l'] },
    ]);
    expect(
      p
        .list()
        .map((x) => x.cmdline)
        .sort(),
    ).toEqual(lines.map((x) => x.cmdline).sort());
  });
});

describe('parentAndCommandLine', () => {
  it('reads one process on its own, without a snapshot of all', () => {
    const proc = fakeProc();
    const p = liveProcesses(proc);
    expect(p.parentAndCommandLine(10)).toEqual({
      ppid: 1,
      cmdline: ['php-fpm: master process (/srv/fpm/php-fpm.conf)'],
    });
    // Process 11 goes away: a snapshot would have read it; this read did not.
    rmSync(join(proc, '11'), { recursive: true });
    expect(p.parentAndCommandLine(11)).toBeUndefined();
    expect(p.list().map((x) => x.pid)).toEqual([10]);
  });

  it('is undefined for a process id that is not there', () => {
    expect(liveProcesses(fakeProc()).parentAndCommandLine(4242)).toBeUndefined();
  });
});
