/**
 * The kernel's own answer to "may user U access these paths": the mode bits
 * (./access.ts) miss POSIX ACLs (`setfacl -m u:www-data:x /home/deploy`, shown
 * as `drwxr-x---+`), so a refusal of the bits is put to the kernel before it
 * becomes a finding. One child per batch runs as U under setpriv (util-linux)
 * with U's uid, primary group and supplementary groups, and calls access(2)
 * on each path: access() uses the real ids, which setpriv sets, and honours
 * ACLs the way open() and stat() do. Read-only: access() changes nothing.
 *
 * Node's own spawn `uid`/`gid` options are not used: libuv calls setgroups(0)
 * and the child would lose U's supplementary groups (www-data in a group that
 * owns the socket would be refused wrongly).
 *
 * setpriv (util-linux 2.38) still holds root's capabilities when it execs the
 * child, so the interpreter is started even from a directory the user may not
 * search (node under /root/.nvm); the child itself runs without any (CapEff 0),
 * so its access() calls are the user's own.
 *
 * Only root may become another user; otherwise (or without setpriv, or when
 * the child fails or times out) every answer is 'unknown' and the caller keeps
 * the mode-bit verdict.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { AccessOracle, KernelAnswer, KernelQuery } from './types.js';

const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];
/** A deadline for one batch: access() on local paths is instant; a hung network mount must not hang the doctor. */
const TIMEOUT_MS = 2000;
/** Paths per child: bounds the argument list (and so the child's memory). */
const MAX_BATCH = 200;
/** Longest path asked about; longer ones are left 'unknown' (PATH_MAX is 4096). */
const MAX_PATH = 4096;

/**
 * The child: argv is pairs of (mode, path); it prints one character per pair:
 * 1 allowed, 0 refused (EACCES/EPERM), - missing (ENOENT/ENOTDIR), ? anything else (ELOOP…).
 */
const CHILD_SCRIPT = [
  "const fs=require('fs');const a=process.argv;let o='';",
  'for(let i=1;i+1<a.length;i+=2){',
  "try{fs.accessSync(a[i+1],Number(a[i]));o+='1'}",
  "catch(e){const c=e.code;o+=c==='EACCES'||c==='EPERM'?'0':c==='ENOENT'||c==='ENOTDIR'?'-':'?'}}",
  'process.stdout.write(o)',
].join('');

function modeOf(need: KernelQuery['need']): number {
  let m = constants.F_OK;
  if (need.includes('r')) m |= constants.R_OK;
  if (need.includes('w')) m |= constants.W_OK;
  if (need.includes('x')) m |= constants.X_OK;
  return m;
}

function findSetpriv(): string | undefined {
  for (const p of SETPRIV_PATHS) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface LiveAccessOracleOptions {
  /** The doctor's effective uid (default process.geteuid()). */
  euid?: number;
  /** setpriv's path; null: none (default: found in /usr/bin or /bin). */
  setpriv?: string | null;
  /** The interpreter the child runs (default process.execPath). */
  node?: string;
}

/** Asks the kernel as the user through setpriv; answers are cached for the run (a path is asked once). */
export function liveAccessOracle(options: LiveAccessOracleOptions = {}): AccessOracle {
  const euid = options.euid ?? process.geteuid?.() ?? -1;
  let setpriv: string | null | undefined = options.setpriv;
  const node = options.node ?? process.execPath;
  const cache = new Map<string, KernelAnswer>();
  return {
    ask(who, queries) {
      const answers: KernelAnswer[] = queries.map(() => 'unknown');
      // Root is never refused by the bits it is asked about here, and an unprivileged doctor cannot switch users.
      if (euid !== 0 || who.uid === 0 || who.gids.length === 0) return answers;
      if (setpriv === undefined) setpriv = findSetpriv() ?? null;
      if (setpriv === null) return answers;
      const userKey = `${who.uid}:${who.gids.join(',')}`;
      const key = (q: KernelQuery) => `${userKey}:${modeOf(q.need)}:${q.path}`;
      const pending: number[] = [];
      queries.forEach((q, i) => {
        const known = cache.get(key(q));
        if (known !== undefined) answers[i] = known;
        else if (q.path.startsWith('/') && q.path.length <= MAX_PATH && !q.path.includes('\0')) pending.push(i);
      });
      for (let start = 0; start < pending.length; start += MAX_BATCH) {
        const batch = pending.slice(start, start + MAX_BATCH);
        const got = runBatch(
          setpriv,
          node,
          who,
          batch.map((i) => queries[i]!),
        );
        batch.forEach((qi, j) => {
          answers[qi] = got[j] ?? 'unknown';
          cache.set(key(queries[qi]!), answers[qi]!);
        });
      }
      return answers;
    },
  };
}

function runBatch(
  setpriv: string,
  node: string,
  who: { uid: number; gids: readonly number[] },
  queries: readonly KernelQuery[],
): KernelAnswer[] {
  const args = [
    `--reuid=${who.uid}`,
    `--regid=${who.gids[0]}`,
    `--groups=${who.gids.join(',')}`,
    '--',
    node,
    '-e',
    CHILD_SCRIPT,
    '--',
    ...queries.flatMap((q) => [String(modeOf(q.need)), q.path]),
  ];
  const r = spawnSync(setpriv, args, {
    // The user may not enter the doctor's working directory; a clean environment keeps NODE_OPTIONS out.
    cwd: '/',
    env: { PATH: '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: queries.length + 64,
    encoding: 'latin1',
  });
  const out = typeof r.stdout === 'string' ? r.stdout : '';
  if (r.error || r.status !== 0 || out.length !== queries.length) return queries.map(() => 'unknown');
  const answer: Record<string, KernelAnswer> = { '1': 'allowed', '0': 'refused', '-': 'missing' };
  return [...out].map((c) => answer[c] ?? 'unknown');
}

/** A fixture oracle: `answer` decides each query (absent: the fixture has no oracle, every answer 'unknown'). */
export function fixtureAccessOracle(
  answer: (who: { uid: number; gids: readonly number[]; name?: string }, q: KernelQuery) => KernelAnswer,
): AccessOracle & { asked: KernelQuery[][] } {
  const asked: KernelQuery[][] = [];
  return {
    asked,
    ask(who, queries) {
      asked.push([...queries]);
      return queries.map((q) => answer(who, q));
    },
  };
}
