/**
 * The per-directory merge for one request (see sections.ts for the order),
 * with each .htaccess read right after the <Directory> sections of its own
 * depth (ap_directory_walk), and the results the later phases read: the
 * directives in merge order, Options, the last value of a directive, the
 * per-directory RewriteRules in effect, the Action for a handler or type.
 */
import * as path from 'node:path';
import {
  DEFAULT_OPTIONS,
  applyOptions,
  parsedOptions,
  render,
  sectionRegex,
  type Directive,
  type OptionName,
} from '../../apache/index.js';
import type { FileSystem } from '../../system/types.js';
import type { RouteStep } from '../types.js';
import { markSection } from './access.js';
import type { HtaccessRead } from './seams.js';
import {
  depthOf,
  directoryApplies,
  filesApplies,
  isPlainDirectory,
  locationMatches,
  sectionIndex,
  type Section,
} from './sections.js';

const REWRITE_NAMES = new Set(['rewriteengine', 'rewriteoptions', 'rewritebase', 'rewritecond', 'rewriterule']);

export interface MergeInput {
  /** Server-level directives (main server's, then the vhost's): the per-directory defaults every merge starts from. */
  base: readonly Directive[];
  uri: string;
  /** r->filename after the walk; null: a proxied request (no directory walk). */
  filename: string | null;
  isDir?: boolean;
  fs: FileSystem;
  uncertain: string[];
  steps: RouteStep[];
  /** A proxied request: r->filename without "proxy:" (as configured, and de-socketified), for <Proxy> sections (proxy_walk). */
  proxyNames?: string[];
  /** %{VAR} values known for <If>. */
  vars: Record<string, string>;
  /** Reads the .htaccess of `dir` given the directives merged so far (undefined: none, or not allowed). */
  htaccess?: (dir: string, mergedSoFar: readonly Directive[]) => HtaccessRead | undefined;
}

export interface Merged {
  directives: Directive[];
  options?: OptionName[];
  rewrite?: { dir: string; directives: Directive[] };
  last(name: string): string | undefined;
  lastDirective(name: string): Directive | undefined;
  actionFor(handler: string | null, type: string | undefined): { d: Directive } | undefined;
}

export function lastArg(ds: readonly Directive[], name: string): string | undefined {
  for (let i = ds.length - 1; i >= 0; i--) if ((ds[i] as Directive).name === name) return (ds[i] as Directive).args[0];
  return undefined;
}

function outerApply(s: Section, dir: string, base: string, uri: string): boolean {
  for (let i = 0; i < s.chain.length - 1; i++) {
    const c = s.chain[i] as Directive;
    if (c.name === 'directory' || c.name === 'directorymatch') {
      if (!directoryApplies(c, dir)) return false;
    } else if (c.name === 'files' || c.name === 'filesmatch') {
      if (!filesApplies(c, base)) return false;
    } else if (c.name === 'location' || c.name === 'locationmatch') {
      if (!locationMatches(c, uri)) return false;
    } else return false;
  }
  return true;
}

