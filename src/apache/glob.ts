/**
 * Include/IncludeOptional path expansion as httpd 2.4 does it (config.c
 * ap_process_fnmatch_configs, util.c ap_dir_fnmatch): wildcards in any
 * component, apr_fnmatch with APR_FNM_PERIOD (wildcards never match a leading
 * dot), candidates sorted with strcmp per directory level, intermediate
 * wildcard components match directories only, a directory includes every file
 * below it (dotfiles too).
 */
import * as path from 'node:path';
import type { ConfigFileSource, FileKind } from './source.js';
import { fnmatch, hasWildcard } from '../util/fnmatch.js';

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
  /** httpd's AP_MAX_INCLUDE_DIR_DEPTH (128): deeper is its error, not ours. */
  maxDepth: number;
}

export interface Expanded {
  files: string[];
  /** `regular[i]`: files[i] is known to be a regular file (listing or stat said so). */
  regular: boolean[];
  /** httpd's own error text when the pattern is fatal. */
  error?: string;
  /**
   * A path this user may not see (EACCES): httpd reads its configuration as
   * root, so this says nothing about Apache, only that the analysis is partial.
   */
  hidden?: string;
  /** A runaway glob or directory stopped by our limits. */
  limit?: string;
}

/** strerror() of the codes a configuration path can fail with. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links',
  ENOTDIR: 'Not a directory',
  ENAMETOOLONG: 'File name too long',
  EIO: 'Input/output error',
};

export function strerror(code: string | undefined): string {
  return STRERROR[code ?? ''] ?? code ?? 'unknown error';
}

/** One Include's walk: its output and the work done (directories listed). */
interface Walk {
  out: Expanded;
  src: ConfigFileSource;
  limits: ExpandLimits;
  optional: boolean;
  listings: number;
  /** Canonical paths of the directories being read, outermost first. */
  stack: string[];
  /** Times a directory was entered again from inside itself (through a symlink). */
  reentries: number;
}

/**
 * One symlink back to its own directory is unrolled by httpd until the path
 * has 40 of them (then ELOOP, skipped by IncludeOptional): cheap. Two make
 * it branch 2^40 ways; httpd never finishes. Past this many re-entries we stop.
 */
const MAX_REENTRIES = 256;

/**
 * Files that `Include pattern` (or IncludeOptional, `optional`) reads, in
 * httpd's order, with the error httpd stops at. `pattern` must already be
 * absolute (ServerRoot applied). As httpd: a directory is read whole, any
 * entry that cannot be examined (dangling or looping symlink) is fatal for
 * Include and skipped by IncludeOptional; nothing but a stat is done to
 * what is not a regular file (a FIFO or a device is never opened).
 */
export function expandInclude(
  pattern: string,
  src: ConfigFileSource,
  limits: ExpandLimits,
  optional = false,
): Expanded {
  const w: Walk = { out: { files: [], regular: [] }, src, limits, optional, listings: 0, stack: [], reentries: 0 };
  const abs = path.posix.normalize(pattern);
  if (!hasWildcard(abs)) {
    candidate(w, abs, undefined, 0);
    return w.out;
  }
  const parts = abs.split('/').filter(Boolean);
  const firstWild = parts.findIndex(hasWildcard);
  const base = `/${parts.slice(0, firstWild).join('/')}`;
  matchComponents(w, base, parts.slice(firstWild));
  return w.out;
}

function add(out: Expanded, file: string, regular: boolean): void {
  out.files.push(file);
  out.regular.push(regular);
}

function stopped(out: Expanded): boolean {
  return out.limit !== undefined || out.error !== undefined || out.hidden !== undefined;
}

/** Lists a directory, counting the work: a symlink loop under IncludeOptional would otherwise branch without end. */
function list(w: Walk, dir: string): ReturnType<ConfigFileSource['readDir']> | undefined {
  if (++w.listings > w.limits.maxEntries) {
    w.out.limit = `more than ${w.limits.maxEntries} directories listed under ${dir} (a symbolic link loop?)`;
    return undefined;
  }
  return w.src.readDir(dir);
}

