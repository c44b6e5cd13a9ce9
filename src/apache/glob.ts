/**
 * Include/IncludeOptional path expansion as httpd 2.4 does it (config.c
 * ap_process_fnmatch_configs, util.c ap_dir_fnmatch): wildcards in any
 * component, apr_fnmatch with APR_FNM_PERIOD (wildcards never match a leading
 * dot), candidates sorted with strcmp per directory level, intermediate
 * wildcard components match directories only, a directory includes every file
 * below it (dotfiles too).
 */
import * as path from 'node:path';
import type { ConfigFileSource } from './source.js';

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

const regexCache = new Map<string, RegExp>();

/** apr_fnmatch with APR_FNM_PERIOD, for one path component. */
export function fnmatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${fnmatchToRegex(pattern)}$`, 's');
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re.test(name);
}

export function fnmatchToRegex(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] ?? '';
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < p.length) out += escapeRe(p[++i] ?? '');
    else if (c === '[') {
      const close = p.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = p.slice(i + 1, close);
      let neg = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = true;
        body = body.slice(1);
      }
      out += `[${neg ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else out += escapeRe(c);
  }
  return out;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Byte-wise order of the UTF-8 encodings, as strcmp. UTF-16 code units order
 * the same way below U+D800, so only names differing at a higher code unit
 * (surrogates, U+E000 and up) need their bytes compared.
 */
export function byteCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca < 0xd800 && cb < 0xd800) return ca - cb;
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  }
  return a.length - b.length;
}

export interface ExpandLimits {
  maxEntries: number;
  maxDepth: number;
}

export interface Expanded {
  files: string[];
  /** `regular[i]`: files[i] is known to be a regular file (listing or stat said so). */
  regular: boolean[];
  /** httpd's own error text when the pattern is fatal for Include. */
  error?: string;
  /** A runaway glob or directory stopped by our limits. */
  limit?: string;
}

/**
 * Files that `Include pattern` reads, in httpd's order. `pattern` must already
 * be absolute (ServerRoot applied).
 */
export function expandInclude(pattern: string, src: ConfigFileSource, limits: ExpandLimits): Expanded {
  const out: Expanded = { files: [], regular: [] };
  const abs = path.posix.normalize(pattern);
  if (!hasWildcard(abs)) {
    const st = src.stat(abs);
    if (st.kind === 'dir') includeDirectory(abs, src, limits, out, 0, new Set());
    else if (st.kind === 'missing') {
      out.error = `Could not open configuration file ${abs}: ${st.code === 'EACCES' ? 'Permission denied' : st.code === 'ELOOP' ? 'Too many levels of symbolic links' : 'No such file or directory'}`;
    } else add(out, abs, st.kind === 'file');
    return out;
  }
  const parts = abs.split('/').filter(Boolean);
  const firstWild = parts.findIndex(hasWildcard);
  const base = '/' + parts.slice(0, firstWild).join('/');
  matchComponents(base, parts.slice(firstWild), src, limits, out);
  return out;
}

function add(out: Expanded, file: string, regular: boolean): void {
  out.files.push(file);
  out.regular.push(regular);
}

function matchComponents(dir: string, rest: string[], src: ConfigFileSource, limits: ExpandLimits, out: Expanded): void {
  if (out.limit || out.error) return;
  const [head, ...tail] = rest;
  if (head === undefined) return;
  if (!hasWildcard(head)) {
    const next = path.posix.join(dir, head);
    if (tail.length === 0) {
      const st = src.stat(next);
      if (st.kind === 'dir') includeDirectory(next, src, limits, out, 0, new Set());
      else if (st.kind !== 'missing') add(out, next, st.kind === 'file');
      return;
    }
    if (src.stat(next).kind === 'dir') matchComponents(next, tail, src, limits, out);
    return;
  }
  const listing = src.readDir(dir);
  if (!listing.ok) {
    out.error = `Could not open directory ${dir}: ${listing.code === 'EACCES' ? 'Permission denied' : 'No such file or directory'}`;
    return;
  }
  const kinds = listing.kinds;
  const picked: number[] = [];
  for (let i = 0; i < listing.names.length; i++) if (fnmatch(head, listing.names[i] ?? '')) picked.push(i);
  picked.sort((x, y) => byteCompare(listing.names[x] ?? '', listing.names[y] ?? ''));
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  let matched = 0;
  for (const i of picked) {
    const name = listing.names[i] ?? '';
    // dir is normalized and name has no slash: this is path.posix.join(dir, name).
    const full = name === '.' || name === '..' ? path.posix.join(dir, name) : prefix + name;
    const known = kinds?.[i];
    const st = known ? { kind: known } : src.stat(full);
    if (tail.length > 0) {
      if (st.kind === 'dir') {
        matched++;
        matchComponents(full, tail, src, limits, out);
      }
      continue;
    }
    if (st.kind === 'dir') includeDirectory(full, src, limits, out, 0, new Set());
    else if (st.kind === 'file' || st.kind === 'other') add(out, full, st.kind === 'file');
    else continue;
    matched++;
    if (out.files.length > limits.maxEntries) {
      out.limit = `more than ${limits.maxEntries} files match ${path.posix.join(dir, head)}`;
      return;
    }
  }
  if (matched === 0 && tail.length === 0 && !out.error) {
    out.error = `No matches for the wildcard '${head}' in '${dir}', failing`;
  }
}

function includeDirectory(
  dir: string,
  src: ConfigFileSource,
  limits: ExpandLimits,
  out: Expanded,
  depth: number,
  seen: Set<string>,
): void {
  if (out.limit) return;
  if (depth > limits.maxDepth) {
    out.limit = `directory ${dir} is nested deeper than ${limits.maxDepth} levels`;
    return;
  }
  // A symlink loop would otherwise recurse until the depth limit, doubling each level.
  const real = src.realpath(dir) ?? dir;
  if (seen.has(real)) {
    out.limit = `directory ${dir} leads back to itself through a symbolic link`;
    return;
  }
  seen.add(real);
  const listing = src.readDir(dir);
  if (!listing.ok) {
    out.error = `Could not open config directory ${dir}: ${listing.code === 'EACCES' ? 'Permission denied' : listing.code}`;
    return;
  }
  const kinds = new Map(listing.names.map((n, i) => [n, listing.kinds?.[i]]));
  for (const name of [...listing.names].sort(byteCompare)) {
    const full = path.posix.join(dir, name);
    const known = kinds.get(name);
    const st = known ? { kind: known } : src.stat(full);
    if (st.kind === 'dir') includeDirectory(full, src, limits, out, depth + 1, seen);
    else add(out, full, st.kind === 'file');
    if (out.files.length > limits.maxEntries) {
      out.limit = `more than ${limits.maxEntries} files under ${dir}`;
      return;
    }
  }
  seen.delete(real);
}
