/**
 * "May user U connect to Unix socket P?" computed for U and its groups, not
 * for whoever runs the doctor (as root, `ls -la` and connect() say nothing
 * about www-data). connect(2) needs search (x) on every directory on the way
 * and write (w) on the socket itself; the kernel picks ONE class of bits —
 * owner if U owns the file, else group if one of U's groups owns it, else
 * other — and never falls back to another class. Root bypasses all of it.
 * POSIX ACLs are not read here: a path with an ACL (listen.acl_users,
 * `setfacl -m u:www-data:x`) may allow more than its mode says, so a refusal
 * is put to the kernel (confirmedAccess, through an AccessOracle) before it
 * becomes a finding.
 */
import * as path from 'node:path';
import { type AccessOracle, type FileStat, type FileSystem, isProbeError, type KernelQuery } from './types.js';

export interface Principal {
  uid: number;
  /** Primary and supplementary groups. */
  gids: number[];
  name?: string;
}

export type Bit = 'r' | 'w' | 'x';
export type PermClass = 'owner' | 'group' | 'other';

const BIT_VALUE: Record<Bit, number> = { r: 4, w: 2, x: 1 };

/** The class of permission bits the kernel applies to `who` for this file. */
export function permClass(st: Pick<FileStat, 'uid' | 'gid'>, who: Principal): PermClass {
  if (st.uid === who.uid) return 'owner';
  if (who.gids.includes(st.gid)) return 'group';
  return 'other';
}

export function permits(
  st: Pick<FileStat, 'uid' | 'gid' | 'mode'> & { type?: FileStat['type'] },
  who: Principal,
  bit: Bit,
): boolean {
  // Root may execute a non-directory only if some x bit is set (CAP_DAC_OVERRIDE rule).
  if (who.uid === 0) return bit !== 'x' || st.type === 'dir' || (st.mode & 0o111) !== 0;
  const shift = { owner: 6, group: 3, other: 0 }[permClass(st, who)];
  return ((st.mode >> shift) & BIT_VALUE[bit]) !== 0;
}

export interface AccessStep {
  path: string;
  stat: FileStat;
  need: Bit[];
  ok: boolean;
}

export type AccessVerdict =
  | {
      result: 'allowed';
      steps: AccessStep[];
      resolved: string;
      /** The mode bits refuse here (path, bits, class), but the kernel allows it: an ACL grants it. */
      acl?: { path: string; stat: FileStat; missing: Bit[]; cls: PermClass };
    }
  | {
      result: 'denied';
      /** true: the kernel, asked as the user (access(2)), refused it too; absent: not asked or no answer. */
      confirmed?: boolean;
      steps: AccessStep[];
      /** The first path whose bits refuse, the bits it lacks, and which class of bits applied. */
      path: string;
      stat: FileStat;
      missing: Bit[];
      cls: PermClass;
    }
  /** The doctor could not see far enough (no such path, or not visible to the user running it). */
  | { result: 'unknown'; steps: AccessStep[]; path: string; reason: 'missing' | 'denied' | 'other'; message: string };

const MAX_SYMLINKS = 40;

/**
 * Walks `target` from the root as the kernel does (following symbolic links
 * in directories and at the end), checking x on each directory and `finalNeed`
 * on the last component.
 */
export function mayAccess(fs: FileSystem, who: Principal, target: string, finalNeed: Bit[]): AccessVerdict {
  const steps: AccessStep[] = [];
  let pending = path.posix
    .resolve('/', target)
    .split('/')
    .filter((p) => p !== '');
  let current = '/';
  let links = 0;
  const check = (p: string, st: FileStat, need: Bit[]): AccessVerdict | undefined => {
    const missing = need.filter((b) => !permits(st, who, b));
    steps.push({ path: p, stat: st, need, ok: missing.length === 0 });
    if (missing.length === 0) return undefined;
    return { result: 'denied', steps, path: p, stat: st, missing, cls: permClass(st, who) };
  };
  const rootStat = fs.stat('/');
  if (isProbeError(rootStat))
    return { result: 'unknown', steps, path: '/', reason: rootStat.error, message: rootStat.message };
  while (pending.length > 0) {
    const name = pending.shift() ?? '';
    // Looking a name up in `current` needs x on it.
    const dirStat = fs.stat(current);
    if (isProbeError(dirStat))
      return { result: 'unknown', steps, path: current, reason: dirStat.error, message: dirStat.message };
    const denied = check(current, dirStat, ['x']);
    if (denied) return denied;
    if (name === '..') {
      current = path.posix.dirname(current);
      continue;
    }
    if (name === '.') continue;
    const next = path.posix.join(current, name);
    const l = fs.lstat(next);
    if (isProbeError(l)) return { result: 'unknown', steps, path: next, reason: l.error, message: l.message };
    if (l.type === 'symlink') {
      if (++links > MAX_SYMLINKS)
        return {
          result: 'unknown',
          steps,
          path: next,
          reason: 'other',
          message: `${next}: too many levels of symbolic links`,
        };
      const to = fs.readlink(next);
      if (isProbeError(to)) return { result: 'unknown', steps, path: next, reason: to.error, message: to.message };
      const abs = path.posix.isAbsolute(to) ? to : path.posix.join(current, to);
      pending = [...abs.split('/').filter((p) => p !== ''), ...pending];
      current = '/';
      continue;
    }
    current = next;
  }
  const finalStat = fs.stat(current);
  if (isProbeError(finalStat))
    return { result: 'unknown', steps, path: current, reason: finalStat.error, message: finalStat.message };
  const denied = check(current, finalStat, finalNeed);
  if (denied) return denied;
  return { result: 'allowed', steps, resolved: current };
}

