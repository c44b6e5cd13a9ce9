/**
 * What the live machine says, behind small interfaces: each has a live
 * implementation (stat, /proc, /etc/passwd) and a fixture one (plain data) so
 * that every check is unit-tested without a server. Nothing here writes.
 *
 * A probe that cannot see something returns a ProbeError instead of guessing:
 * "denied" (not visible to the user running the doctor) must never be read as
 * "missing" (not there), or a non-root run would report false verdicts.
 */
import type { FpmInstallation } from '../fpm/installations.js';
import type { FpmConfig, FpmPoolConfig } from '../fpm/types.js';
import type { DirReader } from './walk.js';

export type ProbeErrorKind = 'missing' | 'denied' | 'other';

export interface ProbeError {
  error: ProbeErrorKind;
  message: string;
  /**
   * Set by a view of the files as another user (./asUser.ts): the kernel refuses that user
   * here (EACCES) although the doctor sees the path. Absent on a plain "denied", which means
   * the doctor itself cannot see the path and nothing is known about the other user.
   */
  refused?: Refusal;
}

/** Why a user is refused a path: the path whose bits refuse (the target or a directory above it), the bits it lacks, whose bits applied. */
export interface Refusal {
  /** The user refused (a name, else the uid as text). */
  who: string;
  path: string;
  stat: FileStat;
  missing: Array<'r' | 'w' | 'x'>;
  cls: 'owner' | 'group' | 'other';
}

export function isProbeError(v: unknown): v is ProbeError {
  return typeof v === 'object' && v !== null && 'error' in v && typeof (v as ProbeError).error === 'string';
}

export function probeError(error: ProbeErrorKind, message: string): ProbeError {
  return { error, message };
}

export type FileType = 'file' | 'dir' | 'socket' | 'symlink' | 'fifo' | 'char' | 'block' | 'other';

export interface FileStat {
  path: string;
  type: FileType;
  uid: number;
  gid: number;
  /** Permission bits with setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  size: number;
  ino: number;
  /** Device number (with ino, a file's identity); absent where the source does not say. */
  dev?: number;
  /** Last change of the content, epoch milliseconds; absent where the source does not say. */
  mtimeMs?: number;
}

export interface FileSystem {
  lstat(path: string): FileStat | ProbeError;
  /** Follows symbolic links. */
  stat(path: string): FileStat | ProbeError;
  readlink(path: string): string | ProbeError;
  /** The first `maxBytes` bytes (a shebang line, an ELF magic). */
  readHead(path: string, maxBytes: number): Buffer | ProbeError;
  /** A small text file in full (pool files, php-fpm.conf). */
  readText(path: string): string | ProbeError;
  /** Entry names, sorted. */
  listDir(path: string): string[] | ProbeError;
  exists(path: string): boolean;
}

/** The files as one user sees them (./asUser.ts): each answer is the one that user's own call would get. */
export interface UserFileSystem extends FileSystem {
  /** The user the view is of. */
  readonly user: string;
  /** What open(path, O_RDONLY) as that user meets: the file's stat, or why not (read permission on the target included). */
  open(path: string): FileStat | ProbeError;
}

export function isUserFileSystem(fs: FileSystem): fs is UserFileSystem {
  return typeof (fs as Partial<UserFileSystem>).open === 'function';
}

export interface UserInfo {
  name: string;
  uid: number;
  /** Primary group from /etc/passwd. */
  gid: number;
  home: string;
  shell: string;
  /** Supplementary groups: every /etc/group entry that lists the user. */
  groups: number[];
}

export interface GroupInfo {
  name: string;
  gid: number;
  members: string[];
}

export interface Users {
  /** By name, by number, or by mod_fastcgi's "#uid". */
  user(nameOrId: string | number): UserInfo | undefined;
  group(nameOrId: string | number): GroupInfo | undefined;
  userName(uid: number): string | undefined;
  groupName(gid: number): string | undefined;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Real and effective ids (Uid:/Gid: lines of /proc/PID/status). */
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  /** Supplementary groups (Groups: line). */
  groups: number[];
  comm: string;
  /** argv; empty for kernel threads and zombies. */
  cmdline: string[];
  /** readlink /proc/PID/exe; undefined when not visible (another user's process without root). */
  exe?: string;
  /** R, S, D, Z, T... */
  state: string;
  /** Epoch milliseconds. */
  startedAtMs: number;
  threads: number;
}

export interface Processes {
  list(): ProcessInfo[];
  /** Only the command lines: far cheaper than list() when that is all a caller needs. */
  commandLines(): Array<{ pid: number; cmdline: string[] }>;
  get(pid: number): ProcessInfo | undefined;
  /**
   * One process's parent and command line, read on their own (two small
   * files, no snapshot): enough to walk from a PHP-FPM worker to its master.
   */
  parentAndCommandLine(pid: number): { ppid: number; cmdline: string[] } | undefined;
  /** Inodes of the sockets among the process's open files; "denied" when its fds are not visible. */
  socketInodes(pid: number): number[] | ProbeError;
  /**
   * The environment a process was started with (/proc/PID/environ, read up
   * to a bound): only its owner or root may read it, else "denied".
   */
  environment(pid: number): Record<string, string> | ProbeError;
  /** The user running the doctor. */
  viewer(): { uid: number; euid: number };
  /**
   * How much memory the process uses: its proportional set size (shared pages
   * divided among the processes sharing them; /proc/PID/smaps_rollup, readable
   * by its owner or root) when readable, else its resident set size (VmRSS of
   * /proc/PID/status, readable by all, which counts shared pages in full).
   * Optional: a source that cannot say leaves it out, and callers say "not measured".
   */
  memory?(pid: number): ProcessMemory | ProbeError;
  /**
   * The mount namespace a process runs in ("mnt:[4026531840]", readlink
   * /proc/PID/ns/mnt; root or the process's owner), 'self' for the doctor's own.
   */
  mountNamespace?(pid: number | 'self'): string | ProbeError;
}

