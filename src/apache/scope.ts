/**
 * Where a directive applies: its virtual host and the sections around it, and
 * the per-directory merge of Options for one file (sections.xml merge order:
 * <Directory> shortest path first, then regex directories, then <Files>, then
 * <Location>; main-server sections before the vhost's of the same kind).
 */
import * as path from 'node:path';
import { fnmatch } from '../util/fnmatch.js';
import { DEFAULT_OPTIONS, OPTION_NAMES, parseOptions, type OptionName, type ParsedOptions } from './options.js';
import { flatTree, TRANSPARENT, type Directive } from './tree.js';

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
const patternParts = new Map<string, { parts: string[]; glob: boolean[]; plain: boolean }>();

/** Absolute, no empty component ("//") and no trailing slash (but "/" itself). */
function isClean(p: string): boolean {
  return p.charCodeAt(0) === 0x2f && p.indexOf('//') === -1 && (p.length === 1 || p.charCodeAt(p.length - 1) !== 0x2f);
}

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
    const glob = parts.map((x) => GLOB_CHARS.test(x));
    pat = { parts, glob, plain: !glob.includes(true) && isClean(pattern) };
    if (patternParts.size > 10_000) patternParts.clear();
    patternParts.set(pattern, pat);
  }
  // Plain absolute paths without empty components: a component-wise prefix is a string prefix ending at a '/'.
  if (pat.plain && isClean(dir)) {
    return pattern === '/' || dir === pattern || (dir.startsWith(pattern) && dir.charCodeAt(pattern.length) === 0x2f);
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
  let current: Directive | undefined;
  let pos = 0;
  const flat = flatTree(tree);
  for (let i = 0; i < flat.nodes.length; i++) {
    if (flat.live[i] === 0) continue;
    const d = flat.nodes[i] as Directive;
    // The flat tree's chains are scopeChain(ancestors) and its vhosts vhostOf(ancestors), shared.
    const chain = flat.chains[i] as Directive[];
    const vhost = flat.vhosts[i];
    if (!vhost) {
      const sd = { d, chain };
      const list = index.main.get(d.name);
      if (list) list.push(sd);
      else index.main.set(d.name, [sd]);
      continue;
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
  }
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
  for (; i < list.pos.length && (list.pos[i] as number) < end; i++)
    out.push({ d: list.d[i] as Directive, chain: list.chain[i] as Directive[] });
  return out;
}

/** The vhost's own active directives named `name`: positions [from, to) of the index's list, or undefined for none. */
function vhostRange(
  index: ScopeIndex,
  name: string,
  vhost: Directive,
): { list: NameList; from: number; to: number } | undefined {
  const start = index.rangeStarts.get(vhost);
  const list = start === undefined ? undefined : index.inVhosts.get(name);
  if (start === undefined || !list) return undefined;
  const end = index.rangeEnds.get(vhost) ?? start;
  const from = lowerBound(list.pos, start);
  let to = from;
  while (to < list.pos.length && (list.pos[to] as number) < end) to++;
  return to > from ? { list, from, to } : undefined;
}

/**
 * Every active directive named `name` in the main server, then in the given
 * vhost (in read order within each).
 */
export function collectInScope(
  tree: readonly Directive[],
  name: string,
  vhost: Directive | undefined,
): ScopedDirective[] {
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

/** Is there an active directive `name` anywhere (main server or any vhost) that passes `test`? */
export function someInScope(tree: readonly Directive[], name: string, test: (d: Directive) => boolean): boolean {
  const index = scopeIndex(tree);
  if ((index.main.get(name) ?? NONE).some((sd) => test(sd.d))) return true;
  return index.inVhosts.get(name)?.d.some(test) ?? false;
}

// Options lines parsed once each, not once per setup that inherits them.
const parsedOptionsCache = new WeakMap<Directive, ParsedOptions>();

/** parseOptions(d.args), computed once per directive (callers must not mutate the result). */
export function parsedOptions(d: Directive): ParsedOptions {
  let p = parsedOptionsCache.get(d);
  if (!p) {
    p = parseOptions(d.args);
    parsedOptionsCache.set(d, p);
  }
  return p;
}

/** An Options line as bit masks over OPTION_NAMES: replace (-1: keeps the inherited set), remove, add. */
interface OptionMasks {
  replace: number;
  remove: number;
  add: number;
}

const optionMasks = new WeakMap<Directive, OptionMasks>();

function maskOf(set: ReadonlySet<OptionName>): number {
  let m = 0;
  for (let i = 0; i < OPTION_NAMES.length; i++) if (set.has(OPTION_NAMES[i] as OptionName)) m |= 1 << i;
  return m;
}

function masksOf(d: Directive): OptionMasks {
  let m = optionMasks.get(d);
  if (!m) {
    const p = parsedOptions(d);
    m = { replace: p.replace ? maskOf(p.replace) : -1, remove: maskOf(p.remove), add: maskOf(p.add) };
    optionMasks.set(d, m);
  }
  return m;
}

const DEFAULT_MASK = maskOf(new Set(DEFAULT_OPTIONS));

// A server has a handful of distinct Options results; each setup gets its own copy (callers may keep it).
const namesByMask = new Map<number, OptionName[]>();

/** The option names of a mask, sorted (OPTION_NAMES is in sort order). */
function namesOf(mask: number): OptionName[] {
  let names = namesByMask.get(mask);
  if (!names) {
    names = [];
    for (let i = 0; i < OPTION_NAMES.length; i++) if (mask & (1 << i)) names.push(OPTION_NAMES[i] as OptionName);
    namesByMask.set(mask, names);
  }
  return names.slice();
}

export interface EffectiveOptions {
  options: OptionName[];
  /** The Options directives that shaped the result, in merge order. */
  from: Directive[];
}

/** An Options line that applies, with its merge group (sections.xml order) and, for <Directory path>, its depth. */
interface Picked {
  d: Directive;
  group: number;
  depth: number;
  seq: number;
}

/** Merge group of one Options line for `dir`/`base`, or -1 when it does not apply. */
function groupOf(chain: readonly Directive[], dir: string, base: string): number {
  let last: Directive | undefined;
  let n = 0;
  for (let i = 0; i < chain.length; i++) {
    const s = chain[i] as Directive;
    if (s.name === 'virtualhost') continue;
    if (s.runtime) return -1;
    n++;
    last = s;
  }
  if (n === 0 || !last) return 0;
  for (let i = 0; i < chain.length; i++) {
    const s = chain[i] as Directive;
    if (s.name !== 'virtualhost' && !sectionApplies(s, dir, base)) return -1;
  }
  if (last.name === 'directory' && sectionRegex(last) === undefined) return 1;
  if (last.name === 'directory' || last.name === 'directorymatch') return 2;
  if (last.name === 'files' || last.name === 'filesmatch') return 3;
  return -1;
}

/**
 * Options in effect for `file` (absolute path)
 * inside `vhost` (or the main server).
 */
export function effectiveOptions(
  tree: readonly Directive[],
  vhost: Directive | undefined,
  file: string,
): EffectiveOptions {
  const index = scopeIndex(tree);
  const main = index.main.get('options') ?? NONE;
  const own = vhost ? vhostRange(index, 'options', vhost) : undefined;
  if (main.length === 0 && !own) return { options: namesOf(DEFAULT_MASK), from: [] };
  const dir = path.posix.dirname(file);
  const base = path.posix.basename(file);
  const picked: Picked[] = [];
  const consider = (d: Directive, chain: readonly Directive[]) => {
    const group = groupOf(chain, dir, base);
    if (group < 0) return;
    const last = group === 1 ? chain[chain.length - 1] : undefined;
    picked.push({ d, group, depth: last ? components(last.args[0] ?? '/').length : 0, seq: picked.length });
  };
  for (let i = 0; i < main.length; i++) {
    const sd = main[i] as ScopedDirective;
    consider(sd.d, sd.chain);
  }
  if (own)
    for (let i = own.from; i < own.to; i++) consider(own.list.d[i] as Directive, own.list.chain[i] as Directive[]);
  // Groups in order; within <Directory path>, shortest first (stable: same depth keeps file order, main server before vhost).
  if (picked.length > 1)
    picked.sort((a, b) => a.group - b.group || (a.group === 1 ? a.depth - b.depth : 0) || a.seq - b.seq);
  let current = DEFAULT_MASK;
  const from: Directive[] = [];
  for (const p of picked) {
    const m = masksOf(p.d);
    current = ((m.replace === -1 ? current : m.replace) & ~m.remove) | m.add;
    from.push(p.d);
  }
  return { options: namesOf(current), from };
}

export function sectionApplies(s: Directive, dir: string, base: string): boolean {
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
    // A file's place says nothing of the URL it was asked by: <Location> and
    // <Proxy> sections are not applied to a file.
    case 'location':
    case 'locationmatch':
    case 'proxy':
    case 'proxymatch':
      return false;
    default:
      return true;
  }
}