export interface AccessRequest {
  who: Principal;
  target: string;
  need: Bit[];
}

/**
 * mayAccess for each request, with every refusal of the mode bits put to the
 * kernel (one `oracle.ask` per user, all of that user's refusals at once):
 * what the kernel allows becomes 'allowed' with `acl` (the bits that refused),
 * what it refuses is 'denied' and `confirmed`; without an answer the mode-bit
 * verdict stands. A setup the bits allow asks nothing.
 */
export function confirmedAccess(
  fs: FileSystem,
  oracle: AccessOracle | undefined,
  requests: readonly AccessRequest[],
): AccessVerdict[] {
  const verdicts = requests.map((r) => mayAccess(fs, r.who, r.target, r.need));
  if (!oracle) return verdicts;
  const byUser = new Map<string, number[]>();
  verdicts.forEach((v, i) => {
    if (v.result !== 'denied') return;
    const who = requests[i]!.who;
    const key = `${who.uid}:${who.gids.join(',')}`;
    byUser.set(key, [...(byUser.get(key) ?? []), i]);
  });
  for (const indexes of byUser.values()) {
    const who = requests[indexes[0]!]!.who;
    const queries: KernelQuery[] = indexes.map((i) => ({ path: requests[i]!.target, need: requests[i]!.need }));
    const answers = oracle.ask(who, queries);
    indexes.forEach((i, j) => {
      const v = verdicts[i]!;
      if (v.result !== 'denied') return;
      if (answers[j] === 'refused') verdicts[i] = { ...v, confirmed: true };
      else if (answers[j] === 'allowed')
        verdicts[i] = {
          result: 'allowed',
          steps: v.steps,
          resolved: requests[i]!.target,
          acl: { path: v.path, stat: v.stat, missing: v.missing, cls: v.cls },
        };
    });
  }
  return verdicts;
}

/** confirmedAccess for one request. */
export function confirmedAccessOne(
  fs: FileSystem,
  oracle: AccessOracle | undefined,
  who: Principal,
  target: string,
  need: Bit[],
): AccessVerdict {
  return confirmedAccess(fs, oracle, [{ who, target, need }])[0]!;
}

/** Connecting to a Unix socket needs w on the socket and x on every directory above it. */
export function mayConnect(fs: FileSystem, who: Principal, socketPath: string): AccessVerdict {
  return mayAccess(fs, who, socketPath, ['w']);
}

/** Creating files in a directory (an IPC dir) needs w and x on it. */
export function mayCreateIn(fs: FileSystem, who: Principal, dir: string): AccessVerdict {
  return mayAccess(fs, who, dir, ['w', 'x']);
}

/** execve() of a script needs x on it (and on the directories); the interpreter then needs r. */
export function mayExecute(fs: FileSystem, who: Principal, file: string): AccessVerdict {
  return mayAccess(fs, who, file, ['x']);
}

/** "srw-rw---- " style text of a mode, for evidence. */
export function modeString(st: Pick<FileStat, 'type' | 'mode'>): string {
  const t = { file: '-', dir: 'd', socket: 's', symlink: 'l', fifo: 'p', char: 'c', block: 'b', other: '?' }[st.type];
  let s = t;
  for (const shift of [6, 3, 0]) {
    const bits = (st.mode >> shift) & 7;
    s += bits & 4 ? 'r' : '-';
    s += bits & 2 ? 'w' : '-';
    s += bits & 1 ? 'x' : '-';
  }
  return s;
}

export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}
