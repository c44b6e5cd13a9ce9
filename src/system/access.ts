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
import {
  type AccessOracle,
  type FileStat,
  type FileSystem,
  isProbeError,
  type KernelAnswer,
  type KernelQuery,
} from './types.js';

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
      /** true: the kernel, asked as the user (access(2) on `path`), refused it too; absent: not asked or no answer. */
      confirmed?: boolean;
      /** The refusal is on the target itself, not on a directory looked through on the way. */
      atTarget?: boolean;
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
 * on the last component. `granted(path, need)`: the kernel's word that a step
 * the bits refuse is allowed (an ACL); the walk then goes on past it.
 */
export function mayAccess(
  fs: FileSystem,
  who: Principal,
  target: string,
  finalNeed: Bit[],
  granted?: (path: string, need: Bit[]) => boolean,
): AccessVerdict {
  const steps: AccessStep[] = [];
  let acl: Extract<AccessVerdict, { result: 'allowed' }>['acl'];
  let pending = path.posix
    .resolve('/', target)
    .split('/')
    .filter((p) => p !== '');
  let current = '/';
  let links = 0;
  const check = (p: string, st: FileStat, need: Bit[], atTarget = false): AccessVerdict | undefined => {
    const missing = need.filter((b) => !permits(st, who, b));
    if (missing.length > 0 && granted?.(p, need)) {
      acl ??= { path: p, stat: st, missing, cls: permClass(st, who) };
      steps.push({ path: p, stat: st, need, ok: true });
      return undefined;
    }
    steps.push({ path: p, stat: st, need, ok: missing.length === 0 });
    if (missing.length === 0) return undefined;
    return {
      result: 'denied',
      steps,
      path: p,
      stat: st,
      missing,
      cls: permClass(st, who),
      ...(atTarget ? { atTarget } : {}),
    };
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
  const denied = check(current, finalStat, finalNeed, true);
  if (denied) return denied;
  return { result: 'allowed', steps, resolved: current, ...(acl ? { acl } : {}) };
}

export interface AccessRequest {
  who: Principal;
  target: string;
  need: Bit[];
}

/** Rounds of questions at most: each round lets the walks past one more refusing step. */
const MAX_ROUNDS = 8;

/**
 * mayAccess for each request, with every refusal of the mode bits put to the
 * kernel (one `oracle.ask` per user and round, all its refusals at once). The
 * question is the refusing step itself (search on /home/deploy, read on the
 * file), so one answer settles every path below it: a site under a refused
 * home directory costs one question, not one per script. What the kernel
 * allows is walked past (an ACL); the verdict is then 'allowed' with `acl`
 * (the first step the bits refused), or denied further on. What it refuses is
 * 'denied' and `confirmed`. Without an answer the mode-bit verdict stands. A
 * setup the bits allow asks nothing.
 */
export function confirmedAccess(
  fs: FileSystem,
  oracle: AccessOracle | undefined,
  requests: readonly AccessRequest[],
): AccessVerdict[] {
  const verdicts = requests.map((r) => mayAccess(fs, r.who, r.target, r.need));
  if (!oracle) return verdicts;
  const answered = new Map<string, KernelAnswer>();
  const userOf = (who: Principal) => `${who.uid}:${who.gids.join(',')}`;
  const keyOf = (who: Principal, p: string, need: readonly Bit[]) => `${userOf(who)}\0${need.join('')}\0${p}`;
  const stepOf = (v: Extract<AccessVerdict, { result: 'denied' }>) => ({
    path: v.path,
    need: v.steps.at(-1)?.need ?? [],
  });
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const byUser = new Map<string, { who: Principal; queries: KernelQuery[] }>();
    verdicts.forEach((v, i) => {
      // A file looked through as a directory is ENOTDIR for the kernel, whatever its bits: nothing to ask.
      if (v.result !== 'denied' || (v.stat.type !== 'dir' && !v.atTarget)) return;
      const who = requests[i]!.who;
      const step = stepOf(v);
      const key = keyOf(who, step.path, step.need);
      if (answered.has(key)) return;
      answered.set(key, 'unknown');
      const batch = byUser.get(userOf(who)) ?? { who, queries: [] };
      batch.queries.push(step);
      byUser.set(userOf(who), batch);
    });
    if (byUser.size === 0) break;
    for (const { who, queries } of byUser.values()) {
      const answers = oracle.ask(who, queries);
      for (const [j, q] of queries.entries()) answered.set(keyOf(who, q.path, q.need), answers[j] ?? 'unknown');
    }
    verdicts.forEach((v, i) => {
      if (v.result !== 'denied') return;
      const r = requests[i]!;
      const step = stepOf(v);
      if (answered.get(keyOf(r.who, step.path, step.need)) !== 'allowed') return;
      verdicts[i] = mayAccess(
        fs,
        r.who,
        r.target,
        r.need,
        (p, need) => answered.get(keyOf(r.who, p, need)) === 'allowed',
      );
    });
  }
  return verdicts.map((v, i) => {
    if (v.result !== 'denied') return v;
    const step = stepOf(v);
    return answered.get(keyOf(requests[i]!.who, step.path, step.need)) === 'refused' ? { ...v, confirmed: true } : v;
  });
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
