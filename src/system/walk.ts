/**
 * A bounded, breadth-first listing of the files under a directory: how
 * `check` finds the scripts a vhost really serves. Every walk has limits
 * (entries, depth, a deadline), says which one it reached, never enters a
 * directory twice (dev:ino, so a symlink loop ends), never enters /proc,
 * /sys, /dev or a network/virtual mount (a docroot on NFS must not hang the
 * doctor), and never opens a FIFO or a device: it reads directory entries
 * with their types (readdir's d_type) and stats only directories and
 * symbolic links, so 100,000 files cost 100,000 dirents, not 100,000 stats.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { errnoToProbeError } from './fileSystem.js';
import { isProbeError, probeError, type FileSystem, type FileType, type ProbeError } from './types.js';

export interface DirEntry {
  name: string;
  /** 'other' where the filesystem does not say (DT_UNKNOWN): the walk lstats it. */
  type: FileType;
}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

/** What a walk reads: typed directory entries, identity of directories, the mount table. */
export interface DirReader {
  readDir(dir: string): DirEntry[] | ProbeError;
  /** Follows links: the type and identity of what a path names. */
  identity(p: string): { type: FileType; dev: number; ino: number } | ProbeError;
  lstatType(p: string): FileType | ProbeError;
  /** The path with every symbolic link resolved. */
  realpath(p: string): string | ProbeError;
  /** The mounted filesystems (from /proc/self/mountinfo). */
  mounts(): MountEntry[] | ProbeError;
}

/** Never entered, whatever the mount table says. */
export const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** Network and virtual filesystems: a walk there may hang (a dead NFS server) or never end (/proc). */
const SKIPPED_FS_TYPES = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'sshfs',
  'ncpfs',
  'afs',
  '9p',
  'ceph',
  'glusterfs',
  'lustre',
  'davfs',
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'debugfs',
  'tracefs',
  'securityfs',
  'configfs',
  'fusectl',
  'binfmt_misc',
  'autofs',
  'mqueue',
  'hugetlbfs',
  'bpf',
  'pstore',
  'efivarfs',
]);

export function skippedFsType(fsType: string): boolean {
  // fuse.sshfs, fuse.s3fs, fuse.gvfsd-fuse…: userspace filesystems, often remote.
  return SKIPPED_FS_TYPES.has(fsType) || fsType.startsWith('fuse.') || fsType === 'fuse';
}

/** /proc/self/mountinfo: field 5 is the mount point (octal escapes), the field after " - " the type. */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fields = line.slice(0, sep).split(' ');
    const mountPoint = fields[4];
    const fsType = line.slice(sep + 3).split(' ')[0];
    if (mountPoint === undefined || !fsType) continue;
    out.push({
      mountPoint: mountPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
      fsType,
    });
  }
  return out;
}

export interface WalkLimits {
  /** Directory entries looked at, in all (default 2,000). */
  maxEntries?: number;
  /** Directory levels below the root (default 6). */
  maxDepth?: number;
  /** Epoch ms after which the walk stops (checked per entry). */
  deadline?: number;
  /** The clock (default Date.now). */
  now?: () => number;
  /** Keep only the files whose name this accepts (every entry still counts toward maxEntries). */
  want?: (name: string) => boolean;
}

export const DEFAULT_WALK_LIMITS = { maxEntries: 2000, maxDepth: 6 } as const;

export interface WalkedFile {
  /** The path under the root, as Apache would reach it (symbolic links not resolved). */
  path: string;
  depth: number;
}

export type WalkLimitKind = 'entries' | 'depth' | 'time';

export interface WalkResult {
  root: string;
  files: WalkedFile[];
  /** Each limit reached, in plain words ("stopped after 2000 entries"). */
  limits: { kind: WalkLimitKind; text: string }[];
  /** Directories not entered, and why (a pseudo or network filesystem, a loop, not readable, not there). */
  skipped: { path: string; why: string; missing?: boolean }[];
  entries: number;
}

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : `${root}/`);
}

/** Why a directory is not entered, from its real path and the mount table; undefined: enter it. */
function excludedBy(real: string, mounts: readonly MountEntry[]): string | undefined {
  for (const r of PSEUDO_ROOTS) if (under(real, r)) return `${r} is a kernel pseudo-filesystem`;
  // The deepest mount holding the path decides its type.
  let best: MountEntry | undefined;
  for (const m of mounts)
    if (under(real, m.mountPoint) && (!best || m.mountPoint.length > best.mountPoint.length)) best = m;
  if (best && skippedFsType(best.fsType))
    return `on a ${best.fsType} mount (${best.mountPoint}): network or virtual filesystems are not walked`;
  return undefined;
}

