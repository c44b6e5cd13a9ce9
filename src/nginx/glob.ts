/**
 * `include` patterns as nginx expands them: src/os/unix/ngx_files.c
 * ngx_open_glob calls glob(3) with no flags, so glibc's rules apply: a
 * wildcard (`*`, `?`, `[…]`) never matches a leading dot, a wildcard in a
 * directory component matches directories only, a backslash escapes, no match
 * is not an error (nginx passes gl->test), unreadable directories are skipped
 * silently, and the whole list is sorted by strcoll, which is strcmp because
 * nginx never calls setlocale.
 */
import * as path from 'node:path';
import { fnmatch, hasWildcard } from '../util/fnmatch.js';
import type { NginxFileSource } from './source.js';

/** Our bound on the names one pattern may yield: nginx has none. */
export const MAX_GLOB_MATCHES = 100_000;

export interface GlobResult {
  files: string[];
  /** Set when MAX_GLOB_MATCHES stopped the expansion. */
  truncated?: boolean;
  /** Directories that could not be listed for lack of permission (glob skips them silently). */
  denied?: string[];
}

/** Byte order of the UTF-8 encodings, as strcmp. */
export function strcmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * path.posix.join(dir, name) for a name from a listing (never "", ".", ".." nor
 * holding "/") under a normalized dir, without normalizing again for each of 5,000 names.
 */
export function childPath(dir: string, name: string): string {
  if (dir === '.') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** `names` in strcmp's order, each encoded once (a sort calling strcmp encodes both sides of every comparison). */
function sortedAsStrcmp(names: string[]): string[] {
  const keyed = names.map((name) => ({ name, bytes: Buffer.from(name, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  return keyed.map((k) => k.name);
}

/** ngx_conf_include: the path is a pattern when it holds one of `*?[` (strpbrk). */
export function isGlobPattern(p: string): boolean {
  return hasWildcard(p);
}

function unescapeLiteral(component: string): string {
  return component.replace(/\\(.)/g, '$1');
}

export function expandGlob(pattern: string, src: NginxFileSource): GlobResult {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p) => p !== '');
  let current: string[] = [absolute ? '/' : '.'];
  let truncated = false;
  const denied: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasWildcard(part)) {
        const candidate = path.posix.join(dir, unescapeLiteral(part));
        // glibc checks a literal component's existence only where it must
        // (the last one, or to list below it); a missing one yields nothing.
        const st = src.stat(candidate);
        if (
          st.kind === 'missing' &&
          !(last && src.realpath(path.posix.dirname(candidate)) && isDanglingOk(src, candidate))
        )
          continue;
        if (!last && st.kind !== 'dir') continue;
        next.push(candidate);
        continue;
      }
      const listing = src.readDir(dir);
      if (!listing.ok) {
        if (listing.code === 'EACCES') denied.push(dir);
        continue;
      }
      for (const name of listing.names) {
        if (!fnmatch(part, name)) continue;
        const candidate = childPath(dir, name);
        if (!last && src.stat(candidate).kind !== 'dir') continue;
        next.push(candidate);
        if (next.length >= MAX_GLOB_MATCHES) {
          truncated = true;
          break;
        }
      }
      if (truncated) break;
    }
    current = next;
    if (current.length === 0) break;
  }
  const files = current.map((f) => (absolute ? f : f.replace(/^\.\//, '')));
  const out: GlobResult = { files: sortedAsStrcmp(files) };
  if (truncated) out.truncated = true;
  if (denied.length > 0) out.denied = denied;
  return out;
}

/**
 * A dangling symlink named literally as the last component: glibc's lstat
 * finds it, so it is a match (and nginx's open then fails with ENOENT). Our
 * sources follow symlinks, so it shows as missing; a listing of its directory
 * tells it apart from a name that is not there at all.
 */
function isDanglingOk(src: NginxFileSource, candidate: string): boolean {
  const listing = src.readDir(path.posix.dirname(candidate));
  return listing.ok && listing.names.includes(path.posix.basename(candidate));
}
