/**
 * Where a directive applies: its virtual host and the sections around it, and
 * the per-directory merge of Options for one file (sections.xml merge order:
 * <Directory> shortest path first, then regex directories, then <Files>, then
 * <Location>; main-server sections before the vhost's of the same kind).
 */
import * as path from 'node:path';
import { fnmatch } from './glob.js';
import { applyOptions, DEFAULT_OPTIONS, parseOptions, type OptionName, type ParsedOptions } from './options.js';
import { TRANSPARENT, walk, type Directive } from './tree.js';

/** Sections that scope directives (conditionals and includes are see-through). */
export function scopeChain(ancestors: readonly Directive[]): Directive[] {
  return ancestors.filter((a) => a.isSection && !TRANSPARENT.has(a.name));
}

export function vhostOf(ancestors: readonly Directive[]): Directive | undefined {
  return ancestors.find((a) => a.name === 'virtualhost');
}

// A section's regex, compiled once per section (sections are asked per setup).
const regexes = new WeakMap<Directive, RegExp | null | undefined>();

/** Regex of a <Directory ~ re>/<DirectoryMatch re>-style section, or undefined for a plain one. */
export function sectionRegex(sec: Directive): RegExp | undefined | null {
  if (regexes.has(sec)) return regexes.get(sec);
  const isMatch = sec.name.endsWith('match');
  const src = isMatch ? sec.args[0] : sec.args[0] === '~' ? sec.args[1] : undefined;
  let re: RegExp | null | undefined;
  if (src !== undefined) {
    try {
      re = new RegExp(src);
    } catch {
      re = null;
    }
  }
  regexes.set(sec, re);
  return re;
}