export function walkFiles(reader: DirReader, root: string, limits: WalkLimits = {}): WalkResult {
  const maxEntries = limits.maxEntries ?? DEFAULT_WALK_LIMITS.maxEntries;
  const maxDepth = limits.maxDepth ?? DEFAULT_WALK_LIMITS.maxDepth;
  const now = limits.now ?? Date.now;
  const result: WalkResult = { root, files: [], limits: [], skipped: [], entries: 0 };
  const mountList = reader.mounts();
  const mounts = isProbeError(mountList) ? [] : mountList;
  const seen = new Set<string>();
  const limit = (kind: WalkLimitKind, text: string) => {
    if (!result.limits.some((l) => l.kind === kind)) result.limits.push({ kind, text });
  };
  /** Whether a directory may be entered: not excluded, not seen before. */
  const admit = (dir: string): boolean => {
    // The path as written first: a hung NFS server must not be touched at all, not even by realpath().
    const written = excludedBy(dir, mounts);
    if (written) {
      result.skipped.push({ path: dir, why: written });
      return false;
    }
    const real = reader.realpath(dir);
    if (isProbeError(real)) {
      result.skipped.push({ path: dir, why: real.message, ...(real.error === 'missing' ? { missing: true } : {}) });
      return false;
    }
    const why = excludedBy(real, mounts);
    if (why) {
      result.skipped.push({ path: dir, why });
      return false;
    }
    const id = reader.identity(dir);
    if (isProbeError(id)) {
      result.skipped.push({ path: dir, why: id.message });
      return false;
    }
    const key = `${id.dev}:${id.ino}`;
    if (seen.has(key)) {
      result.skipped.push({ path: dir, why: `already walked (${real}): a symbolic link loop or a second way in` });
      return false;
    }
    seen.add(key);
    return true;
  };
  const start = path.posix.resolve('/', root);
  if (!admit(start)) return result;
  let queue: { dir: string; depth: number }[] = [{ dir: start, depth: 0 }];
  while (queue.length > 0) {
    const next: { dir: string; depth: number }[] = [];
    for (const { dir, depth } of queue) {
      const entries = reader.readDir(dir);
      if (isProbeError(entries)) {
        result.skipped.push({ path: dir, why: entries.message });
        continue;
      }
      for (const e of entries) {
        if (result.entries >= maxEntries) {
          limit('entries', `stopped after ${maxEntries} entries under ${root}`);
          return result;
        }
        if (limits.deadline !== undefined && now() > limits.deadline) {
          limit('time', `stopped at the time limit after ${result.entries} entries under ${root}`);
          return result;
        }
        result.entries++;
        const p = path.posix.join(dir, e.name);
        let type = e.type;
        if (type === 'other') {
          const t = reader.lstatType(p);
          if (isProbeError(t)) continue;
          type = t;
        }
        if (type === 'symlink') {
          // stat follows the link: only a link to a regular file or a directory matters.
          const id = reader.identity(p);
          if (isProbeError(id)) continue;
          type = id.type;
        }
        if (type === 'file') {
          if (!limits.want || limits.want(e.name)) result.files.push({ path: p, depth: depth + 1 });
        } else if (type === 'dir') {
          if (depth + 1 > maxDepth) {
            limit('depth', `directories deeper than ${maxDepth} levels under ${root} were not walked`);
            continue;
          }
          if (admit(p)) next.push({ dir: p, depth: depth + 1 });
        }
        // FIFOs, sockets and devices: never opened, nothing to serve.
      }
    }
    queue = next;
  }
  return result;
}

function direntType(d: Dirent): FileType {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'dir';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isFIFO()) return 'fifo';
  if (d.isSocket()) return 'socket';
  if (d.isCharacterDevice()) return 'char';
  if (d.isBlockDevice()) return 'block';
  return 'other';
}

function attempt<T>(what: string, fn: () => T): T | ProbeError {
  try {
    return fn();
  } catch (e) {
    return errnoToProbeError(e, what);
  }
}

/** The live machine: readdir with d_type, stat only for directories and links. */
export function liveDirReader(proc = '/proc'): DirReader {
  let mounts: MountEntry[] | ProbeError | undefined;
  return {
    readDir: (dir) =>
      attempt(dir, () =>
        readdirSync(dir, { withFileTypes: true })
          .map((d) => ({ name: d.name, type: direntType(d) }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      ),
    identity: (p) =>
      attempt(p, () => {
        const s = statSync(p);
        const type: FileType = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isFIFO() ? 'fifo' : 'other';
        return { type, dev: s.dev, ino: s.ino };
      }),
    lstatType: (p) =>
      attempt(p, () => {
        const s = lstatSync(p);
        if (s.isSymbolicLink()) return 'symlink';
        return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
      }),
    realpath: (p) => attempt(p, () => realpathSync(p)),
    mounts: () => {
      // Read once per reader: the table does not change during a check.
      mounts ??= attempt(`${proc}/self/mountinfo`, () =>
        parseMountInfo(readFileSync(`${proc}/self/mountinfo`, 'utf8')),
      );
      return mounts;
    },
  };
}

/**
 * A DirReader over any FileSystem (the fixture one in unit tests): one lstat
 * per entry, which is fine for a fixture and keeps a single source of truth.
 */
export function fsDirReader(fs: FileSystem, mountTable: MountEntry[] = []): DirReader {
  return {
    readDir(dir) {
      const names = fs.listDir(dir);
      if (isProbeError(names)) return names;
      return names.map((name) => {
        const st = fs.lstat(path.posix.join(dir, name));
        return { name, type: isProbeError(st) ? 'other' : st.type };
      });
    },
    identity(p) {
      const st = fs.stat(p);
      return isProbeError(st) ? st : { type: st.type, dev: st.dev ?? 0, ino: st.ino };
    },
    lstatType(p) {
      const st = fs.lstat(p);
      return isProbeError(st) ? st : st.type;
    },
    realpath(p) {
      const st = fs.stat(p);
      if (isProbeError(st)) return st;
      return st.path || probeError('other', `${p}: no real path`);
    },
    mounts: () => mountTable,
  };
}
