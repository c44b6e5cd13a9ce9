/** The live FileSystem: node's synchronous fs calls, read-only. */
import {
  closeSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  statSync,
  type Stats,
} from 'node:fs';
import { probeError, type FileStat, type FileSystem, type FileType, type ProbeError } from './types.js';

function typeOf(s: Stats): FileType {
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSocket()) return 'socket';
  if (s.isFIFO()) return 'fifo';
  if (s.isCharacterDevice()) return 'char';
  if (s.isBlockDevice()) return 'block';
  return 'other';
}

export function toFileStat(path: string, s: Stats): FileStat {
  return {
    path,
    type: typeOf(s),
    uid: s.uid,
    gid: s.gid,
    mode: s.mode & 0o7777,
    size: s.size,
    ino: s.ino,
    dev: s.dev,
    mtimeMs: s.mtimeMs,
  };
}

/** ENOENT and ENOTDIR mean "not there"; EACCES and EPERM mean "not visible to us". */
export function errnoToProbeError(e: unknown, what: string): ProbeError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'ENOENT' || code === 'ENOTDIR') return probeError('missing', `${what}: ${msg}`);
  if (code === 'EACCES' || code === 'EPERM') return probeError('denied', `${what}: ${msg}`);
  return probeError('other', `${what}: ${msg}`);
}

function attempt<T>(what: string, fn: () => T): T | ProbeError {
  try {
    return fn();
  } catch (e) {
    return errnoToProbeError(e, what);
  }
}

/** Pool files and shebang lines are small; a cap keeps a mistaken path (a log) cheap. */
const MAX_TEXT_BYTES = 4 << 20;

export function liveFileSystem(): FileSystem {
  return {
    lstat: (p) => attempt(p, () => toFileStat(p, lstatSync(p))),
    stat: (p) => attempt(p, () => toFileStat(p, statSync(p))),
    readlink: (p) => attempt(p, () => readlinkSync(p)),
    readHead: (p, maxBytes) =>
      attempt(p, () => {
        const fd = openSync(p, 'r');
        try {
          const buf = Buffer.alloc(maxBytes);
          const n = readSync(fd, buf, 0, maxBytes, 0);
          return buf.subarray(0, n);
        } finally {
          closeSync(fd);
        }
      }),
    readText: (p) =>
      attempt(p, () => {
        const buf = readFileSync(p);
        return buf.subarray(0, MAX_TEXT_BYTES).toString('utf8');
      }),
    listDir: (p) => attempt(p, () => readdirSync(p).sort()),
    exists: (p) => {
      try {
        lstatSync(p);
        return true;
      } catch {
        return false;
      }
    },
  };
}
