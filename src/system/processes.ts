/**
 * Live processes from /proc (never from `ps`): one snapshot per SystemProbes,
 * taken on first use so that all checks agree on what was running.
 */
import { closeSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { errnoToProbeError } from './fileSystem.js';
import {
  parseBootTime,
  parseCmdline,
  parseMemInfo,
  parseProcStat,
  parseProcStatus,
  parseSmapsRollupPss,
  parseStatusRss,
  socketInodeOf,
} from './procParse.js';
import { probeError, type MachineMemory, type ProbeError, type ProcessInfo, type Processes } from './types.js';

/** USER_HZ: 100 on every Linux architecture Apache runs on (the ABI fixes it, whatever CONFIG_HZ is). */
const TICKS_PER_SECOND = 100;

let procBuffer = Buffer.allocUnsafe(16 * 1024);

/**
 * A /proc file as text. Not readFileSync: /proc files report size 0, so it
 * stats, allocates and reads in rounds for each of the hundreds of small files
 * a snapshot reads; one reused buffer does it in open, read, read, close.
 */
function readProcText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === procBuffer.length) {
        const bigger = Buffer.allocUnsafe(procBuffer.length * 2);
        procBuffer.copy(bigger, 0, 0, length);
        procBuffer = bigger;
      }
      const n = readSync(fd, procBuffer, length, procBuffer.length - length, null);
      if (n === 0) return procBuffer.toString('utf8', 0, length);
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}

function readProcess(proc: string, pid: number, bootMs: number): ProcessInfo | undefined {
  let stat;
  let status;
  try {
    stat = parseProcStat(readProcText(`${proc}/${pid}/stat`));
    status = parseProcStatus(readProcText(`${proc}/${pid}/status`));
  } catch {
    return undefined; // exited meanwhile
  }
  if (!stat || !status) return undefined;
  let cmdline: string[] = [];
  try {
    cmdline = parseCmdline(readProcText(`${proc}/${pid}/cmdline`));
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

/** The process ids /proc lists now; none when /proc cannot be read. */
function pidsIn(proc: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e)).map(Number);
}

export function liveProcesses(proc = '/proc'): Processes {
  let snapshot: Map<number, ProcessInfo> | undefined;
  const take = () => {
    if (snapshot) return snapshot;
    snapshot = new Map();
    let bootMs = 0;
    try {
      bootMs = (parseBootTime(readProcText(`${proc}/stat`)) ?? 0) * 1000;
    } catch {
      /* no /proc/stat: start times stay relative to 1970, callers see them as old */
    }
    for (const pid of pidsIn(proc)) {
      const p = readProcess(proc, pid, bootMs);
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
      for (const pid of pidsIn(proc)) {
        try {
          out.push({ pid, cmdline: parseCmdline(readProcText(`${proc}/${pid}/cmdline`)) });
        } catch {
          /* gone meanwhile */
        }
      }
      return out;
    },
    get: (pid) => take().get(pid),
    parentAndCommandLine(pid) {
      const known = snapshot?.get(pid);
      if (known) return { ppid: known.ppid, cmdline: known.cmdline };
      try {
        const stat = parseProcStat(readProcText(`${proc}/${pid}/stat`));
        return stat ? { ppid: stat.ppid, cmdline: parseCmdline(readProcText(`${proc}/${pid}/cmdline`)) } : undefined;
      } catch {
        return undefined; // no such process (or not ours to see)
      }
    },
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
    environment(pid) {
      const file = `${proc}/${pid}/environ`;
      let fd: number | undefined;
      try {
        fd = openSync(file, 'r');
        const buf = Buffer.allocUnsafe(MAX_ENVIRON_BYTES);
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, null);
          if (n === 0) break;
          got += n;
        }
        return parseEnviron(buf.toString('utf8', 0, got), got === buf.length);
      } catch (e) {
        return errnoToProbeError(e, file);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    viewer: () => ({ uid: process.getuid?.() ?? 0, euid: process.geteuid?.() ?? 0 }),
    memory(pid) {
      // PSS first: it shares the pages a worker has in common with its siblings among them,
      // so the sum over workers is what they really take. Only the owner or root may read it.
      try {
        const pss = parseSmapsRollupPss(readProcText(`${proc}/${pid}/smaps_rollup`));
        if (pss !== undefined) return { kb: pss, measure: 'pss' };
      } catch {
        /* another user's process without root, or a kernel older than 4.14: VmRSS below */
      }
      const file = `${proc}/${pid}/status`;
      try {
        const rss = parseStatusRss(readProcText(file));
        return rss !== undefined ? { kb: rss, measure: 'rss' } : probeError('other', `${file}: no VmRSS line`);
      } catch (e) {
        return errnoToProbeError(e, file);
      }
    },
    mountNamespace(pid) {
      const link = `${proc}/${pid}/ns/mnt`;
      try {
        return readlinkSync(link);
      } catch (e) {
        return errnoToProbeError(e, link);
      }
    },
  };
}

/** The machine's memory from /proc/meminfo. */
export function liveMachineMemory(proc = '/proc'): { machine(): MachineMemory | ProbeError } {
  return {
    machine() {
      const file = `${proc}/meminfo`;
      try {
        return parseMemInfo(readProcText(file)) ?? probeError('other', `${file}: no MemTotal line`);
      } catch (e) {
        return errnoToProbeError(e, file);
      }
    },
  };
}

/** The most of /proc/PID/environ read (Linux allows far more; an environment this big is not Apache's usual one). */
export const MAX_ENVIRON_BYTES = 256 * 1024;

/** NUL-separated NAME=VALUE entries; when the read was cut short, the last (partial) entry is dropped. */
export function parseEnviron(text: string, truncated: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = text.split('\0');
  if (truncated) entries.pop();
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) continue;
    const name = e.slice(0, eq);
    // getenv() returns the first of duplicate names.
    if (!(name in out)) out[name] = e.slice(eq + 1);
  }
  return out;
}
