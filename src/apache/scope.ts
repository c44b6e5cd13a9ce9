/**
 * Where a directive applies: its virtual host and the sections around it, and
 * the per-directory merge of Options for one file (sections.xml merge order:
 * <Directory> shortest path first, then regex directories, then <Files>, then
 * <Location>; main-server sections before the vhost's of the same kind).
 */
import * as path from 'node:path';
import { fnmatch } from './glob.js';
import { applyOptions, DEFAULT_OPTIONS, parseOptions, type OptionName } from './options.js';
import { TRANSPARENT, walk, type Directive } from './tree.js';

/** Sections that scope directives (conditionals and includes are see-through). */
export function scopeChain(ancestors: readonly Directive[]): Directive[] {
  return ancestors.filter((a) => a.isSection && !TRANSPARENT.has(a.name));
}

export function vhostOf(ancestors: readonly Directive[]): Directive | undefined {
  return ancestors.find((a) => a.name === 'virtualhost');
}

/** Regex of a <Directory ~ re>/<DirectoryMatch re>-style section, or undefined for a plain one. */
export function sectionRegex(sec: Directive): RegExp | undefined | null {
  const isMatch = sec.name.endsWith('match');
  const src = isMatch ? sec.args[0] : sec.args[0] === '~' ? sec.args[1] : undefined;
  if (src === undefined) return undefined;
  try {
    return new RegExp(src);
  } catch {
    return null;
  }
}

/** Does a plain <Directory path> cover `dir` (absolute, no trailing slash needed)? */
export function directoryCovers(pattern: string, dir: string): boolean {
  const pat = pattern.replace(/\/+$/, '').split('/').filter(Boolean);
  const parts = dir.replace(/\/+$/, '').split('/').filter(Boolean);
  if (pat.length > parts.length) return false;
  return pat.every((p, i) => {
    const d = parts[i] ?? '';
    return p === d || (/[*?[]/.test(p) && fnmatch(p, d));
  });
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

interface ScopeIndex {
  /** Active directives by name: the main server's, and each vhost's. */
  main: Map<string, ScopedDirective[]>;
  vhosts: Map<Directive, Map<string, ScopedDirective[]>>;
}

// One walk per tree instead of one per question: checks ask per setup, and a
// server with thousands of vhosts would otherwise cost vhosts × directives.
const indexes = new WeakMap<readonly Directive[], ScopeIndex>();

function push(map: Map<string, ScopedDirective[]>, name: string, sd: ScopedDirective): void {
  const list = map.get(name);
  if (list) list.push(sd);
  else map.set(name, [sd]);
}

export function scopeIndex(tree: readonly Directive[]): ScopeIndex {
  const cached = indexes.get(tree);
  if (cached) return cached;
  const index: ScopeIndex = { main: new Map(), vhosts: new Map() };
  // Siblings share their ancestors array: compute its chain and vhost once.
  let lastAnc: readonly Directive[] | undefined;
  let chain: Directive[] = [];
  let vhost: Directive | undefined;
  walk(tree, (d, anc) => {
    if (!d.active) return false;
    if (d.name === 'macro' && d.isSection) return false;
    if (anc !== lastAnc) {
      lastAnc = anc;
      chain = scopeChain(anc);
      vhost = vhostOf(anc);
    }
    const sd = { d, chain };
    if (!vhost) push(index.main, d.name, sd);
    else {
      let m = index.vhosts.get(vhost);
      if (!m) {
        m = new Map();
        index.vhosts.set(vhost, m);
      }
      push(m, d.name, sd);
    }
    return true;
  });
  indexes.set(tree, index);
  return index;
}

/**
 * Every active directive named `name` in the main server, then in the given
 * vhost (in read order within each).
 */
export function collectInScope(tree: readonly Directive[], name: string, vhost: Directive | undefined): ScopedDirective[] {
  const index = scopeIndex(tree);
  const main = index.main.get(name) ?? [];
  if (!vhost) return main;
  return [...main, ...(index.vhosts.get(vhost)?.get(name) ?? [])];
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
  for (const sd of collectInScope(tree, 'options', vhost)) {
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
      dirDepth.set(sd.d, (last.args[0] ?? '/').split('/').filter(Boolean).length);
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
      current = applyOptions(current, parseOptions(sd.d.args));
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