export interface ProcessMemory {
  kb: number;
  /** 'pss': from smaps_rollup; 'rss': VmRSS, shared pages counted in full (an upper bound). */
  measure: 'pss' | 'rss';
}

/** The machine's memory (/proc/meminfo), in KiB. */
export interface MachineMemory {
  totalKb: number;
  /** MemAvailable: what new work may take without swapping (Linux ≥ 3.14). */
  availableKb?: number;
}

export interface UnixListener {
  /** As bound ("@name" for abstract sockets). */
  path: string;
  inode: number;
}

export interface TcpListener {
  /** "127.0.0.1", "0.0.0.0", "::", "::1", "::ffff:127.0.0.1". */
  address: string;
  port: number;
  inode: number;
  family: 4 | 6;
}

export interface SocketHolders {
  pids: number[];
  /** False when some processes' file descriptors were not visible: an empty list then proves nothing. */
  complete: boolean;
}

export interface Sockets {
  unixListeners(): UnixListener[] | ProbeError;
  tcpListeners(): TcpListener[] | ProbeError;
  /** The processes holding the socket with this inode (from /proc/PID/fd). */
  holders(inode: number): SocketHolders;
}

export type ConnectOutcome = { ok: true; ms: number } | { ok: false; code: string; message: string; ms: number };

/** A bare connect, closed at once: no FastCGI request is sent. */
export interface Connector {
  connectUnix(path: string, timeoutMs: number): Promise<ConnectOutcome>;
  connectTcp(host: string, port: number, timeoutMs: number): Promise<ConnectOutcome>;
}

export type PoolEndpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** A pool as src/fpm read it, flattened for comparisons (src/system/fpmPools.ts: fpmPoolOf). */
export interface FpmPool {
  name: string;
  /** Where the [name] section starts. */
  file: string;
  line: number;
  /** The listen value as FPM reads it ($pool and ${ENV} substituted). */
  listen?: string;
  endpoint?: PoolEndpoint;
  /** Every plain key of the pool (last value wins) as FPM reads it: substituted, yes/on/true as "1". */
  settings: Record<string, string>;
  /** file:line of each key. */
  lines: Record<string, number>;
  /** The pool as src/fpm read it: every entry with file:line, php_admin_value[…], env[…]. */
  config: FpmPoolConfig;
  /** The main file it was read through (php-fpm.conf, a master's -y, or the pool file itself). */
  main: string;
  /** "8.3" when the installation's path or running binary says. */
  version?: string;
  /** The running master that read this pool's configuration, when one does (its workers are its children). */
  masterPid?: number;
}

/** One main configuration as src/fpm read it, with the installation it belongs to. */
export interface FpmConfigRead {
  config: FpmConfig;
  installation: FpmInstallation;
  /** A pool file read alone (a pool.d glob): it has no [global] section of its own. */
  poolFile: boolean;
  version?: string;
}

export interface FpmPoolScan {
  pools: FpmPool[];
  filesRead: string[];
  /** Files that could not be read, in plain words. */
  problems: string[];
  /** Where pools were looked for: the files and globs tried, in order (so a report can say where it looked). */
  searched?: string[];
  /** Each main configuration read, in order: its [global] section says where FPM logs. */
  configs: FpmConfigRead[];
}

export interface FpmPools {
  /** Pools from the usual places plus `extraConfigs` (php-fpm.conf files or pool files). */
  scan(extraConfigs?: readonly string[]): FpmPoolScan;
  /** Pools from these configuration files only (and what they include): a running master's own. */
  read(configs: readonly string[]): FpmPoolScan;
}

export interface Network {
  /** Addresses of this machine's interfaces (to tell a local -host from a remote one). */
  localAddresses(): string[];
  hostname(): string;
}

/**
 * What the kernel answered when asked as a user: access(2) honours POSIX ACLs,
 * which the mode bits do not show. 'missing': ENOENT or ENOTDIR, which the
 * kernel's walk reaches only past every directory the user could search.
 */
export type KernelAnswer = 'allowed' | 'refused' | 'missing' | 'unknown';

/** One question to the kernel: may the user reach `path` (search on every directory) with these bits on it ([] = only reach it). */
export interface KernelQuery {
  path: string;
  need: readonly ('r' | 'w' | 'x')[];
}

/**
 * Asks the kernel whether a user may access paths, as that user (uid, primary
 * and supplementary groups). 'unknown' when it cannot ask (the doctor is not
 * root, no setpriv, a timeout): the caller then keeps its mode-bit verdict.
 */
export interface AccessOracle {
  /** One answer per query, in order; never throws. */
  ask(who: { uid: number; gids: readonly number[]; name?: string }, queries: readonly KernelQuery[]): KernelAnswer[];
}

export interface SystemProbes {
  fs: FileSystem;
  users: Users;
  processes: Processes;
  sockets: Sockets;
  fpm: FpmPools;
  connector: Connector;
  network: Network;
  /** Typed directory listings and the mount table, for bounded walks (default: built on `fs`). */
  dirs?: DirReader;
  /** The machine's memory; absent where the source cannot say (checks then say "not measured"). */
  memory?: { machine(): MachineMemory | ProbeError };
  /** The kernel's own answer to "may this user access it" (ACLs included); absent = unknown, the mode bits stand. */
  access?: AccessOracle;
}