/** httpd's process_resource_config_nofnmatch: a directory is read whole, anything else is one file. */
function candidate(w: Walk, full: string, known: FileKind | undefined, depth: number): void {
  const st = known ? { kind: known, code: undefined } : w.src.stat(full);
  if (st.kind === 'dir') {
    includeDirectory(w, full, depth + 1);
    return;
  }
  if (st.kind === 'file' || st.kind === 'other') {
    add(w.out, full, st.kind === 'file');
    return;
  }
  if (st.code === 'EACCES') {
    w.out.hidden = `Could not examine ${full}: Permission denied`;
    return;
  }
  // IncludeOptional skips what cannot be examined: missing, a dangling or looping symlink.
  if (w.optional) return;
  w.out.error = `Could not open configuration file ${full}: ${strerror(st.code)}`;
}

function matchComponents(w: Walk, dir: string, rest: string[]): void {
  const { out, src } = w;
  if (stopped(out)) return;
  const [head, ...tail] = rest;
  if (head === undefined) return;
  if (!hasWildcard(head)) {
    const next = path.posix.join(dir, head);
    if (tail.length === 0) {
      const st = src.stat(next);
      if (st.kind !== 'missing' || st.code === 'EACCES' || !w.optional)
        candidate(w, next, st.kind === 'missing' ? undefined : st.kind, 0);
      return;
    }
    const st = src.stat(next);
    if (st.kind === 'dir') matchComponents(w, next, tail);
    else if (st.code === 'EACCES') out.hidden = `Could not examine ${next}: Permission denied`;
    return;
  }
  const listing = list(w, dir);
  if (!listing) return;
  if (!listing.ok) {
    if (listing.code === 'EACCES') out.hidden = `Could not open directory ${dir}: Permission denied`;
    else if (!w.optional)
      out.error = `Could not open directory ${dir}: ${strerror(listing.code === 'ENOTDIR' ? 'ENOENT' : listing.code)}`;
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
    if (tail.length > 0) {
      // A wildcard inside the path matches directories only.
      const st = known ? { kind: known } : src.stat(full);
      if (st.kind === 'dir') {
        matched++;
        matchComponents(w, full, tail);
      }
    } else {
      // Every name the wildcard matches is read, whatever it turns out to be.
      matched++;
      candidate(w, full, known, 0);
    }
    if (stopped(out)) return;
    if (out.files.length > w.limits.maxEntries) {
      out.limit = `more than ${w.limits.maxEntries} files match ${path.posix.join(dir, head)}`;
      return;
    }
  }
  if (matched === 0 && tail.length === 0 && !w.optional) {
    out.error = `No matches for the wildcard '${head}' in '${dir}', failing`;
  }
}

function includeDirectory(w: Walk, dir: string, depth: number): void {
  const { out } = w;
  if (stopped(out)) return;
  if (depth > w.limits.maxDepth) {
    out.error = `Directory ${dir} exceeds the maximum include directory nesting level of ${w.limits.maxDepth}. You have probably a recursion somewhere.`;
    return;
  }
  const real = w.src.realpath(dir) ?? dir;
  if (w.stack.includes(real) && ++w.reentries > MAX_REENTRIES) {
    out.limit = `symbolic links under ${w.stack[0] ?? dir} lead back into their own directory from more than one place: Apache would read the same files over and over without end`;
    return;
  }
  const listing = list(w, dir);
  if (!listing) return;
  w.stack.push(real);
  try {
    readListing(w, dir, listing, depth);
  } finally {
    w.stack.pop();
  }
}

function readListing(w: Walk, dir: string, listing: ReturnType<ConfigFileSource['readDir']>, depth: number): void {
  const { out } = w;
  if (!listing.ok) {
    if (listing.code === 'EACCES') out.hidden = `Could not open config directory ${dir}: Permission denied`;
    else out.error = `Could not open config directory ${dir}: ${strerror(listing.code)}`;
    return;
  }
  const kinds = new Map(listing.names.map((n, i) => [n, listing.kinds?.[i]]));
  for (const name of [...listing.names].sort(byteCompare)) {
    if (name === '.' || name === '..') continue;
    candidate(w, path.posix.join(dir, name), kinds.get(name), depth);
    if (stopped(out)) return;
    if (out.files.length > w.limits.maxEntries) {
      out.limit = `more than ${w.limits.maxEntries} files under ${dir}`;
      return;
    }
  }
}
