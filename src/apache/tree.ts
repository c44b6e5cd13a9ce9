/**
 * The parsed configuration: a tree of directives, each knowing where it was
 * written and how the server reached that file. Plain data (no parent links) so
 * that it serialises to JSON like crossplane's output.
 */

export interface Directive {
  /** Lower-cased name; sections without the '<' ("virtualhost", "ifmodule"). */
  name: string;
  /** The name as written ("FastCgiServer", "VirtualHost"). */
  written: string;
  args: string[];
  /** Argument text after ${} expansion (for sections: up to the last '>'). */
  raw: string;
  file: string;
  /** Last physical line of the directive, as httpd numbers it. */
  line: number;
  /** "file:line" of each Include (or macro Use) that led here, outermost first. */
  includedFrom: string[];
  isSection: boolean;
  children: Directive[];
  /** False inside a conditional branch that httpd skips. */
  active: boolean;
  /** Why the directive is skipped ("<IfModule mod_fastcgi.c> is false at file:3"). */
  inactiveReason?: string;
  /** For If* conditionals and <If>: the evaluated result (undefined for runtime <If>). */
  condition?: boolean;
  /** <If>/<ElseIf>/<Else>: decided per request, always part of the tree. */
  runtime?: boolean;
  /** Line of the closing tag of a section. */
  endLine?: number;
  /** httpd's pseudo-file name when the directive came out of a macro expansion. */
  macro?: string;
}

export type IssueKind =
  | 'syntax'
  | 'include-not-found'
  | 'unreadable'
  /** A FIFO, device or socket named as configuration: httpd refuses it (AH00554). */
  | 'not-regular'
  /** ${VAR} expansions adding up to more memory than httpd can have: it aborts. */
  | 'out-of-memory'
  | 'limit'
  | 'bom'
  | 'undefined-variable';

/** A problem met while reading, collected (never thrown), crossplane style. */
export interface ParseIssue {
  kind: IssueKind;
  severity: 'error' | 'warning';
  message: string;
  file: string;
  line?: number;
  includedFrom: string[];
  /** The offending text, when there is one. */
  text?: string;
}

export interface IncludedFile {
  file: string;
  /** Line of the Include in the including file (undefined for the root). */
  line?: number;
  /** 0 for the root, 1 for a file the root includes... */
  depth: number;
  includedFrom: string[];
}

export interface LoadedModule {
  /** Module identifier as given to LoadModule ("fcgid_module"). */
  id: string;
  /** Source file name that <IfModule> also accepts ("mod_fcgid.c"). */
  fileName: string;
  /** The shared object, or "(static)" for modules built into httpd. */
  path: string;
  file?: string;
  line?: number;
}

/** The section/conditional chain above a directive, outermost first. */
export type Ancestors = readonly Directive[];

/** Sections that only select branches or splice files: transparent for scoping. */
export const TRANSPARENT = new Set([
  'ifmodule',
  'ifdefine',
  'iffile',
  'ifdirective',
  'ifsection',
  'include',
  'includeoptional',
  'use',
]);

/**
 * Visits every directive depth first, in read order, with its ancestors.
 * Return false from the visitor to skip a node's children. The ancestors
 * array is never mutated afterwards (one per parent, shared by siblings), so
 * a visitor may keep it without copying.
 */
export function walk(
  nodes: readonly Directive[],
  visit: (d: Directive, ancestors: Ancestors) => boolean | undefined,
  ancestors: Ancestors = [],
): void {
  for (let i = 0; i < nodes.length; i++) {
    const d = nodes[i] as Directive;
    if (visit(d, ancestors) === false) continue;
    if (d.children.length > 0) walk(d.children, visit, withChild(ancestors, d));
  }
}

/** ancestors + d, as a new array of exactly that size (slice and push, or a spread, leave room for 16 more). */
function withChild(ancestors: Ancestors, d: Directive): Directive[] {
  return ancestors.concat(d);
}

/**
 * The tree in read order (depth first), as parallel arrays, built by one walk
 * and kept per tree: every later question (setups, scopes, checks) loops over
 * these instead of walking the tree again. Macro sections and their bodies are
 * left out (they count where Use expands them).
 */
export interface FlatTree {
  nodes: readonly Directive[];
  /** Ancestors of nodes[i], outermost first; siblings share one array (never mutated). */
  ancestors: readonly Ancestors[];
  /** nodes[i] and all its ancestors are active (what a walk pruning inactive branches visits). */
  live: Uint8Array;
  /**
   * The scoping sections among ancestors[i] (sections that are not TRANSPARENT),
   * outermost first; shared by every node under the same innermost scoping section.
   */
  chains: readonly Ancestors[];
  /** The outermost <VirtualHost> among ancestors[i]. */
  vhosts: readonly (Directive | undefined)[];
}

const flats = new WeakMap<readonly Directive[], FlatTree>();

export function flatTree(tree: readonly Directive[]): FlatTree {
  const cached = flats.get(tree);
  if (cached) return cached;
  const nodes: Directive[] = [];
  const ancestors: Ancestors[] = [];
  const live: number[] = [];
  const chains: Ancestors[] = [];
  const vhosts: (Directive | undefined)[] = [];
  const stack: Directive[] = [];
  const visit = (
    list: readonly Directive[],
    anc: Ancestors,
    parentLive: boolean,
    chain: Ancestors,
    vhost: Directive | undefined,
  ): void => {
    for (let i = 0; i < list.length; i++) {
      const d = list[i] as Directive;
      if (d.isSection && d.name === 'macro') continue;
      const isLive = parentLive && d.active;
      nodes.push(d);
      ancestors.push(anc);
      live.push(isLive ? 1 : 0);
      chains.push(chain);
      vhosts.push(vhost);
      if (d.children.length > 0) {
        stack.push(d);
        const scoping = d.isSection && !TRANSPARENT.has(d.name);
        visit(
          d.children,
          stack.slice(),
          isLive,
          scoping ? chain.concat(d) : chain,
          vhost ?? (d.name === 'virtualhost' ? d : undefined),
        );
        stack.pop();
      }
    }
  };
  visit(tree, [], true, [], undefined);
  const flat: FlatTree = { nodes, ancestors, live: Uint8Array.from(live), chains, vhosts };
  flats.set(tree, flat);
  return flat;
}

/** Every active directive named `name` (lower-case), with ancestors. */
export function findAll(nodes: readonly Directive[], name: string): { d: Directive; ancestors: Ancestors }[] {
  const out: { d: Directive; ancestors: Ancestors }[] = [];
  walk(nodes, (d, anc) => {
    if (!d.active) return false;
    if (d.name === name) out.push({ d, ancestors: anc });
    return true;
  });
  return out;
}

export function where(d: { file: string; line?: number }): string {
  return d.line === undefined ? d.file : `${d.file}:${d.line}`;
}

/** The directive as a config line, for evidence ("Options FollowSymLinks +ExecCGI"). */
export function render(d: Directive): string {
  return d.isSection ? `<${d.written}${d.raw ? ` ${d.raw}` : ''}>` : `${d.written}${d.raw ? ` ${d.raw}` : ''}`;
}
