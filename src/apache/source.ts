/**
 * The only door through which the parser touches files. A live implementation
 * reads the real disk; the in-memory one lets tests describe a whole server tree
 * (symlinks and unreadable files included) without touching /etc.
 */
import * as fs from 'node:fs';
import { MemoryTree } from '../util/memoryTree.js';

export type FileKind = 'file' | 'dir' | 'other' | 'missing';

export interface StatResult {
  kind: FileKind;
  /** errno code when the entry could not be examined (ENOENT, EACCES, ELOOP...). */
  code?: string;
}

export type ReadResult = { ok: true; data: Buffer } | { ok: false; code: string; message: string };

/** A file's text, decoded as UTF-8 (a BOM is kept as U+FEFF, invalid bytes become U+FFFD). */
export type TextResult =
  | { ok: true; text: string /** The file has a NUL byte in its first 8 KiB: not a text file. */; binary: boolean }
  | { ok: false; code: string; message: string };

export type DirResult =
  /** `kinds[i]`, when known without a stat (not a symlink), is the kind of `names[i]`. */
  { ok: true; names: string[]; kinds?: (FileKind | undefined)[] } | { ok: false; code: string; message: string };

export interface ConfigFileSource {
  /** Follows symlinks, like Apache's apr_stat with APR_FINFO_LINK unset. */
  stat(file: string): StatResult;
  readFile(file: string): ReadResult;
  /**
   * The file as text. `knownRegular`: the caller already knows (from a
   * directory listing or a stat) that this is a regular file, so no fstat is
   * needed before reading it.
   */
  readText(file: string, knownRegular?: boolean): TextResult;
  readDir(dir: string): DirResult;
  /** Canonical path (symlinks resolved) or undefined when it cannot be resolved. */
  realpath(file: string): string | undefined;
}

/** Larger files are refused: Apache's own logical-line limit is 16 MiB. */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024 * 1024;

/** NUL in the first 8 KiB (bytes), as the parser's binary-file test does. */
function binaryPrefix(data: Buffer): boolean {
  return data.subarray(0, 8192).includes(0);
}

/** Decodes a read into text, with the binary test on the bytes. */
export function textOf(r: ReadResult): TextResult {
  if (!r.ok) return r;
  return { ok: true, text: r.data.toString('utf8'), binary: binaryPrefix(r.data) };
}

/** A FIFO, device, socket or directory where a configuration file was expected (code ENOTREG, ours). */
function notRegular(file: string): ReadResult {
  return { ok: false, code: 'ENOTREG', message: `${file} is not a regular file` };
}

const NONBLOCK_READ = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;

