/**
 * A machine made of plain data, for unit tests of the checks: files with
 * owner and mode, /etc/passwd and /etc/group text, processes with their
 * socket inodes, listening sockets. Connect results follow from the data
 * (a listener on the path: connected; a file without one: refused) unless
 * given explicitly.
 */
import * as path from 'node:path';
import { fpmMasterCommands, fpmPoolsFrom } from './fpmPools.js';
import { holdersIndex } from './sockets.js';
import {
  probeError,
  type AccessOracle,
  type ConnectOutcome,
  type FileStat,
  type FileSystem,
  type FileType,
  type MachineMemory,
  type ProcessInfo,
  type Processes,
  type SystemProbes,
  type TcpListener,
  type UnixListener,
} from './types.js';
import { usersFromText } from './users.js';
import { fsDirReader, type MountEntry } from './walk.js';

export interface FixtureFile {
  /** Default 'file' (or 'symlink' with `target`). */
  type?: FileType;
  uid?: number;
  gid?: number;
  /** Default 0o644 for files, 0o755 for directories, 0o777 for symlinks. */
  mode?: number;
  content?: string;
  /** Symbolic link target. */
  target?: string;
  /** The user running the doctor may not look at it (lstat: EACCES). */
  denied?: boolean;
  /** Last change, epoch milliseconds. */
  mtimeMs?: number;
  /** Its inode (default: one made up per path); give the same one in two views of one file (a container's /proc/PID/root). */
  ino?: number;
}

export interface FixtureProcess extends Partial<Omit<ProcessInfo, 'pid' | 'comm'>> {
  pid: number;
  comm: string;
  /** Socket inodes among its fds; 'hidden' when its fds are not visible to the viewer. */
  sockets?: number[] | 'hidden';
  /**
   * Runs with a private /tmp and /var/tmp (systemd's PrivateTmp=true): through /proc/<pid>/root
   * it sees the machine's files, except those under /tmp and /var/tmp.
   */
  privateTmp?: boolean;
  /** Its /proc/PID/environ; 'hidden' (or absent) when the viewer may not read it. */
  environ?: Record<string, string> | 'hidden';
  /** What it uses (kb; measure default 'pss'); 'hidden' when smaps_rollup and status are not readable; absent: not measured. */
  memory?: { kb: number; measure?: 'pss' | 'rss' } | 'hidden';
  /** Its mount namespace (default the doctor's own, FIXTURE_MOUNT_NAMESPACE); 'hidden' when /proc/PID/ns is not readable. */
  mountNamespace?: string | 'hidden';
  /**
   * The files it sees through /proc/PID/root when it runs in a container (its own
   * mount namespace): paths there resolve in this table, not in the machine's.
   */
  containerFiles?: Record<string, FixtureFile | string>;
}

/** The doctor's own mount namespace in a fixture, and every process's unless it says otherwise. */
export const FIXTURE_MOUNT_NAMESPACE = 'mnt:[4026531840]';

export interface FixtureData {
  /** Path → file; a string is the content of a root-owned 0644 file. Parent directories exist implicitly (root 0755). */
  files?: Record<string, FixtureFile | string>;
  passwd?: string;
  group?: string;
  processes?: FixtureProcess[];
  unixListeners?: UnixListener[] | 'denied';
  tcpListeners?: TcpListener[];
  /** Explicit connect outcomes by "unix:/path" or "tcp:host:port". */
  connect?: Record<string, ConnectOutcome>;
  viewer?: { uid: number; euid?: number };
  localAddresses?: string[];
  hostname?: string;
  /** php-fpm.conf files (globs allowed) read besides the installations src/fpm finds in `files`. */
  fpmConfigs?: string[];
  /** Pool files read alone (default: the pool.d of the Debian, RHEL and Docker layouts). */
  poolGlobs?: string[];
  /** /proc/self/mountinfo as mount point and type (default: none, so nothing is a network mount). */
  mounts?: MountEntry[];
  /** /proc/meminfo; 'hidden' when not readable; absent: the fixture does not model memory (no `memory` source). */
  memory?: MachineMemory | 'hidden';
  /** The kernel's answer as a user (ACLs); absent: no oracle, every mode-bit verdict stands. See fixtureAccessOracle. */
  access?: AccessOracle;
}