const GLOB_CHARS = /[*?[]/;
const patternParts = new Map<string, { parts: string[]; glob: boolean[] }>();

/** A path's components, without empty ones ("/a//b/" → a, b). */
function components(p: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i === p.length || p.charCodeAt(i) === 0x2f) {
      if (i > start) out.push(p.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** Does a plain <Directory path> cover `dir` (absolute, no trailing slash needed)? */
export function directoryCovers(pattern: string, dir: string): boolean {
  let pat = patternParts.get(pattern);
  if (!pat) {
    const parts = components(pattern);
    pat = { parts, glob: parts.map((x) => GLOB_CHARS.test(x)) };
    if (patternParts.size > 10_000) patternParts.clear();
    patternParts.set(pattern, pat);
  }
  const parts = components(dir);
  if (pat.parts.length > parts.length) return false;
  for (let i = 0; i < pat.parts.length; i++) {
    const p = pat.parts[i] as string;
    const d = parts[i] ?? '';
    if (p !== d && !(pat.glob[i] && fnmatch(p, d))) return false;
  }
  return true;
}

export function locationCovers(sec: Directive, url: string): boolean {
  const re = sectionRegex(sec);
  if (re === null) return false;
  if (re) return re.test(url);
  const p = sec.args[0] ?? '';
  if (/[*?[]/.test(p)) return new RegExp(`^${p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}`).test(url);
  return url === p || url.startsWith(p.endsWith('/') ? p : `${p}/`) || url.startsWith(p);
}

export interface ScopedDirective {
  d: Directive;
  /** Scoping sections, outermost first. */
  chain: Directive[];
}

/** One name's directives inside vhosts, in read order, as parallel arrays (no object per directive). */
interface NameList {
  /** Read-order position of each directive among all vhost directives. */
  pos: number[];
  d: Directive[];
  chain: Directive[][];
}

interface ScopeIndex {
  /** Active directives of the main server, by name. */
  main: Map<string, ScopedDirective[]>;
  /**
   * Active directives inside vhosts, by name, across all vhosts. A vhost's
   * directives are consecutive in read order, so each vhost is one range of
   * positions, found by binary search: no table per vhost.
   */
  inVhosts: Map<string, NameList>;
  /** Each vhost's range of positions: [start, end). */
  rangeStarts: Map<Directive, number>;
  rangeEnds: Map<Directive, number>;
}

// One walk per tree instead of one per question: checks ask per setup, and a
// server with thousands of vhosts would otherwise cost vhosts × directives.
const indexes = new WeakMap<readonly Directive[], ScopeIndex>();

function scopeIndex(tree: readonly Directive[]): ScopeIndex {
  const cached = indexes.get(tree);
  if (cached) return cached;
  const index: ScopeIndex = { main: new Map(), inVhosts: new Map(), rangeStarts: new Map(), rangeEnds: new Map() };
  // Siblings share their ancestors array: compute its chain and vhost once.
  let lastAnc: readonly Directive[] | undefined;
  let chain: Directive[] = [];
  let vhost: Directive | undefined;
  let current: Directive | undefined;
  let pos = 0;
  walk(tree, (d, anc) => {
    if (!d.active) return false;
    if (d.name === 'macro' && d.isSection) return false;
    if (anc !== lastAnc) {
      lastAnc = anc;
      chain = scopeChain(anc);
      vhost = vhostOf(anc);
    }
    if (!vhost) {
      const sd = { d, chain };
      const list = index.main.get(d.name);
      if (list) list.push(sd);
      else index.main.set(d.name, [sd]);
      return true;
    }
    if (vhost !== current) {
      if (current) index.rangeEnds.set(current, pos);
      current = vhost;
      index.rangeStarts.set(vhost, pos);
    }
    let list = index.inVhosts.get(d.name);
    if (!list) {
      list = { pos: [], d: [], chain: [] };
      index.inVhosts.set(d.name, list);
    }
    list.pos.push(pos);
    list.d.push(d);
    list.chain.push(chain);
    pos++;
    return true;
  });
  if (current) index.rangeEnds.set(current, pos);
  indexes.set(tree, index);
  return index;
}

/** First i with xs[i] >= x. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The vhost's own active directives named `name`, in read order (undefined: none). */
function inVhost(index: ScopeIndex, name: string, vhost: Directive): ScopedDirective[] | undefined {
  const start = index.rangeStarts.get(vhost);
  const list = start === undefined ? undefined : index.inVhosts.get(name);
  if (start === undefined || !list) return undefined;
  const end = index.rangeEnds.get(vhost) ?? start;
  let i = lowerBound(list.pos, start);
  if (i >= list.pos.length || (list.pos[i] as number) >= end) return undefined;
  const out: ScopedDirective[] = [];
  for (; i < list.pos.length && (list.pos[i] as number) < end; i++) out.push({ d: list.d[i] as Directive, chain: list.chain[i] as Directive[] });
  return out;
}

/**
 * Every active directive named `name` in the main server, then in the given
 * vhost (in read order within each).
 */
export function collectInScope(tree: readonly Directive[], name: string, vhost: Directive | undefined): ScopedDirective[] {
  const index = scopeIndex(tree);
  const main = index.main.get(name) ?? NONE;
  if (!vhost) return main;
  const own = inVhost(index, name, vhost);
  // The index's own list when the vhost adds nothing (callers only read it).
  if (!own) return main;
  if (main.length === 0) return own;
  return main.concat(own);
}

const NONE: ScopedDirective[] = [];

// Options lines parsed once each, not once per setup that inherits them.
const parsedOptions = new WeakMap<Directive, ParsedOptions>();

function optionsOf(d: Directive): ParsedOptions {
  let p = parsedOptions.get(d);
  if (!p) {
    p = parseOptions(d.args);
    parsedOptions.set(d, p);
  }
  return p;
}

export interface EffectiveOptions {
  options: OptionName[];
  /** The Options directives that shaped the result, in merge order. */
  from: Directive[];
}

/**
 * Options in effect for `file` (absolute path), optionally requested as `url`,
 * inside `vhost` (or the main server).
 */
export function effectiveOptions(tree: readonly Directive[], vhost: Directive | undefined, file: string, url?: string): EffectiveOptions {
  const dir = path.posix.dirname(file);
  const base = path.posix.basename(file);
  const groups: ScopedDirective[][] = [[], [], [], [], []];
  const dirDepth = new Map<Directive, number>();
  const all = collectInScope(tree, 'options', vhost);
  if (all.length === 0) return { options: [...DEFAULT_OPTIONS].sort(), from: [] };
  for (const sd of all) {
    const inner = sd.chain.filter((s) => s.name !== 'virtualhost');
    if (inner.some((s) => s.runtime)) continue;
    if (inner.length === 0) {
      groups[0]?.push(sd);
      continue;
    }
    const applies = inner.every((s) => sectionApplies(s, dir, base, url));
    if (!applies) continue;
    const last = inner[inner.length - 1];
    if (!last) continue;
    if (last.name === 'directory' && sectionRegex(last) === undefined) {
      dirDepth.set(sd.d, components(last.args[0] ?? '/').length);
      groups[1]?.push(sd);
    } else if (last.name === 'directory' || last.name === 'directorymatch') groups[2]?.push(sd);
    else if (last.name === 'files' || last.name === 'filesmatch') groups[3]?.push(sd);
    else if (last.name === 'location' || last.name === 'locationmatch') groups[4]?.push(sd);
  }
  // Stable sort: same depth keeps file order, main server before vhost.
  groups[1]?.sort((a, b) => (dirDepth.get(a.d) ?? 0) - (dirDepth.get(b.d) ?? 0));
  let current = new Set<OptionName>(DEFAULT_OPTIONS);
  const from: Directive[] = [];
  for (const g of groups) {
    for (const sd of g) {
      current = applyOptions(current, optionsOf(sd.d));
      from.push(sd.d);
    }
  }
  return { options: [...current].sort(), from };
}

export function sectionApplies(s: Directive, dir: string, base: string, url?: string): boolean {
  switch (s.name) {
    case 'directory':
    case 'directorymatch': {
      const re = sectionRegex(s);
      if (re === null) return false;
      if (re) return re.test(dir) || re.test(`${dir}/`);
      return directoryCovers(s.args[0] ?? '', dir);
    }
    case 'files':
    case 'filesmatch': {
      const re = sectionRegex(s);
      if (re === null) return false;
      if (re) return re.test(base);
      return fnmatch(s.args[0] ?? '', base) || s.args[0] === base;
    }
    case 'location':
    case 'locationmatch':
      return url !== undefined && locationCovers(s, url);
    case 'proxy':
    case 'proxymatch':
      return false;
    default:
      return true;
  }
}
