/**
 * The per-directory configuration of one request, merged in httpd's order
 * (server/request.c ap_directory_walk, ap_file_walk, ap_location_walk,
 * ap_if_walk; docs sections.xml "How the sections are merged"):
 *  1. <Directory path> without regex, shortest first; after the sections of
 *     each depth, that directory's .htaccess (where AllowOverride permits);
 *  2. <DirectoryMatch> / <Directory ~>, in config order;
 *  3. <Files> / <FilesMatch>;
 *  4. <Location> / <LocationMatch> against r->uri;
 *  5. <If>, evaluated where decidable.
 * Main-server sections come before the vhost's of the same group.
 *
 * The sections of a tree are indexed once (one pass over flatTree): a
 * request then looks only at the main server's and its own vhost's sections.
 */
import * as path from 'node:path';
import { directoryCovers, flatTree, sectionRegex, type Directive } from '../../apache/index.js';
import { fnmatch } from '../../util/fnmatch.js';

export interface Section {
  d: Directive;
  /** Outer scoping sections (excluding <VirtualHost>), outermost first, then d itself. */
  chain: Directive[];
  /** Directives directly inside (conditionals see-through), in read order. */
  body: Directive[];
  seq: number;
}

interface SectionIndex {
  main: Section[];
  byVhost: Map<Directive, Section[]>;
  /** Server-level directives (outside every section) of the main server and of each vhost. */
  mainTop: Directive[];
  vhostTop: Map<Directive, Directive[]>;
}

const indexes = new WeakMap<readonly Directive[], SectionIndex>();

export const SCOPING = new Set([
  'directory',
  'directorymatch',
  'files',
  'filesmatch',
  'location',
  'locationmatch',
  'if',
  'elseif',
  'else',
  'proxy',
  'proxymatch',
]);

/** Authorization containers: their Require lines belong to the section around them, with the container noted. */
export const AUTHZ = new Set(['requireall', 'requireany', 'requirenone']);

/** The <RequireAll>/<RequireAny>/<RequireNone> a Require line sits in (innermost), if any. */
export const authzContainer = new WeakMap<Directive, string>();

export function sectionIndex(tree: readonly Directive[]): SectionIndex {
  const cached = indexes.get(tree);
  if (cached) return cached;
  const idx: SectionIndex = { main: [], byVhost: new Map(), mainTop: [], vhostTop: new Map() };
  const flat = flatTree(tree);
  const bySection = new Map<Directive, Section>();
  let seq = 0;
  for (let i = 0; i < flat.nodes.length; i++) {
    if (flat.live[i] === 0) continue;
    const d = flat.nodes[i] as Directive;
    const chain = (flat.chains[i] as Directive[]).filter((s) => SCOPING.has(s.name));
    const raw = flat.chains[i] as Directive[];
    const innerRaw = raw[raw.length - 1];
    if (innerRaw && AUTHZ.has(innerRaw.name)) authzContainer.set(d, innerRaw.name);
    const vhost = flat.vhosts[i];
    if (d.isSection && SCOPING.has(d.name)) {
      const s: Section = { d, chain: chain.concat(d), body: [], seq: seq++ };
      bySection.set(d, s);
      if (vhost) {
        const list = idx.byVhost.get(vhost);
        if (list) list.push(s);
        else idx.byVhost.set(vhost, [s]);
      } else idx.main.push(s);
      continue;
    }
    if (d.isSection) continue;
    const inner = chain[chain.length - 1];
    if (inner) {
      // <Limit> is transparent for the merge (its directives apply per method; the model keeps them).
      const owner = bySection.get(inner);
      owner?.body.push(d);
    } else if (vhost) {
      const list = idx.vhostTop.get(vhost);
      if (list) list.push(d);
      else idx.vhostTop.set(vhost, [d]);
    } else idx.mainTop.push(d);
  }
  indexes.set(tree, idx);
  return idx;
}

/** core.c: <Location> (non-regex) matches r->uri segment-wise, slashes merged; wildcards as fnmatch with FNM_PATHNAME. */
export function locationMatches(s: Directive, uri: string): boolean {
  const re = sectionRegex(s);
  if (re === null) return false;
  if (re) return re.test(uri);
  const pat = (s.args[0] ?? '').replace(/\/{2,}/g, '/');
  const u = uri.replace(/\/{2,}/g, '/');
  if (/[*?[]/.test(pat)) {
    const pp = pat.split('/');
    const up = u.split('/');
    if (up.length < pp.length) return false;
    return pp.every((p, i) => fnmatch(p, up[i] ?? '') || p === up[i]);
  }
  if (pat === '/') return true;
  if (!u.startsWith(pat)) return false;
  return pat.endsWith('/') || u.length === pat.length || u[pat.length] === '/';
}

export function isPlainDirectory(s: Directive): boolean {
  return s.name === 'directory' && sectionRegex(s) === undefined;
}

export function depthOf(s: Directive): number {
  return (s.args[0] ?? '/').split('/').filter((x) => x !== '').length;
}

/** Does a directory-kind section apply to directory `dir`? */
export function directoryApplies(s: Directive, dir: string): boolean {
  const re = sectionRegex(s);
  if (re === null) return false;
  if (re) return re.test(dir) || re.test(`${dir}/`);
  return directoryCovers(s.args[0] ?? '', dir);
}

export function filesApplies(s: Directive, base: string): boolean {
  const re = sectionRegex(s);
  if (re === null) return false;
  if (re) return re.test(base);
  return s.args[0] === base || fnmatch(s.args[0] ?? '', base);
}

export function dirname(p: string): string {
  return path.posix.dirname(p);
}