/** ap_expr for the forms that can be decided: -f/-d/-e on a known var, ==/!= strings, =~ regexes. */
export function evalIf(expr: string, vars: Record<string, string>, fs: FileSystem): boolean | undefined {
  const e = expr
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .trim();
  const val = (t: string): string | undefined => {
    const m = /^%\{([A-Za-z0-9_:-]+)\}$/.exec(t.trim());
    if (!m) {
      const q = /^'(.*)'$|^"(.*)"$/.exec(t.trim());
      return q ? (q[1] ?? q[2] ?? '') : undefined;
    }
    const name = (m[1] ?? '').toUpperCase();
    // util_expr_eval.c req_table_func: %{HTTP:Name} / %{REQ:Name} is the request header (the client's are all
    // known: one it does not send is ''), looked up as the HTTP_* var the request's headers give.
    const header = /^(?:HTTP|REQ|HTTP_NOVARY|REQ_NOVARY):(.+)$/.exec(name);
    if (header) {
      if (vars.REQUEST_METHOD === undefined) return undefined;
      return vars[`HTTP_${(header[1] ?? '').replace(/-/g, '_')}`] ?? '';
    }
    return vars[name];
  };
  let m = /^(!\s*)?-([fdes])\s+(.+)$/.exec(e);
  if (m) {
    const p = val(m[3] ?? '');
    if (p === undefined) return undefined;
    const s = fs.stat(p);
    const ok =
      'error' in s
        ? false
        : m[2] === 'f'
          ? s.type === 'file'
          : m[2] === 'd'
            ? s.type === 'dir'
            : m[2] === 's'
              ? s.size > 0
              : true;
    return m[1] ? !ok : ok;
  }
  m = /^(.+?)\s*(==|!=|=~|!~)\s*(.+)$/.exec(e);
  if (m) {
    const left = val(m[1] ?? '');
    if (left === undefined) return undefined;
    if (m[2] === '==' || m[2] === '!=') {
      const right = val(m[3] ?? '');
      if (right === undefined) return undefined;
      return (left === right) === (m[2] === '==');
    }
    const rm = /^\/(.*)\/(i?)$|^m#(.*)#(i?)$/.exec((m[3] ?? '').trim());
    if (!rm) return undefined;
    try {
      const re = new RegExp(rm[1] ?? rm[3] ?? '', (rm[2] ?? rm[4] ?? '') === 'i' ? 'i' : '');
      return re.test(left) === (m[2] === '=~');
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A .htaccess file's directives as they apply to this file: conditionals
 * that are active are see-through, <Files>/<FilesMatch> apply to the file's
 * name, <If> where decidable (core.c allows these sections in .htaccess).
 */
function htaccessBody(ds: readonly Directive[], base: string, inp: MergeInput, depth = 0): Directive[] {
  const out: Directive[] = [];
  if (depth > 16) return out;
  // <If>/<ElseIf>/<Else> chain: 'taken' once a branch applied, 'unknown' once one could not be decided.
  let chain: 'open' | 'taken' | 'unknown' = 'open';
  for (const d of ds) {
    if (!d.active) continue;
    if (!d.isSection) {
      out.push(d);
      continue;
    }
    if (d.name === 'files' || d.name === 'filesmatch') {
      if (filesApplies(d, base)) out.push(...htaccessBody(d.children, base, inp, depth + 1));
    } else if (d.name === 'if' || d.name === 'elseif' || d.name === 'else') {
      if (d.name === 'if') chain = 'open';
      if (chain !== 'open') continue;
      const v = d.name === 'else' ? true : evalIf(d.raw.replace(/>$/, ''), inp.vars, inp.fs);
      if (v === undefined) {
        inp.uncertain.push(
          `<${d.written} ${d.raw}> at ${d.file}:${d.line} cannot be decided statically: assumed false`,
        );
        chain = 'unknown';
      } else if (v) {
        chain = 'taken';
        out.push(...htaccessBody(d.children, base, inp, depth + 1));
      }
    } else if (!SECTION_NAMES_SKIPPED.has(d.name)) out.push(...htaccessBody(d.children, base, inp, depth + 1));
  }
  return out;
}

/** Sections whose bodies do not apply to the file as such (per-method <Limit> is kept: it is see-through). */
const SECTION_NAMES_SKIPPED = new Set(['directory', 'directorymatch', 'location', 'locationmatch', 'virtualhost']);

/** apr_fnmatch without flags: '*' also crosses '/'. */
function fnmatchPath(pattern: string, name: string): boolean {
  const body = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  try {
    return new RegExp(`^${body}$`, 's').test(name);
  } catch {
    return false;
  }
}

export function mergeSections(tree: readonly Directive[], vhost: Directive | undefined, inp: MergeInput): Merged {
  const idx = sectionIndex(tree);
  const all = idx.main.concat(vhost ? (idx.byVhost.get(vhost) ?? []) : []);
  const out: Directive[] = inp.base.filter((d) => !REWRITE_NAMES.has(d.name));
  let rewrite: Merged['rewrite'];
  const add = (s: Section | undefined, body: readonly Directive[], dirForRewrite?: string) => {
    const key = s ? `${s.d.file}:${s.d.line}` : 'htaccess';
    for (const d of body) {
      markSection(d, key);
      out.push(d);
    }
    const rw = body.filter((d) => REWRITE_NAMES.has(d.name));
    if (rw.length > 0 && dirForRewrite !== undefined) rewrite = { dir: dirForRewrite, directives: rw };
    if (s) inp.steps.push({ what: 'section', file: s.d.file, line: s.d.line, text: `${render(s.d)} applies` });
  };
  const file = inp.filename;
  if (file !== null) {
    const dir = inp.isDir ? file.replace(/(.)\/$/, '$1') : path.posix.dirname(file);
    const base = path.posix.basename(file);
    const parts = dir.split('/').filter((x) => x !== '');
    const plain = all.filter((s) => isPlainDirectory(s.d) && s.chain.length === 1 && directoryApplies(s.d, dir));
    // Group 1: <Directory> by depth, each depth followed by that directory's .htaccess.
    for (let depth = 0; depth <= parts.length; depth++) {
      const here = `/${parts.slice(0, depth).join('/')}`;
      for (const s of plain)
        if (depthOf(s.d) === depth || (depth === parts.length && depthOf(s.d) > parts.length))
          add(s, s.body, `${here === '/' ? '' : here}/`);
      const read = inp.htaccess?.(here, out);
      if (read) add(undefined, htaccessBody(read.directives, base, inp), `${here === '/' ? '' : here}/`);
    }
    // Group 2: <DirectoryMatch>, <Directory ~>.
    for (const s of all)
      if (
        (s.d.name === 'directorymatch' || (s.d.name === 'directory' && !isPlainDirectory(s.d))) &&
        s.chain.length === 1 &&
        directoryApplies(s.d, dir)
      )
        add(s, s.body, `${dir}/`);
    // Group 3: <Files>, <FilesMatch> (also nested in a <Directory> that applies).
    for (const s of all)
      if (
        (s.d.name === 'files' || s.d.name === 'filesmatch') &&
        filesApplies(s.d, base) &&
        outerApply(s, dir, base, inp.uri)
      )
        add(s, s.body);
  }
  // A proxied request: <Proxy>/<ProxyMatch> instead of the directory walk (mod_proxy.c proxy_walk: regex, fnmatch, or a
  // case-sensitive prefix of r->filename after "proxy:").
  if (file === null && inp.proxyNames)
    for (const s of all) {
      if ((s.d.name !== 'proxy' && s.d.name !== 'proxymatch') || s.chain.length !== 1) continue;
      const re = sectionRegex(s.d);
      const pat = s.d.args[0] === '~' ? (s.d.args[1] ?? '') : (s.d.args[0] ?? '');
      const hit = inp.proxyNames.some((n) =>
        re === null ? false : re ? re.test(n) : /[*?[]/.test(pat) ? fnmatchPath(pat, n) : n.startsWith(pat),
      );
      if (hit) add(s, s.body);
    }
  // Group 4: <Location>, <LocationMatch>.
  for (const s of all)
    if (
      (s.d.name === 'location' || s.d.name === 'locationmatch') &&
      s.chain.length === 1 &&
      locationMatches(s.d, inp.uri)
    )
      add(s, s.body);
  // Group 5: <If> (top level or inside a section that applied), in config order.
  const dir = file === null ? '' : inp.isDir ? file : path.posix.dirname(file);
  const base = file === null ? '' : path.posix.basename(file);
  let chainTaken = false;
  for (const s of all) {
    if (s.d.name !== 'if' && s.d.name !== 'elseif' && s.d.name !== 'else') continue;
    if (file === null && s.chain.some((c) => c.name.startsWith('directory') || c.name.startsWith('files'))) continue;
    if (!outerApply(s, dir, base, inp.uri)) continue;
    if (s.d.name === 'if') chainTaken = false;
    if (chainTaken) continue;
    if (s.d.name === 'else') {
      add(s, s.body);
      continue;
    }
    const v = evalIf(s.d.raw.replace(/>$/, ''), inp.vars, inp.fs);
    if (v === undefined) {
      // Neither this branch nor the <ElseIf>/<Else> after it can be chosen without the runtime value.
      inp.uncertain.push(
        `<${s.d.written} ${s.d.raw}> at ${s.d.file}:${s.d.line} cannot be decided statically: neither it nor the branches after it are applied`,
      );
      chainTaken = true;
      continue;
    }
    if (v) {
      chainTaken = true;
      add(s, s.body);
    }
  }
  let opts = new Set<OptionName>(DEFAULT_OPTIONS);
  for (const d of out) if (d.name === 'options') opts = applyOptions(opts, parsedOptions(d));
  const merged: Merged = {
    directives: out,
    options: [...opts].sort(),
    last: (name) => lastArg(out, name),
    lastDirective: (name) => {
      for (let i = out.length - 1; i >= 0; i--) if ((out[i] as Directive).name === name) return out[i];
      return undefined;
    },
    actionFor: (handler, type) => {
      for (let i = out.length - 1; i >= 0; i--) {
        const d = out[i] as Directive;
        if (d.name !== 'action') continue;
        const key = (d.args[0] ?? '').toLowerCase();
        if ((handler && key === handler.toLowerCase()) || (!handler && type && key === type.toLowerCase()))
          return { d };
      }
      // Action at server level comes in through the server-level list (mod_actions merges server config too).
      return undefined;
    },
  };
  if (rewrite) merged.rewrite = rewrite;
  return merged;
}
