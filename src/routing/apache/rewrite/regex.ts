/**
 * Apache's regexes (PCRE, compiled by ap_pregcomp with AP_REG_EXTENDED and
 * AP_REG_ICASE for [NC]) as JavaScript RegExps. The common syntax is the same;
 * what differs is translated (POSIX classes, \A \Z \z, a leading (?i)) and
 * what JS cannot express (possessive quantifiers, atomic groups, recursion,
 * \K, conditionals) is reported as unsupported so the caller says so in
 * `uncertain` instead of guessing or throwing.
 *
 * Bounds: a JS regex cannot be interrupted, so the input is capped
 * (MAX_INPUT) and a pattern with nested repetition — the shape of
 * catastrophic backtracking — only runs on short inputs (NESTED_INPUT_LIMIT).
 */

export interface CompiledRegex {
  re?: RegExp;
  /** The pattern cannot be used here (the reason). */
  error?: string;
  /** True when PCRE accepts it but JS cannot express it (not an httpd start-up error). */
  unsupported?: boolean;
  /** Nested unbounded repetition: evaluated on short inputs only. */
  nested?: boolean;
}

/**
 * Longest input a rule or condition regex is run on: httpd answers 500 once a
 * rewritten filename passes 2 × LimitRequestLine (16380), and a per-directory
 * match adds PATH_INFO, so this leaves room for both; linear patterns on this
 * much text are fast, and nested ones have their own, lower cap.
 */
export const MAX_INPUT = 24576;
/** Longest input a pattern with nested repetition is run on. */
export const NESTED_INPUT_LIMIT = 64;

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
};

/** [what to look for, its name, looked for among escapes (else in the group syntax)]. */
const UNSUPPORTED: Array<[RegExp, string, boolean]> = [
  [/\(\?>/, 'an atomic group (?>…)', false],
  [/\(\?R\)|\(\?\d+\)|\(\?&/, 'recursion', false],
  [/\(\?\(/, 'a conditional group', false],
  [/[*+?}]\+/, 'a possessive quantifier', false],
  [/\(\*[A-Z]/, 'a PCRE verb', false],
  [/\\K/, '\\K', true],
  [/\\[QE]/, '\\Q…\\E quoting', true],
  [/\\[hHvVR]/, 'a PCRE-only escape (\\h \\v \\R)', true],
];

/** Translates PCRE syntax JS lacks; returns undefined when it cannot. */
function translate(pattern: string): { source: string; icase: boolean } | { unsupported: string } {
  let p = pattern;
  let icase = false;
  const inline = /^\(\?([imsx]+)\)/.exec(p);
  if (inline) {
    const opts = inline[1] as string;
    if (/[x]/.test(opts)) return { unsupported: 'the (?x) option' };
    if (opts.includes('i')) icase = true;
    p = p.slice(inline[0].length);
    if (opts.includes('s') || opts.includes('m')) return { unsupported: `the (?${opts}) option` };
  }
  // Escapes are looked at with escaped backslashes removed (so "\\\\K" is a backslash then K);
  // group syntax with every escape and character class blanked (so "\\++" is not possessive).
  const escapes = p.replace(/\\\\/g, '');
  const syntax = p.replace(/\\./g, 'E').replace(/\[\^?\]?(?:[^\]])*\]/g, 'C');
  for (const [re, what, onEscapes] of UNSUPPORTED)
    if (re.test(onEscapes ? escapes : syntax)) return { unsupported: what };
  if (/\(\?[a-zA-Z]/.test(syntax.replace(/\(\?<[=!]|\(\?<[A-Za-z]/g, ''))) {
    return { unsupported: 'an inline option group' };
  }
  p = p.replace(/\[:(\w+):\]/g, (m, name: string) => POSIX_CLASSES[name] ?? m);
  // \A start, \z end, \Z end or before a final newline.
  p = p.replace(/(^|[^\\])((?:\\\\)*)\\A/g, '$1$2^').replace(/(^|[^\\])((?:\\\\)*)\\[zZ]/g, '$1$2$(?![\\s\\S])');
  return { source: p, icase };
}

/** Nested unbounded repetition: a group that is repeated (* + {n,}) and holds a repeated item. */
function hasNestedRepetition(p: string): boolean {
  const stack: boolean[] = [];
  let inner = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // skip a class
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') i++;
      while (i < p.length && p[i] !== ']') {
        if (p[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (c === '(') {
      stack.push(inner);
      inner = false;
      continue;
    }
    const repeated = (j: number) => p[j] === '*' || p[j] === '+' || (p[j] === '{' && /^\{\d*,\d*\}/.test(p.slice(j)));
    if (c === ')') {
      const had = inner;
      inner = stack.pop() ?? false;
      if (had && repeated(i + 1)) return true;
      if (had) inner = true;
      if (repeated(i + 1)) inner = true;
      continue;
    }
    if (repeated(i)) inner = true;
  }
  return false;
}

export function compileApacheRegex(pattern: string, noCase: boolean): CompiledRegex {
  const t = translate(pattern);
  if ('unsupported' in t) {
    return {
      error: `the regular expression uses ${t.unsupported}, which this model cannot evaluate`,
      unsupported: true,
    };
  }
  try {
    const re = new RegExp(t.source, noCase || t.icase ? 'i' : '');
    return { re, nested: hasNestedRepetition(t.source) };
  } catch (e) {
    // PCRE may accept what JS refuses (or httpd refuses it too: the caller cannot tell, so it says so).
    return { error: `the regular expression cannot be evaluated here (${(e as Error).message})`, unsupported: true };
  }
}

export type RegexRun = { match: RegExpExecArray | null } | { skipped: string };

/** Runs a compiled regex within the bounds above. */
export function runRegex(c: CompiledRegex, input: string): RegexRun {
  if (!c.re) return { skipped: c.error ?? 'the regular expression cannot be evaluated' };
  if (input.length > MAX_INPUT) return { skipped: `the input is longer than ${MAX_INPUT} characters` };
  if (c.nested && input.length > NESTED_INPUT_LIMIT) {
    return { skipped: `the pattern nests repetitions and the input is longer than ${NESTED_INPUT_LIMIT} characters` };
  }
  c.re.lastIndex = 0;
  return { match: c.re.exec(input) };
}
