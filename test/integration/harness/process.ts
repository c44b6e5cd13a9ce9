/**
 * Starting and stopping server processes for the integration harness.
 *
 * Every server is spawned `detached` (its own session and process group), with
 * stdout and stderr going straight to a file in its temp dir, so that:
 *   - `stop()` can signal the whole group (master and workers): SIGTERM, then
 *     SIGKILL after a deadline;
 *   - a forgotten server does not keep the test worker alive (the child is
 *     unref'd) and is killed by the process 'exit' safety net;
 *   - a start-up failure can quote what the server printed.
 * Processes that escaped the group (a mod_fcgid app, a daemon that called
 * setsid) are found by scanning /proc for command lines that mention the
 * server's temp dir.
 *
 * The 'exit' hook alone is not enough: vitest ends its worker processes
 * without running 'exit' listeners (seen with vitest 4 forks: a server started
 * by a failing test outlived the run). So each server also gets a reaper, a
 * tiny detached shell that polls the test process's pid and, once it is gone,
 * kills the server's process group, anything mentioning its temp dir, and
 * removes the temp dir. stop() kills the reaper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

type Cleanup = () => void;
const cleanups = new Set<Cleanup>();
let exitHookInstalled = false;

function runCleanups(): void {
  // Newest first: processes before the directories they live in.
  for (const fn of [...cleanups].reverse()) {
    try {
      fn();
    } catch {
      /* the process is exiting: best effort */
    }
  }
  cleanups.clear();
}

/**
 * Registers a synchronous cleanup run at process 'exit' (the safety net for a
 * test that never called stop()). Returns the function that unregisters it.
 */
export function registerCleanup(fn: Cleanup): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', runCleanups);
  }
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

export interface StartOptions {
  /** Label used in error messages. */
  name: string;
  /** File that receives the process's stdout and stderr. */
  outputPath: string;
  cwd?: string;
  /** The environment (replaces process.env entirely when `cleanEnv` is true). */
  env?: Record<string, string>;
  /** Start from an empty environment plus PATH instead of process.env. Default true. */
  cleanEnv?: boolean;
  uid?: number;
  gid?: number;
  /** Paths whose mention in a command line marks a straggler to kill on stop (usually the temp dir). */
  ownedPaths?: string[];
}

export interface ServerProcess {
  readonly name: string;
  /** Pid of the process we spawned (also its process-group id). */
  readonly pid: number;
  readonly child: ChildProcess;
  readonly outputPath: string;
  /** Exit code / signal once the process has exited, else undefined. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves when the process has exited. */
  readonly exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last `maxBytes` of the output file. */
  output(maxBytes?: number): string;
  /** SIGTERM the group, SIGKILL after `graceMs`; then kills stragglers under `ownedPaths`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Last bytes of a file, '' when missing. */
export function tailFile(path: string, maxBytes = 8192): string {
  try {
    const buf = readFileSync(path);
    return buf.subarray(Math.max(0, buf.length - maxBytes)).toString('utf8');
  } catch {
    return '';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* group already gone */
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids (other than ours) whose command line, cwd or executable mentions one of `paths`. */
export function findProcessesUsing(paths: string[]): number[] {
  if (paths.length === 0 || !existsSync('/proc')) return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let text = '';
    try {
      text = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    try {
      text += ` ${readlinkSync(`/proc/${entry}/cwd`)}`;
    } catch {
      /* gone or not ours to read */
    }
    if (paths.some((p) => text.includes(p))) found.push(pid);
  }
  return found;
}

/** SIGKILLs every process that mentions one of `paths` (see findProcessesUsing). */
export function killProcessesUsing(paths: string[]): number[] {
  const pids = findProcessesUsing(paths);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// $1: pid to watch, $2: process group to kill; REAP_PATHS: newline-separated
// paths (kill processes mentioning them; remove those under the harness
// prefix). Paths travel in the environment so that the reaper's own command
// line never matches them.
const REAPER_SCRIPT = `
watch=$1; pgid=$2
while kill -0 "$watch" 2>/dev/null; do sleep 1; done
kill -TERM -- "-$pgid" 2>/dev/null; sleep 1; kill -KILL -- "-$pgid" 2>/dev/null
printf '%s\n' "$REAP_PATHS" | while IFS= read -r d; do
  [ -n "$d" ] || continue
  for p in /proc/[0-9]*; do
    [ "$p" = "/proc/$$" ] && continue
    c=$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
    case "$c" in *"$d"*) kill -KILL "\${p#/proc/}" 2>/dev/null ;; esac
  done
  case "$d" in */fcgi-doctor-it-*) rm -rf -- "$d" ;; esac
done
`;

/** Starts the reaper of process group `pgid` (see the header); returns its pid. */
function startReaper(pgid: number, paths: string[]): number | undefined {
  try {
    const r = spawn('/bin/sh', ['-c', REAPER_SCRIPT, 'fcgi-doctor-it-reaper', String(process.pid), String(pgid)], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: BASE_PATH, REAP_PATHS: paths.join('\n') },
    });
    r.on('error', () => {});
    r.unref();
    return r.pid;
  } catch {
    return undefined;
  }
}

/** Spawns `command args` in its own process group with output to `opts.outputPath`. */
export function startProcess(command: string, args: string[], opts: StartOptions): ServerProcess {
  const outFd = openSync(opts.outputPath, 'a', 0o644);
  const env: Record<string, string> =
    opts.cleanEnv === false
      ? { ...(process.env as Record<string, string>), ...(opts.env ?? {}) }
      : { PATH: BASE_PATH, LANG: 'C', ...(opts.env ?? {}) };
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      env,
      detached: true,
      stdio: ['ignore', outFd, outFd],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
  } finally {
    closeSync(outFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`${opts.name}: could not spawn ${command}`);
  }
  child.unref();
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.once('error', () => {
      exitInfo = exitInfo ?? { code: -1, signal: null };
      resolve(exitInfo);
    });
  });
  const owned = opts.ownedPaths ?? [];
  const reaper = startReaper(pid, owned);
  const killReaper = () => {
    if (reaper !== undefined) {
      try {
        process.kill(reaper, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  const unregister = registerCleanup(() => {
    signalGroup(pid, 'SIGKILL');
    killProcessesUsing(owned);
    killReaper();
  });
  let stopping: Promise<void> | undefined;

  const proc: ServerProcess = {
    name: opts.name,
    pid,
    child,
    outputPath: opts.outputPath,
    exited: () => exitInfo,
    exitPromise,
    output: (maxBytes = 8192) => tailFile(opts.outputPath, maxBytes),
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        signalGroup(pid, 'SIGTERM');
        const deadline = Date.now() + graceMs;
        while (Date.now() < deadline && (exitInfo === undefined || groupAlive(pid))) {
          await sleep(50);
        }
        if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
        // Workers that left the group (fcgid apps, setsid daemons).
        let strays = findProcessesUsing(owned);
        if (strays.length > 0) {
          for (const p of strays) {
            try {
              process.kill(p, 'SIGTERM');
            } catch {
              /* gone */
            }
          }
          const until = Date.now() + Math.min(graceMs, 2000);
          while (Date.now() < until && (strays = findProcessesUsing(owned)).length > 0) await sleep(50);
          killProcessesUsing(owned);
        }
        if (exitInfo === undefined) {
          await Promise.race([exitPromise, sleep(2000)]);
        }
        unregister();
        killReaper();
      })();
      return stopping;
    },
  };
  return proc;
}