export const FIXTURE_PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
app:x:1001:1001:app:/home/app:/bin/bash
`;

export const FIXTURE_GROUP = `root:x:0:
daemon:x:1:
www-data:x:33:
nogroup:x:65534:
app:x:1001:
`;

/** `firstIno`: where the made-up inodes start, so that two tables (a container's view) never share one by chance. */
function fixtureFs(files: Record<string, FixtureFile | string>, firstIno = 1000): FileSystem {
  const table = new Map<string, FixtureFile>();
  for (const [p, f] of Object.entries(files)) {
    const file = typeof f === 'string' ? { content: f } : f;
    table.set(path.posix.normalize(p), file);
    for (let d = path.posix.dirname(p); ; d = path.posix.dirname(d)) {
      if (!table.has(d)) table.set(d, { type: 'dir' });
      if (d === '/') break;
    }
  }
  if (!table.has('/')) table.set('/', { type: 'dir' });
  let ino = firstIno;
  const inodes = new Map<string, number>();
  const typeOf = (f: FixtureFile): FileType => f.type ?? (f.target !== undefined ? 'symlink' : 'file');
  const toStat = (p: string, f: FixtureFile): FileStat => {
    const type = typeOf(f);
    if (!inodes.has(p)) inodes.set(p, ++ino);
    return {
      path: p,
      type,
      uid: f.uid ?? 0,
      gid: f.gid ?? 0,
      mode: f.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      size: f.content?.length ?? 0,
      ino: f.ino ?? inodes.get(p) ?? 0,
      ...(f.mtimeMs !== undefined ? { mtimeMs: f.mtimeMs } : {}),
    };
  };
  const find = (p: string) => {
    const f = table.get(path.posix.normalize(p));
    if (!f) return probeError('missing', `${p}: ENOENT: no such file or directory`);
    if (f.denied) return probeError('denied', `${p}: EACCES: permission denied`);
    return f;
  };
  const follow = (p: string, depth = 0): { p: string; f: FixtureFile } | ReturnType<typeof probeError> => {
    // Resolve symbolic links in every component, as the kernel does.
    const parts = path.posix
      .normalize(p)
      .split('/')
      .filter((x) => x !== '');
    let cur = '/';
    for (let i = 0; i < parts.length; i++) {
      const next = path.posix.join(cur, parts[i] ?? '');
      const f = find(next);
      if ('error' in f) return f;
      if (typeOf(f) === 'symlink' && f.target !== undefined) {
        if (depth > 40) return probeError('other', `${p}: ELOOP`);
        const to = path.posix.isAbsolute(f.target) ? f.target : path.posix.join(cur, f.target);
        return follow(path.posix.join(to, ...parts.slice(i + 1)), depth + 1);
      }
      cur = next;
    }
    const f = find(cur);
    return 'error' in f ? f : { p: cur, f };
  };
  return {
    lstat(p) {
      const f = find(p);
      return 'error' in f ? f : toStat(path.posix.normalize(p), f);
    },
    stat(p) {
      const r = follow(p);
      return 'error' in r ? r : toStat(r.p, r.f);
    },
    readlink(p) {
      const f = find(p);
      if ('error' in f) return f;
      return f.target ?? probeError('other', `${p}: EINVAL: not a symbolic link`);
    },
    readHead(p, max) {
      const r = follow(p);
      if ('error' in r) return r;
      if (typeOf(r.f) === 'dir') return probeError('other', `${p}: EISDIR`);
      return Buffer.from(r.f.content ?? '', 'latin1').subarray(0, max);
    },
    readText(p) {
      const r = follow(p);
      if ('error' in r) return r;
      return r.f.content ?? '';
    },
    listDir(p) {
      const r = follow(p);
      if ('error' in r) return r;
      if (typeOf(r.f) !== 'dir') return probeError('missing', `${p}: ENOTDIR`);
      const prefix = r.p === '/' ? '/' : `${r.p}/`;
      return [...table.keys()]
        .filter((k) => k !== r.p && k.startsWith(prefix) && !k.slice(prefix.length).includes('/'))
        .map((k) => k.slice(prefix.length))
        .sort();
    },
    exists: (p) => table.has(path.posix.normalize(p)),
  };
}

function fixtureProcesses(list: FixtureProcess[], viewer: { uid: number; euid: number }): Processes {
  const infos = list.map((p): ProcessInfo => {
    const uid = p.uid ?? 0;
    const gid = p.gid ?? 0;
    const info: ProcessInfo = {
      pid: p.pid,
      ppid: p.ppid ?? 1,
      uid,
      euid: p.euid ?? uid,
      gid,
      egid: p.egid ?? gid,
      groups: p.groups ?? [],
      comm: p.comm,
      cmdline: p.cmdline ?? [p.comm],
      state: p.state ?? 'S',
      startedAtMs: p.startedAtMs ?? 0,
      threads: p.threads ?? 1,
    };
    if (p.exe !== undefined) info.exe = p.exe;
    return info;
  });
  return {
    list: () => infos,
    commandLines: () => infos.map(({ pid, cmdline }) => ({ pid, cmdline })),
    get: (pid) => infos.find((p) => p.pid === pid),
    parentAndCommandLine(pid) {
      const p = infos.find((x) => x.pid === pid);
      return p ? { ppid: p.ppid, cmdline: p.cmdline } : undefined;
    },
    socketInodes(pid) {
      const p = list.find((x) => x.pid === pid);
      if (!p) return probeError('missing', `/proc/${pid}: no such process`);
      if (p.sockets === 'hidden') return probeError('denied', `/proc/${pid}/fd: EACCES: permission denied`);
      return p.sockets ?? [];
    },
    environment(pid) {
      const p = list.find((x) => x.pid === pid);
      if (!p) return probeError('missing', `/proc/${pid}: no such process`);
      if (p.environ === undefined || p.environ === 'hidden')
        return probeError('denied', `/proc/${pid}/environ: EACCES: permission denied`);
      return { ...p.environ };
    },
    viewer: () => viewer,
    memory(pid) {
      const p = list.find((x) => x.pid === pid);
      if (!p) return probeError('missing', `/proc/${pid}: no such process`);
      if (p.memory === undefined) return probeError('other', `/proc/${pid}/status: no VmRSS line`);
      if (p.memory === 'hidden') return probeError('denied', `/proc/${pid}/status: EACCES: permission denied`);
      return { kb: p.memory.kb, measure: p.memory.measure ?? 'pss' };
    },
    mountNamespace(pid) {
      if (pid === 'self') return FIXTURE_MOUNT_NAMESPACE;
      const p = list.find((x) => x.pid === pid);
      if (!p) return probeError('missing', `/proc/${pid}: no such process`);
      if (p.mountNamespace === 'hidden') return probeError('denied', `/proc/${pid}/ns/mnt: EACCES: permission denied`);
      return p.mountNamespace ?? FIXTURE_MOUNT_NAMESPACE;
    },
  };
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/**
 * /proc/<pid>/root/<path>, as the kernel resolves it: <path> in the process's mount namespace.
 * A fixture process shares the machine's, less /tmp and /var/tmp when it has a private /tmp.
 * A path the fixture names explicitly under /proc is taken as it is.
 */
function withProcRoots(
  fs: FileSystem,
  files: Record<string, FixtureFile | string>,
  list: FixtureProcess[],
): FileSystem {
  const containers = new Map<number, FileSystem>();
  list.forEach((p, i) => {
    if (p.containerFiles) containers.set(p.pid, fixtureFs(p.containerFiles, 1_000_000 * (i + 1)));
  });
  /** The file system and path that /proc/<pid>/root/<path> names; undefined for any other path. */
  const inner = (p: string): { fs: FileSystem; at: string } | ReturnType<typeof probeError> | undefined => {
    const m = /^\/proc\/(\d+)\/root(\/.*)?$/.exec(path.posix.normalize(p));
    if (!m || p in files) return undefined;
    const proc = list.find((x) => x.pid === Number(m[1]));
    if (!proc) return probeError('missing', `${p}: ENOENT: no such process`);
    const at = m[2] ?? '/';
    const own = containers.get(proc.pid);
    if (own) return { fs: own, at };
    if (proc.privateTmp && /^\/(var\/)?tmp(\/|$)/.test(at) && !/^\/(var\/)?tmp\/?$/.test(at))
      return probeError('missing', `${p}: ENOENT: no such file or directory`);
    return { fs, at };
  };
  const via =
    <T>(op: (target: FileSystem, p: string) => T | ReturnType<typeof probeError>) =>
    (p: string) => {
      const r = inner(p);
      return r === undefined ? op(fs, p) : 'error' in r ? r : op(r.fs, r.at);
    };
  return {
    ...fs,
    lstat: via((t, p) => t.lstat(p)),
    stat: via((t, p) => t.stat(p)),
    readText: via((t, p) => t.readText(p)),
    exists: (p) => {
      const r = inner(p);
      return r === undefined ? fs.exists(p) : !('error' in r) && r.fs.exists(r.at);
    },
  };
}

export function fixtureSystem(data: FixtureData = {}): SystemProbes {
  const fs = withProcRoots(fixtureFs(data.files ?? {}), data.files ?? {}, data.processes ?? []);
  const viewer = { uid: data.viewer?.uid ?? 0, euid: data.viewer?.euid ?? data.viewer?.uid ?? 0 };
  const processes = fixtureProcesses(data.processes ?? [], viewer);
  const unix = data.unixListeners ?? [];
  const tcp = data.tcpListeners ?? [];
  const refused = (ms = 0): ConnectOutcome => ({
    ok: false,
    code: 'ECONNREFUSED',
    message: 'connect ECONNREFUSED',
    ms,
  });
  const users = usersFromText(data.passwd ?? FIXTURE_PASSWD, data.group ?? FIXTURE_GROUP);
  return {
    fs,
    users,
    processes,
    sockets: {
      unixListeners: () => (unix === 'denied' ? probeError('denied', '/proc/net/unix: EACCES') : unix),
      tcpListeners: () => tcp,
      holders: holdersIndex(processes),
    },
    fpm: fpmPoolsFrom(fs, {
      ...(data.fpmConfigs ? { configs: data.fpmConfigs } : {}),
      ...(data.poolGlobs ? { poolGlobs: data.poolGlobs } : {}),
      masters: () => fpmMasterCommands(processes, fs),
      readerUser: () => users.userName(processes.viewer().euid),
    }),
    connector: {
      async connectUnix(p) {
        const explicit = data.connect?.[`unix:${p}`];
        if (explicit) return explicit;
        const st = fs.stat(p);
        if ('error' in st)
          return { ok: false, code: st.error === 'missing' ? 'ENOENT' : 'EACCES', message: st.message, ms: 0 };
        if (unix !== 'denied' && unix.some((l) => l.path === p) && st.type === 'socket') return { ok: true, ms: 0 };
        return refused();
      },
      async connectTcp(host, port) {
        const explicit = data.connect?.[`tcp:${host}:${port}`];
        if (explicit) return explicit;
        const local = host === 'localhost' ? ['127.0.0.1', '::1'] : [host];
        const ok = tcp.some((l) => l.port === port && (WILDCARDS.has(l.address) || local.includes(l.address)));
        return ok ? { ok: true, ms: 0 } : refused();
      },
    },
    network: {
      localAddresses: () => data.localAddresses ?? ['127.0.0.1', '::1'],
      hostname: () => data.hostname ?? 'fixture-host',
    },
    dirs: fsDirReader(fs, data.mounts ?? []),
    ...(data.access ? { access: data.access } : {}),
    ...(data.memory !== undefined
      ? {
          memory: {
            machine: () =>
              data.memory === 'hidden' || data.memory === undefined
                ? probeError('denied', '/proc/meminfo: EACCES: permission denied')
                : data.memory,
          },
        }
      : {}),
  };
}
