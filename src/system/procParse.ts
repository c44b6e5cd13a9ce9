/** Pure parsers of /proc/PID files (unit-tested on captured text). */

export interface ProcStat {
  comm: string;
  state: string;
  ppid: number;
  threads: number;
  /** Clock ticks after boot. */
  startTicks: number;
}

/**
 * /proc/PID/stat. The command name sits in parentheses and may itself hold
 * spaces and ")" ("(php-fpm: pool www)"), so fields are counted from the last ")".
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const field = (n: number) => Number(rest[n - 3]);
  const state = rest[0];
  if (state === undefined) return undefined;
  return { comm: text.slice(open + 1, close), state, ppid: field(4), threads: field(20), startTicks: field(22) };
}

export interface ProcStatus {
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  groups: number[];
}

/** The Uid:, Gid: and Groups: lines of /proc/PID/status. */
export function parseProcStatus(text: string): ProcStatus | undefined {
  const line = (key: string) => {
    const m = new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(text);
    return m?.[1]
      ?.trim()
      .split(/\s+/)
      .filter((x) => x !== '')
      .map(Number);
  };
  const u = line('Uid');
  const g = line('Gid');
  if (!u || !g || u[0] === undefined || g[0] === undefined) return undefined;
  return { uid: u[0], euid: u[1] ?? u[0], gid: g[0], egid: g[1] ?? g[0], groups: line('Groups') ?? [] };
}

/** argv from /proc/PID/cmdline (NUL-separated, usually NUL-terminated). */
export function parseCmdline(buf: string): string[] {
  const parts = buf.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** The btime line of /proc/stat: boot time in epoch seconds. */
export function parseBootTime(text: string): number | undefined {
  const m = /^btime\s+(\d+)/m.exec(text);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** "socket:[12345]" → 12345 (readlink of /proc/PID/fd/N). */
export function socketInodeOf(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** A "Key:   1234 kB" line of /proc/meminfo, /proc/PID/status or smaps_rollup, in KiB. */
function kbLine(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:[ \\t]*(\\d+) kB$`, 'm').exec(text);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** MemTotal and MemAvailable of /proc/meminfo. */
export function parseMemInfo(text: string): { totalKb: number; availableKb?: number } | undefined {
  const totalKb = kbLine(text, 'MemTotal');
  if (totalKb === undefined) return undefined;
  const availableKb = kbLine(text, 'MemAvailable');
  return availableKb !== undefined ? { totalKb, availableKb } : { totalKb };
}

/** The Pss: line of /proc/PID/smaps_rollup. */
export function parseSmapsRollupPss(text: string): number | undefined {
  return kbLine(text, 'Pss');
}

/** The VmRSS: line of /proc/PID/status (absent for kernel threads and zombies). */
export function parseStatusRss(text: string): number | undefined {
  return kbLine(text, 'VmRSS');
}
