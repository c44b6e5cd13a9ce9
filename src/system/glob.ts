/** `*`, `?` and `[...]` in path components, expanded through a FileSystem (for pool.d globs). */
import { isProbeError, type FileSystem } from './types.js';

function componentRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const isPattern = (s: string) => /[*?[]/.test(s);

/** Absolute paths matching `pattern`, sorted (as glob(3) returns them); hidden files only when named. */
export function expandGlob(fs: FileSystem, pattern: string): string[] {
  if (!isPattern(pattern)) return fs.exists(pattern) ? [pattern] : [];
  const parts = pattern.split('/').filter((p) => p !== '');
  let current = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      const base = dir === '/' ? '' : dir;
      if (!isPattern(part)) {
        next.push(`${base}/${part}`);
        continue;
      }
      const names = fs.listDir(dir);
      if (isProbeError(names)) continue;
      const re = componentRegex(part);
      for (const n of names) if (re.test(n) && (!n.startsWith('.') || part.startsWith('.'))) next.push(`${base}/${n}`);
    }
    current = next;
  }
  return current.filter((p) => fs.exists(p)).sort();
}
