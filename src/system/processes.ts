/**
 * Live processes from /proc (never from `ps`): one snapshot per SystemProbes,
 * taken on first use so that all checks agree on what was running.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { errnoToProbeError } from './fileSystem.js';
import { parseBootTime, parseCmdline, parseProcStat, parseProcStatus, socketInodeOf } from './procParse.js';
import { type ProbeError, type ProcessInfo, type Processes } from './types.js';

/** USER_HZ: 100 on every Linux architecture Apache runs on (the ABI fixes it, whatever CONFIG_HZ is). */
const TICKS_PER_SECOND = 100;

function readProcess(proc: string, pid: number, bootMs: number): ProcessInfo | undefined {
  let stat;
  let status;
  try {
    stat = parseProcStat(readFileSync(`${proc}/${pid}/stat`, 'utf8'));
    status = parseProcStatus(readFileSync(`${proc}/${pid}/status`, 'utf8'));
  } catch {
    return undefined; // exited meanwhile
  }
  if (!stat || !status) return undefined;
  let cmdline: string[] = [];
  try {
    cmdline = parseCmdline(readFileSync(`${proc}/${pid}/cmdline`, 'utf8'));
  } catch {
    /* exited or hidden: the comm still names it */
  }
  const info: ProcessInfo = {
    pid,
    ppid: stat.ppid,
    ...status,
    comm: stat.comm,
    cmdline,
    state: stat.state,
    startedAtMs: bootMs + (stat.startTicks / TICKS_PER_SECOND) * 1000,
    threads: stat.threads,
  };
  try {
    info.exe = readlinkSync(`${proc}/${pid}/exe`);
  } catch {
    /* another user's process without root, or a kernel thread */
  }
  return info;
}

export function liveProcesses(proc = '/proc'): Processes {
  let snapshot: Map<number, ProcessInfo> | undefined;
  const take = () => {
    if (snapshot) return snapshot;
    snapshot = new Map();
    let bootMs = 0;
    try {
      bootMs = (parseBootTime(readFileSync(`${proc}/stat`, 'utf8')) ?? 0) * 1000;
    } catch {
      /* no /proc/stat: start times stay relative to 1970, callers see them as old */
    }
    let entries: string[] = [];
    try {
      entries = readdirSync(proc);
    } catch {
      return snapshot;
    }
    for (const e of entries) {
      if (!/^\d+$/.test(e)) continue;
      const p = readProcess(proc, Number(e), bootMs);
      if (p) snapshot.set(p.pid, p);
    }
    return snapshot;
  };
  const inodes = new Map<number, number[] | ProbeError>();
  return {
    list: () => [...take().values()],
    commandLines() {
      if (snapshot) return [...snapshot.values()].map(({ pid, cmdline }) => ({ pid, cmdline }));
      const out: Array<{ pid: number; cmdline: string[] }> = [];
      let entries: string[] = [];
      try {
        entries = readdirSync(proc);
      } catch {
        return out;
      }
      for (const e of entries) {
        if (!/^\d+$/.test(e)) continue;
        try {
          out.push({ pid: Number(e), cmdline: parseCmdline(readFileSync(`${proc}/${e}/cmdline`, 'utf8')) });
        } catch {
          /* gone meanwhile */
        }
      }
      return out;
    },
    get: (pid) => take().get(pid),
    socketInodes(pid) {
      const cached = inodes.get(pid);
      if (cached) return cached;
      let result: number[] | ProbeError;
      try {
        const out: number[] = [];
        for (const fd of readdirSync(`${proc}/${pid}/fd`)) {
          try {
            const ino = socketInodeOf(readlinkSync(`${proc}/${pid}/fd/${fd}`));
            if (ino !== undefined) out.push(ino);
          } catch {
            /* fd closed meanwhile */
          }
        }
        result = out;
      } catch (e) {
        result = errnoToProbeError(e, `${proc}/${pid}/fd`);
      }
      inodes.set(pid, result);
      return result;
    },
    viewer: () => ({ uid: process.getuid?.() ?? 0, euid: process.geteuid?.() ?? 0 }),
  };
}
