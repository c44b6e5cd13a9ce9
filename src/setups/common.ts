/**
 * Helpers shared by the three module extractors: walking every directive
 * (live and skipped branches, but not macro bodies: they count where used),
 * describing sections and vhosts, and the handler sections of a tree.
 */
import * as path from 'node:path';
import { flatTree, render, vhostValue, type Directive } from '../apache/index.js';
import type { Mapping, OptionsLine, SectionRef, SourceRef, VhostRef } from './types.js';

export interface Visited {
  d: Directive;
  ancestors: readonly Directive[];
}

/**
 * Every directive named in `names` (all when omitted), except in macro
 * bodies, in read order, with ancestors.
 */
export function everyDirective(tree: readonly Directive[], names?: ReadonlySet<string>): Visited[] {
  const out: Visited[] = [];
  const { nodes, ancestors } = flatTree(tree);
  for (let i = 0; i < nodes.length; i++) {
    const d = nodes[i] as Directive;
    if (!names || names.has(d.name)) out.push({ d, ancestors: ancestors[i] as readonly Directive[] });
  }
  return out;
}

/** The innermost ancestor that satisfies `test` (what [...ancestors].reverse().find(test) gives, without the copies). */
export function innermost(ancestors: readonly Directive[], test: (a: Directive) => boolean): Directive | undefined {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i] as Directive;
    if (test(a)) return a;
  }
  return undefined;
}

export function ref(d: Directive): SourceRef {
  return { file: d.file, line: d.line, includedFrom: d.includedFrom };
}

/** An Options directive as the merge saw it: where, and its words. */
export function optionsLine(d: Directive): OptionsLine {
  return { ...ref(d), args: d.args };
}

export function sectionRefs(ancestors: readonly Directive[]): SectionRef[] {
  const out: SectionRef[] = [];
  for (let i = 0; i < ancestors.length; i++) {
    const a = ancestors[i] as Directive;
    if (!a.isSection) continue;
    // One shape for all (condition undefined when absent, which JSON leaves out).
    out.push({
      name: a.written,
      args: a.args,
      file: a.file,
      line: a.line,
      includedFrom: a.includedFrom,
      active: a.active,
      condition: a.condition,
    });
  }
  // At its exact size: every setup keeps one, and an array grown by push has room for 17.
  return out.slice();
}

/** What describeVhost says of the vhost's identity, without describing all of it. */
export function vhostRef(v: Directive | undefined, _serverRoot: string): VhostRef | undefined {
  if (!v) return undefined;
  const name = vhostValue(v, 'servername')?.args[0];
  // serverName last, as JSON has always shown it; undefined (left out) when there is none.
  return { addresses: v.args, file: v.file, line: v.line, serverName: name ? name : undefined };
}

export function vhostOfAncestors(ancestors: readonly Directive[]): Directive | undefined {
  return ancestors.find((a) => a.name === 'virtualhost');
}

/** The first inactive ancestor's reason, or the directive's own. */
export function inactiveReason(d: Directive, ancestors: readonly Directive[]): string | undefined {
  if (d.active) return undefined;
  return d.inactiveReason ?? ancestors.find((a) => !a.active)?.inactiveReason;
}

/** mod_mime: an extension matches any dot-part of the name after the first ("x.php.jpg" has .php and .jpg). */
export function extensionsOf(name: string): string[] {
  return name
    .split('.')
    .slice(1)
    .map((e) => `.${e.toLowerCase()}`);
}

export function normExt(e: string): string {
  return `.${e.replace(/^\./, '').toLowerCase()}`;
}

export interface HandlerSection {
  d: Directive;
  ancestors: readonly Directive[];
  handler: string;
  kind: 'SetHandler' | 'AddHandler';
  extensions?: string[];
}

/** Every SetHandler/AddHandler in the tree with the handler it names. */
export function handlerDirectives(all: readonly Visited[]): HandlerSection[] {
  const out: HandlerSection[] = [];
  for (const { d, ancestors } of all) {
    if (d.name === 'sethandler' && d.args[0]) out.push({ d, ancestors, handler: d.args[0], kind: 'SetHandler' });
    if (d.name === 'addhandler' && d.args[0]) {
      out.push({ d, ancestors, handler: d.args[0], kind: 'AddHandler', extensions: d.args.slice(1).map(normExt) });
    }
  }
  return out;
}

/**
 * `at` and `text` may be given when the caller already has them for the same
 * directive (a setup's definedAt and directive): one SourceRef and one
 * rendered string shared, not two equal copies.
 */
export function mappingOf(h: HandlerSection, at: SourceRef = ref(h.d), text: string = render(h.d)): Mapping {
  const files = innermost(h.ancestors, (a) => a.name === 'files' || a.name === 'filesmatch');
  const loc = innermost(h.ancestors, (a) => a.name === 'location' || a.name === 'locationmatch');
  const regex = loc !== undefined && (loc.name === 'locationmatch' || loc.args[0] === '~');
  // One shape for all (absent keys undefined, which JSON leaves out), in the order JSON has always shown.
  return {
    kind: h.kind,
    handler: h.handler,
    text,
    at,
    extensions: h.extensions,
    files: files ? files.args.join(' ') : undefined,
    urlRegex: loc && regex ? (loc.args.at(-1) ?? '') : undefined,
    urlPath: loc && !regex ? (loc.args[0] ?? '') : undefined,
  };
}

/** The filesystem directory a section chain points at, if any (last plain <Directory>). */
export function directoryOf(ancestors: readonly Directive[]): string | undefined {
  const dir = innermost(ancestors, (a) => a.name === 'directory' && a.args[0] !== '~');
  const p = dir?.args[0];
  if (!p) return undefined;
  // Already normal (the usual case): normalize and the trailing-slash trim would leave it as is.
  if (isNormalAbsolute(p)) return p;
  return path.posix.normalize(p).replace(/(.)\/$/, '$1');
}

/** An absolute path with no empty, "." or ".." component and no trailing slash (what path.posix.normalize leaves alone). */
function isNormalAbsolute(p: string): boolean {
  if (p.charCodeAt(0) !== 0x2f || p.length < 2) return false;
  return (
    p.indexOf('//') === -1 &&
    p.indexOf('/./') === -1 &&
    p.indexOf('/../') === -1 &&
    !p.endsWith('/') &&
    !p.endsWith('/.') &&
    !p.endsWith('/..')
  );
}

export function parseIntOr(v: string | undefined, dflt: number): number {
  const n = Number.parseInt(v ?? '', 10);
  return Number.isFinite(n) ? n : dflt;
}
