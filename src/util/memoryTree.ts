/**
 * The in-memory file tree behind the configuration readers' test sources
 * (Apache's MemoryFileSource, nginx's MemoryNginxSource): absolute paths,
 * parent directories that exist implicitly, and symlinks resolved component by
 * component as the kernel does, so both readers meet the same ELOOP, ENOENT and
 * relative link targets in their unit tests. Each source keeps its own entry
 * kinds and turns a resolved path into its own stat and read results.
 */
import * as path from 'node:path';

/** Linux's MAXSYMLINKS: past this many links in one lookup, ELOOP. */
const MAX_SYMLINK_HOPS = 40;

export interface MemoryTreeKinds<E> {
  /** The link's target when the entry is a symlink (relative to the link's directory or absolute). */
  symlinkOf(entry: E): string | undefined;
  /** Whether the entry is a directory written as such (it exists, and may be empty). */
  isDirectory(entry: E): boolean;
}

export class MemoryTree<E> {
  readonly entries = new Map<string, E>();
  readonly dirs = new Map<string, Set<string>>([['/', new Set()]]);

  constructor(private readonly kinds: MemoryTreeKinds<E>) {}

  add(p: string, entry: E): void {
    const norm = path.posix.resolve('/', p);
    this.entries.set(norm, entry);
    if (this.kinds.isDirectory(entry)) this.ensureDir(norm);
    for (let child = norm; child !== '/'; child = path.posix.dirname(child)) {
      this.ensureDir(path.posix.dirname(child)).add(path.posix.basename(child));
    }
  }

  private ensureDir(d: string): Set<string> {
    let set = this.dirs.get(d);
    if (!set) {
      set = new Set();
      this.dirs.set(d, set);
    }
    return set;
  }

  /**
   * Resolves symlinks in every component: the real path, or the errno a lookup
   * fails with. `notDirInPath`: a file met before the last component is ENOTDIR
   * (the kernel's answer); without it the lookup goes on and ends in ENOENT.
   */
  resolve(p: string, opts: { notDirInPath?: boolean } = {}): { path?: string; code?: string } {
    let hops = 0;
    let parts = path.posix.resolve('/', p).split('/').filter(Boolean);
    let done = '/';
    while (parts.length > 0) {
      const [head = '', ...rest] = parts;
      const next = path.posix.join(done, head);
      const entry = this.entries.get(next);
      const link = entry === undefined ? undefined : this.kinds.symlinkOf(entry);
      if (link !== undefined) {
        if (++hops > MAX_SYMLINK_HOPS) return { code: 'ELOOP' };
        parts = [...path.posix.resolve(done, link).split('/').filter(Boolean), ...rest];
        done = '/';
        continue;
      }
      if (entry === undefined && !this.dirs.has(next)) return { code: 'ENOENT' };
      if (opts.notDirInPath && rest.length > 0 && !this.dirs.has(next)) return { code: 'ENOTDIR' };
      done = next;
      parts = rest;
    }
    return { path: done };
  }
}
