/**
 * The Options directive (core.c set_options) and how Options merge for one
 * directory (merge_core_dir_configs): a bare list replaces what was inherited,
 * a list of +/- words adjusts it, and mixing both is a startup error.
 */

export const OPTION_NAMES = [
  'ExecCGI',
  'FollowSymLinks',
  'Includes',
  'IncludesNOEXEC',
  'Indexes',
  'MultiViews',
  'SymLinksIfOwnerMatch',
] as const;
export type OptionName = (typeof OPTION_NAMES)[number];

/** OPT_ALL: everything but MultiViews and SymLinksIfOwnerMatch. */
const ALL: OptionName[] = ['Indexes', 'Includes', 'FollowSymLinks', 'ExecCGI'];

/** httpd's default since 2.3.11. */
export const DEFAULT_OPTIONS: readonly OptionName[] = ['FollowSymLinks'];

export interface ParsedOptions {
  /** Set when the list has bare words: the inherited set is replaced. */
  replace?: Set<OptionName>;
  add: Set<OptionName>;
  remove: Set<OptionName>;
  /** httpd's refusal messages, if any. */
  errors: string[];
  /** Bare words mixed with +/- words. */
  mixed: boolean;
}

function lookup(word: string): OptionName[] | 'none' | undefined {
  const w = word.toLowerCase();
  if (w === 'none') return 'none';
  if (w === 'all') return [...ALL];
  if (w === 'runscripts') return ['ExecCGI'];
  const found = OPTION_NAMES.find((n) => n.toLowerCase() === w);
  return found ? [found] : undefined;
}

export function parseOptions(args: readonly string[]): ParsedOptions {
  const r: ParsedOptions = { add: new Set(), remove: new Set(), errors: [], mixed: false };
  let sawSigned = false;
  let sawBare = false;
  args.forEach((arg, i) => {
    const sign = arg.startsWith('+') || arg.startsWith('-') ? arg[0] : '';
    const word = sign ? arg.slice(1) : arg;
    const opt = lookup(word);
    if (sign) sawSigned = true;
    else if (!(i === 0 && (opt === 'none' || word.toLowerCase() === 'all'))) sawBare = true;
    if (opt === undefined) {
      r.errors.push(`Illegal option ${word}`);
      return;
    }
    if (sign && (opt === 'none' || word.toLowerCase() === 'all')) {
      r.errors.push(`You may not use 'Options ${sign}${word}'.`);
      return;
    }
    if (!sign && i > 0 && (opt === 'none' || word.toLowerCase() === 'all')) {
      r.errors.push(`'Options ${word}' must be the first option given.`);
    }
    if (!sign) {
      r.replace ??= new Set();
      if (opt !== 'none') for (const o of opt) r.replace.add(o);
    } else if (opt !== 'none') {
      for (const o of opt) {
        if (sign === '+') {
          r.add.add(o);
          r.remove.delete(o);
        } else {
          r.remove.add(o);
          r.add.delete(o);
        }
      }
    }
  });
  // A leading None/All followed by +/- words is tolerated by httpd (sawBare skips it).
  if (sawSigned && sawBare) {
    r.mixed = true;
    r.errors.push('Either all Options must start with + or -, or no Option may.');
  }
  return r;
}

export function applyOptions(current: ReadonlySet<OptionName>, o: ParsedOptions): Set<OptionName> {
  const next = o.replace ? new Set(o.replace) : new Set(current);
  for (const r of o.remove) next.delete(r);
  for (const a of o.add) next.add(a);
  return next;
}
