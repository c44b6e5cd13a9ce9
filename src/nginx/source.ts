/**
 * The only door through which the nginx reader touches files: the live disk,
 * or an in-memory tree for unit tests (symlinks, unreadable files, FIFOs).
 * Its own small copy rather than src/apache/source.ts: src/nginx may import
 * only node built-ins and src/util (CONTRIBUTING.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryTree } from '../util/memoryTree.js';

export type NginxFileKind = 'file' | 'dir' | 'other' | 'missing';

export interface NginxStat {
  kind: NginxFileKind;
  /** errno code when the entry could not be examined (ENOENT, EACCES, ELOOP…). */
  code?: string;
}

export type NginxRead = { ok: true; data: Buffer } | { ok: false; code: string };

export type NginxListing = { ok: true; names: string[] } | { ok: false; code: string };

export interface NginxFileSource {
  /** Follows symlinks, as open(2) does. */
  stat(file: string): NginxStat;
  /** Lists the names of a directory, as glob(3) reads it (no "." and ".."). */
  readDir(dir: string): NginxListing;
  /**
   * Reads a regular file whole; never opens a FIFO (code EFIFO, ours) or a
   * device (read as empty: its size is 0, so nginx reads nothing from it).
   */
  readFile(file: string): NginxRead;
  /** Canonical path (symlinks resolved), undefined when it cannot be resolved. */
  realpath(file: string): string | undefined;
}

/**
 * Larger files are refused (code EFBIG): nginx reads any size in 4 KiB steps,
 * but a configuration this big is a mistake or an attack on the doctor.
 */
export const MAX_NGINX_FILE_BYTES = 32 * 1024 * 1024;

function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'EIO';
}

/**
 * An open regular file, the `size` bytes fstat said (fewer when it shrinks
 * meanwhile; a size of 0, as /proc's files show, is read to its end, never past the limit). Not fs.readFileSync(fd):
 * it fstats the descriptor again, one system call more per file (5,000 sites).
 */
function readWhole(fd: number, size: number): Buffer {
  let buf = Buffer.allocUnsafe(size > 0 ? size : 8192);
  let filled = 0;
  for (;;) {
    if (filled === buf.length) {
      if (buf.length >= MAX_NGINX_FILE_BYTES) break;
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, MAX_NGINX_FILE_BYTES));
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    const n = fs.readSync(fd, buf, filled, buf.length - filled, null);
    if (n === 0) break;
    filled += n;
    // As readFileSync: a regular file is read up to the size fstat gave (no read more to see its end).
    if (size > 0 && filled === size) break;
  }
  return filled === buf.length ? buf : buf.subarray(0, filled);
}

export class LiveNginxSource implements NginxFileSource {
  /**
   * Paths a directory listing showed as regular files (d_type, not a symlink):
   * readFile need not stat them before opening (an include of sites-enabled/*
   * with 5,000 sites: 5,000 system calls). The fstat after the open still
   * refuses what is no longer a regular file.
   */
  private readonly listedRegular = new Set<string>();

