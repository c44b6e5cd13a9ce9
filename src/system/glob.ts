/**
 * `*`, `?` and `[...]` in path components, expanded through a FileSystem (for
 * pool.d globs), as glob(3) does for PHP-FPM's include: hidden files only when
 * named, the same matcher as Apache's (src/util/fnmatch.ts).
 */
import { fnmatch, hasWildcard } from '../util/fnmatch.js';
import { isProbeError, type FileSystem } from './types.js';

/** Absolute paths matching `pattern`, sorted (as glob(3) returns them); hidden files only when named. */
export function expandGlob(fs: FileSystem, pattern: string): string[] {
  if (!hasWildcard(pattern)) return fs.exists(pattern) ? [pattern] : [];
  const parts = pattern.split('/').filter((p) => p !== '');
  let current = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      const base = dir === '/' ? '' : dir;
      if (!hasWildcard(part)) {
        next.push(`${base}/${part}`);
        continue;
      }
      const names = fs.listDir(dir);
      if (isProbeError(names)) continue;
      for (const n of names) if (fnmatch(part, n)) next.push(`${base}/${n}`);
    }
    current = next;
  }
  return current.filter((p) => fs.exists(p)).sort();
}
