/**
 * The files as another user sees them: nginx's worker runs as nginx's `user`
 * (www-data), the doctor usually as root, and a site under a 0750 home
 * directory exists for root while the worker's stat() gets EACCES. Each call
 * first walks the path as that user would (./access.ts mayAccess: search (x)
 * on every directory, the bits the call needs on the target), then asks the
 * doctor's own view. What the doctor cannot see itself stays a plain
 * "denied" (nothing is known about the other user); a refusal of that user
 * is a "denied" carrying `refused`.
 *
 * The mode bits miss POSIX ACLs (`setfacl -m u:www-data:x /home/deploy`):
 * given an AccessOracle, each refusal of the bits is put to the kernel as that
 * user, and what the kernel allows is allowed (the oracle caches its answers,
 * and a path the bits allow asks nothing).
 */
import * as path from 'node:path';
import { type Bit, confirmedAccessOne, mayAccess, type Principal } from './access.js';
import {
  type FileStat,
  type FileSystem,
  type ProbeError,
  probeError,
  type AccessOracle,
  type Refusal,
  type UserFileSystem,
} from './types.js';

/** The call on `target` as `who`, when the kernel would let `who` get that far; else the error `who` would get. */
function through<T>(
  fs: FileSystem,
  oracle: AccessOracle | undefined,
  who: Principal,
  name: string,
  target: string,
  need: Bit[],
  call: () => T | ProbeError,
): T | ProbeError {
  // The bits first; each step they refuse goes to the kernel, which has the last word (an ACL may grant it).
  const v = oracle ? confirmedAccessOne(fs, oracle, who, target, need) : mayAccess(fs, who, target, need);
  if (v.result === 'allowed') return call();
  if (v.result === 'unknown') return probeError(v.reason, v.message);
  // A file where a directory is searched (x looked for on "/srv/x.php" of "/srv/x.php/y"): the kernel
  // answers ENOTDIR before any permission, whatever the file's bits (the view never asks x to execute).
  if (v.stat.type !== 'dir' && v.missing.every((b) => b === 'x'))
    return probeError('missing', `${target}: not a directory (${v.path})`);
  const refused: Refusal = { who: name, path: v.path, stat: v.stat, missing: v.missing, cls: v.cls };
  return { ...probeError('denied', `${target}: permission denied to ${name} (on ${v.path})`), refused };
}

/**
 * `fs` as `who` sees it. stat needs search on the directories, lstat and
 * readlink search on the link's directory, reads and listings read on the
 * target. Root sees everything, so a view of root is `fs` itself plus `open`.
 */
export function fileSystemAs(fs: FileSystem, who: Principal, oracle?: AccessOracle): UserFileSystem {
  const name = who.name ?? String(who.uid);
  if (who.uid === 0) return { ...fs, user: name, open: (p) => fs.stat(p) };
  const searchParent = <T>(p: string, call: () => T | ProbeError) =>
    through(fs, oracle, who, name, path.posix.dirname(path.posix.resolve('/', p)), ['x'], call);
  const lstat = (p: string): FileStat | ProbeError => searchParent(p, () => fs.lstat(p));
  return {
    user: name,
    stat: (p) => through(fs, oracle, who, name, p, [], () => fs.stat(p)),
    lstat,
    readlink: (p) => searchParent(p, () => fs.readlink(p)),
    readHead: (p, maxBytes) => through(fs, oracle, who, name, p, ['r'], () => fs.readHead(p, maxBytes)),
    readText: (p) => through(fs, oracle, who, name, p, ['r'], () => fs.readText(p)),
    listDir: (p) => through(fs, oracle, who, name, p, ['r'], () => fs.listDir(p)),
    exists: (p) => {
      const st = lstat(p);
      return !('error' in st);
    },
    open: (p) => through(fs, oracle, who, name, p, ['r'], () => fs.stat(p)),
  };
}