function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'EIO';
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class LiveFileSource implements ConfigFileSource {
  stat(file: string): StatResult {
    try {
      const st = fs.statSync(file);
      if (st.isFile()) return { kind: 'file' };
      if (st.isDirectory()) return { kind: 'dir' };
      return { kind: 'other' };
    } catch (e) {
      const code = errCode(e);
      return { kind: 'missing', code };
    }
  }

  readFile(file: string): ReadResult {
    let fd: number | undefined;
    try {
      // stat before open: opening a device can act on it (a watchdog, a tape) and a FIFO can block.
      if (!fs.statSync(file).isFile()) return notRegular(file);
      // O_NONBLOCK and fstat again: the entry may have been replaced since.
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return notRegular(file);
      if (st.size > MAX_CONFIG_FILE_BYTES) {
        return { ok: false, code: 'EFBIG', message: `${file} is larger than ${MAX_CONFIG_FILE_BYTES} bytes` };
      }
      return { ok: true, data: fs.readFileSync(fd) };
    } catch (e) {
      return { ok: false, code: errCode(e), message: errMessage(e) };
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  readText(file: string, knownRegular?: boolean): TextResult {
    if (!knownRegular) return textOf(this.readFile(file));
    // A regular file (the directory listing said so, without following a
    // symlink): one open-read-close in C++, no Buffer, no fstat. O_NONBLOCK
    // still guards against the entry having been replaced by a FIFO since.
    let text: string;
    try {
      // Node takes numeric open flags here too (its typings only say string).
      text = fs.readFileSync(file, { encoding: 'utf8', flag: NONBLOCK_READ as unknown as string });
    } catch (e) {
      const code = errCode(e);
      if (code === 'ERR_STRING_TOO_LONG')
        return { ok: false, code: 'EFBIG', message: `${file} is larger than ${MAX_CONFIG_FILE_BYTES} bytes` };
      return { ok: false, code, message: errMessage(e) };
    }
    if (text.length * 3 > MAX_CONFIG_FILE_BYTES && Buffer.byteLength(text, 'utf8') > MAX_CONFIG_FILE_BYTES) {
      return { ok: false, code: 'EFBIG', message: `${file} is larger than ${MAX_CONFIG_FILE_BYTES} bytes` };
    }
    // Rare: a NUL somewhere. Decide on the bytes, exactly as for any other file.
    if (text.indexOf('\0') !== -1) return textOf(this.readFile(file));
    return { ok: true, text, binary: false };
  }

  readDir(dir: string): DirResult {
    try {
      const entries = fs.readdirSync(dir, { withFileTypes: true });
      return {
        ok: true,
        names: entries.map((e) => e.name),
        kinds: entries.map((e) =>
          e.isFile() ? 'file' : e.isDirectory() ? 'dir' : e.isSymbolicLink() ? undefined : 'other',
        ),
      };
    } catch (e) {
      return { ok: false, code: errCode(e), message: errMessage(e) };
    }
  }

  realpath(file: string): string | undefined {
    try {
      // realpath(3) in one call: the JS version lstat()s every component, and `check FILE` on a
      // server of thousands of site files resolves each of them to find FILE among them.
      return fs.realpathSync.native(file);
    } catch {
      return undefined;
    }
  }
}

/** An entry of an in-memory tree: file content, a symlink, or an unreadable file. */
export type MemoryEntry =
  | string
  | Buffer
  | { symlink: string }
  | { error: string }
  | { dir: true /** listing it fails with EACCES */; unreadable?: true }
  | { special: 'fifo' | 'device' };

/**
 * A tree held in memory. Keys are absolute paths; parent directories exist
 * implicitly. Symlink targets may be relative to the link's directory.
 */
export class MemoryFileSource implements ConfigFileSource {
  private readonly tree = new MemoryTree<MemoryEntry>({
    symlinkOf: (e) => (typeof e === 'object' && !Buffer.isBuffer(e) && 'symlink' in e ? e.symlink : undefined),
    isDirectory: (e) => typeof e === 'object' && !Buffer.isBuffer(e) && 'dir' in e,
  });
  private readonly entries = this.tree.entries;
  private readonly dirs = this.tree.dirs;

  constructor(tree: Record<string, MemoryEntry>) {
    for (const [p, entry] of Object.entries(tree)) this.add(p, entry);
  }

  add(p: string, entry: MemoryEntry): void {
    this.tree.add(p, entry);
  }

  /** Resolves symlinks in every component; undefined + code on failure. */
  private resolve(p: string): { path?: string; code?: string } {
    return this.tree.resolve(p);
  }

  stat(file: string): StatResult {
    const r = this.resolve(file);
    if (!r.path) return { kind: 'missing', code: r.code };
    if (this.dirs.has(r.path) && !this.isFileEntry(r.path)) return { kind: 'dir' };
    const entry = this.entries.get(r.path);
    if (entry === undefined) return { kind: 'missing', code: 'ENOENT' };
    if (typeof entry === 'object' && !Buffer.isBuffer(entry) && 'special' in entry) return { kind: 'other' };
    return { kind: 'file' };
  }

  private isFileEntry(p: string): boolean {
    const e = this.entries.get(p);
    return e !== undefined && (typeof e === 'string' || Buffer.isBuffer(e) || 'error' in e);
  }

  readFile(file: string): ReadResult {
    const r = this.resolve(file);
    if (!r.path) return { ok: false, code: r.code ?? 'ENOENT', message: `${r.code ?? 'ENOENT'}: ${file}` };
    const entry = this.entries.get(r.path);
    if (entry === undefined || (typeof entry === 'object' && !Buffer.isBuffer(entry) && 'dir' in entry)) {
      const code = this.dirs.has(r.path) ? 'EISDIR' : 'ENOENT';
      return { ok: false, code, message: `${code}: ${file}` };
    }
    if (typeof entry === 'string') return { ok: true, data: Buffer.from(entry, 'utf8') };
    if (Buffer.isBuffer(entry)) return { ok: true, data: entry };
    if ('error' in entry) return { ok: false, code: entry.error, message: `${entry.error}: ${file}` };
    if ('special' in entry) return notRegular(file);
    return { ok: false, code: 'EINVAL', message: `EINVAL: ${file}` };
  }

  readText(file: string): TextResult {
    return textOf(this.readFile(file));
  }

  readDir(dir: string): DirResult {
    const r = this.resolve(dir);
    if (!r.path) return { ok: false, code: r.code ?? 'ENOENT', message: `${r.code ?? 'ENOENT'}: ${dir}` };
    const set = this.dirs.get(r.path);
    if (!set || this.isFileEntry(r.path)) return { ok: false, code: 'ENOTDIR', message: `ENOTDIR: ${dir}` };
    const entry = this.entries.get(r.path);
    if (entry !== undefined && typeof entry === 'object' && 'dir' in entry && entry.unreadable)
      return { ok: false, code: 'EACCES', message: `EACCES: ${dir}` };
    return { ok: true, names: [...set] };
  }

  realpath(file: string): string | undefined {
    return this.resolve(file).path;
  }
}