  stat(file: string): NginxStat {
    try {
      const st = fs.statSync(file);
      return { kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other' };
    } catch (e) {
      return { kind: 'missing', code: errCode(e) };
    }
  }

  readDir(dir: string): NginxListing {
    try {
      const entries = fs.readdirSync(dir, { withFileTypes: true });
      const names = entries.map((e) => e.name);
      for (const e of entries) if (e.isFile()) this.listedRegular.add(path.posix.join(dir, e.name));
      return { ok: true, names };
    } catch (e) {
      return { ok: false, code: errCode(e) };
    }
  }

  readFile(file: string): NginxRead {
    let fd: number | undefined;
    try {
      if (!this.listedRegular.has(file)) {
        // stat before open: opening a FIFO blocks, opening a device can act on it.
        const st = fs.statSync(file);
        if (st.isDirectory()) return { ok: false, code: 'EISDIR' };
        // A device's size is 0, so nginx reads nothing from it (`include /dev/null;` is an idiom): read as empty, never opened.
        if (st.isCharacterDevice() || st.isBlockDevice()) return { ok: true, data: Buffer.alloc(0) };
        if (st.isFIFO()) return { ok: false, code: 'EFIFO' };
        if (!st.isFile()) return { ok: false, code: 'ENOTREG' };
      }
      // O_NONBLOCK and fstat again: the entry may have been replaced since the stat.
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const again = fs.fstatSync(fd);
      if (!again.isFile()) return { ok: false, code: 'ENOTREG' };
      if (again.size > MAX_NGINX_FILE_BYTES) return { ok: false, code: 'EFBIG' };
      return { ok: true, data: readWhole(fd, again.size) };
    } catch (e) {
      return { ok: false, code: errCode(e) };
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  realpath(file: string): string | undefined {
    try {
      return fs.realpathSync.native(file);
    } catch {
      return undefined;
    }
  }
}

/** An entry of an in-memory tree: content, a symlink, an unreadable file, a directory or a FIFO. */
export type NginxMemoryEntry =
  | string
  | Buffer
  | { symlink: string }
  | { error: string }
  /** `unreadable`: listing it fails with EACCES. */
  | { dir: true; unreadable?: true }
  | { fifo: true }
  /** A character device such as /dev/null: nginx reads nothing from it. */
  | { device: true }
  /** In a directory we may not search: stat(2) and open(2) fail with EACCES (/etc/ssl/private as a user). */
  | { hidden: true };

/** A tree held in memory; keys are absolute paths, parent directories exist implicitly. */
export class MemoryNginxSource implements NginxFileSource {
  private readonly tree = new MemoryTree<NginxMemoryEntry>({
    symlinkOf: (e) => (typeof e === 'object' && !Buffer.isBuffer(e) && 'symlink' in e ? e.symlink : undefined),
    isDirectory: (e) => typeof e === 'object' && !Buffer.isBuffer(e) && 'dir' in e,
  });
  private readonly entries = this.tree.entries;
  private readonly dirs = this.tree.dirs;

  constructor(tree: Record<string, NginxMemoryEntry>) {
    for (const [p, entry] of Object.entries(tree)) this.add(p, entry);
  }

  add(p: string, entry: NginxMemoryEntry): void {
    this.tree.add(p, entry);
  }

  private resolve(p: string): { path?: string; code?: string } {
    return this.tree.resolve(p, { notDirInPath: true });
  }

  stat(file: string): NginxStat {
    const r = this.resolve(file);
    if (!r.path) return { kind: 'missing', code: r.code };
    const entry = this.entries.get(r.path);
    if (typeof entry === 'object' && !Buffer.isBuffer(entry) && 'hidden' in entry)
      return { kind: 'missing', code: 'EACCES' };
    if (entry === undefined || (typeof entry === 'object' && !Buffer.isBuffer(entry) && 'dir' in entry)) {
      return { kind: 'dir' };
    }
    if (typeof entry === 'object' && !Buffer.isBuffer(entry) && ('fifo' in entry || 'device' in entry))
      return { kind: 'other' };
    return { kind: 'file' };
  }

  readDir(dir: string): NginxListing {
    const r = this.resolve(dir);
    if (!r.path) return { ok: false, code: r.code ?? 'ENOENT' };
    const set = this.dirs.get(r.path);
    if (!set) return { ok: false, code: 'ENOTDIR' };
    const entry = this.entries.get(r.path);
    if (typeof entry === 'object' && !Buffer.isBuffer(entry) && 'dir' in entry && entry.unreadable)
      return { ok: false, code: 'EACCES' };
    return { ok: true, names: [...set] };
  }

  readFile(file: string): NginxRead {
    const r = this.resolve(file);
    if (!r.path) return { ok: false, code: r.code ?? 'ENOENT' };
    const entry = this.entries.get(r.path);
    if (entry === undefined) return { ok: false, code: this.dirs.has(r.path) ? 'EISDIR' : 'ENOENT' };
    if (typeof entry === 'string') return { ok: true, data: Buffer.from(entry, 'utf8') };
    if (Buffer.isBuffer(entry)) return { ok: true, data: entry };
    if ('error' in entry) return { ok: false, code: entry.error };
    if ('dir' in entry) return { ok: false, code: 'EISDIR' };
    if ('fifo' in entry) return { ok: false, code: 'EFIFO' };
    if ('device' in entry) return { ok: true, data: Buffer.alloc(0) };
    if ('hidden' in entry) return { ok: false, code: 'EACCES' };
    return { ok: false, code: 'EINVAL' };
  }

  realpath(file: string): string | undefined {
    return this.resolve(file).path;
  }
}

/**
 * Another source whose file reads are kept: `check` reads the tree once and
 * then scans the same files for suppression comments (src/checks/nginx/markers.ts),
 * and may read the tree again with one more include; each file is opened once.
 * The files are small and bounded (MAX_NGINX_FILE_BYTES each, the reader's limits on their number).
 */
export class RememberingNginxSource implements NginxFileSource {
  private readonly reads = new Map<string, NginxRead>();

  constructor(private readonly inner: NginxFileSource) {}

  stat(file: string): NginxStat {
    return this.inner.stat(file);
  }

  readDir(dir: string): NginxListing {
    return this.inner.readDir(dir);
  }

  readFile(file: string): NginxRead {
    let r = this.reads.get(file);
    if (r === undefined) {
      r = this.inner.readFile(file);
      this.reads.set(file, r);
    }
    return r;
  }

  realpath(file: string): string | undefined {
    return this.inner.realpath(file);
  }
}
