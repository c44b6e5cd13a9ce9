/**
 * mod_rewrite's directives read as httpd reads them (modules/mappers/
 * mod_rewrite.c: parseargline, cmd_parseflagfield, cmd_rewriterule_setflag,
 * cmd_rewritecond_setflag, cmd_rewritecond, cmd_rewriterule), compiled once
 * per Directive: a rule or condition is parsed and its regex built the first
 * time any request meets it, then reused.
 */
import type { Directive } from '../../../apache/index.js';
import { compileApacheRegex, type CompiledRegex } from './regex.js';

/** Where a directive was written, for steps and `uncertain` sentences. */
export function where(d: Directive): string {
  return `${d.file}:${d.line}`;
}

/**
 * parseargline: up to three words; a word may be quoted with " or ' (it ends
 * at the same quote, no escapes inside), and a backslash before a space keeps
 * the space in an unquoted word (the backslash stays: the regex or do_expand
 * reads it). The raw text is used because httpd hands mod_rewrite the line
 * as written (RAW_ARGS), not ap_getword_conf's words.
 */
export function parseArgLine(raw: string): { words: string[]; error?: string } {
  const words: string[] = [];
  let i = 0;
  const n = raw.length;
  const isSpace = (c: string | undefined) =>
    c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
  while (words.length < 3) {
    while (i < n && isSpace(raw[i])) i++;
    if (i >= n) break;
    let quote = '';
    if (raw[i] === '"' || raw[i] === "'") quote = raw[i++] as string;
    const start = i;
    for (; i < n; i++) {
      const c = raw[i];
      if ((isSpace(c) && !quote) || c === quote) break;
      if (c === '\\' && isSpace(raw[i + 1])) i++;
    }
    words.push(raw.slice(start, i));
    i++; // the space or closing quote
  }
  if (words.length < 2) return { words, error: 'bad argument line: at least two arguments required' };
  return { words };
}

/** cmd_parseflagfield: "[a,b=c]" → [key, value] pairs, spaces around each trimmed. */
export function parseFlagField(field: string): { flags: Array<[string, string]>; error?: string } {
  if (!field.startsWith('[') || !field.endsWith(']')) return { flags: [], error: 'bad flag delimiters' };
  const flags: Array<[string, string]> = [];
  for (const part of field.slice(1, -1).split(',')) {
    const t = part.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    flags.push(eq < 0 ? [t, ''] : [t.slice(0, eq), t.slice(eq + 1)]);
  }
  return { flags };
}

export interface RuleFlags {
  chain: boolean;
  skip: number;
  last: boolean;
  end: boolean;
  next: boolean;
  maxRounds: number;
  proxy: boolean;
  passThrough: boolean;
  /** [R]: the redirect status (302 unless given). */
  redirect?: number;
  /** [F], [G], [R=non-3xx]: the status the rule answers with (implies no substitution). */
  status?: number;
  noCase: boolean;
  noEscape: boolean;
  qsAppend: boolean;
  qsDiscard: boolean;
  qsLast: boolean;
  /** RULEFLAG_QSNONE: a trailing '?' (without QSA) or QSD without '?': no query from the substitution. */
  qsNone: boolean;
  escapeBackrefs: boolean;
  bEscapes?: string;
  bNoEscapes?: string;
  bNoPlus: boolean;
  bCtls: boolean;
  handler?: string;
  type?: string;
  env: string[];
  cookies: string[];
  discardPathInfo: boolean;
  /** Substitution '-': no change to the URL. */
  noSub: boolean;
  unc: boolean;
  unsafePrefixStat: boolean;
  unsafeAllow3F: boolean;
  noSubreq: boolean;
}

/** REWRITE_MAX_ROUNDS: the [N] bound httpd applies unless [N=n] says otherwise. */
export const MAX_ROUNDS = 10000;

function newFlags(): RuleFlags {
  return {
    chain: false,
    skip: 0,
    last: false,
    end: false,
    next: false,
    maxRounds: MAX_ROUNDS,
    proxy: false,
    passThrough: false,
    noCase: false,
    noEscape: false,
    qsAppend: false,
    qsDiscard: false,
    qsLast: false,
    qsNone: false,
    escapeBackrefs: false,
    bNoPlus: false,
    bCtls: false,
    env: [],
    cookies: [],
    discardPathInfo: false,
    noSub: false,
    unc: false,
    unsafePrefixStat: false,
    unsafeAllow3F: false,
    noSubreq: false,
  };
}

/** C's atoi: leading spaces, a sign, digits; anything else 0. */
export function atoi(s: string): number {
  const m = /^[\s]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  const v = Number.parseInt(m[1] as string, 10);
  return Number.isFinite(v) ? Math.max(-2147483648, Math.min(2147483647, v)) : 0;
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** cmd_rewriterule_setflag: one flag; returns an error text as httpd words it, or undefined. */
function setRuleFlag(f: RuleFlags, key: string, val: string): string | undefined {
  const first = key[0]?.toLowerCase();
  const rest = key.slice(1);
  const bad = () => `unknown flag '${key}'`;
  switch (first) {
    case 'b':
      if (!rest || eq(rest, 'ackrefescaping')) {
        f.escapeBackrefs = true;
        if (val) f.bEscapes = val;
      } else if (eq(rest, 'NE')) {
        if (!val) return "flag 'BNE' wants a list of characters (i.e. [BNE=...])";
        f.bNoEscapes = val;
      } else if (eq(rest, 'NP') || eq(rest, 'ackrefernoplus')) f.bNoPlus = true;
      else if (eq(rest, 'CTLS')) {
        f.bCtls = true;
        f.escapeBackrefs = true;
      } else return bad();
      return undefined;
    case 'c':
      if (!rest || eq(rest, 'hain')) f.chain = true;
      else if (eq(rest, 'O') || eq(rest, 'ookie')) f.cookies.push(val);
      else return bad();
      return undefined;
    case 'd':
      // httpd accepts any D… word here without an error (no else branch in setflag).
      if (!rest || eq(rest, 'PI') || eq(rest, 'iscardpath')) f.discardPathInfo = true;
      return undefined;
    case 'e':
      if (!rest || eq(rest, 'nv')) f.env.push(val);
      else if (eq(rest, 'nd')) f.end = true;
      else return bad();
      return undefined;
    case 'f':
      if (!rest || eq(rest, 'orbidden')) {
        f.status = 403;
        f.noSub = true;
      } else return bad();
      return undefined;
    case 'g':
      if (!rest || eq(rest, 'one')) {
        f.status = 410;
        f.noSub = true;
      } else return bad();
      return undefined;
    case 'h':
      if (!rest || eq(rest, 'andler')) f.handler = val;
      else return bad();
      return undefined;
    case 'l':
      if (!rest || eq(rest, 'ast')) f.last = true;
      else return bad();
      return undefined;
    case 'n':
      if (eq(rest, 'E') || eq(rest, 'oescape')) f.noEscape = true;
      else if (!rest || eq(rest, 'ext')) {
        f.next = true;
        if (val) f.maxRounds = atoi(val);
      } else if (eq(rest, 'S') || eq(rest, 'osubreq')) f.noSubreq = true;
      else if (eq(rest, 'C') || eq(rest, 'ocase')) f.noCase = true;
      else return bad();
      return undefined;
    case 'p':
      if (!rest || eq(rest, 'roxy')) f.proxy = true;
      else if (eq(rest, 'T') || eq(rest, 'assthrough')) f.passThrough = true;
      else return bad();
      return undefined;
    case 'q':
      if (eq(rest, 'SA') || eq(rest, 'sappend')) f.qsAppend = true;
      else if (eq(rest, 'SD') || eq(rest, 'sdiscard')) f.qsDiscard = true;
      else if (eq(rest, 'SL') || eq(rest, 'slast')) f.qsLast = true;
      else return bad();
      return undefined;
    case 'r':
      if (!rest || eq(rest, 'edirect')) {
        let status = 302;
        if (val) {
          if (eq(val, 'permanent')) status = 301;
          else if (eq(val, 'temp')) status = 302;
          else if (eq(val, 'seeother')) status = 303;
          else if (/^\d/.test(val)) {
            status = atoi(val);
            if (status < 100 || status > 599) return `invalid HTTP response code '${val}' for flag 'R'`;
            if (status < 300 || status > 399) {
              f.status = status;
              f.noSub = true;
            }
          }
        }
        f.redirect = status;
      } else return bad();
      return undefined;
    case 's':
      if (!rest || eq(rest, 'kip')) f.skip = atoi(val);
      else return bad();
      return undefined;
    case 't':
      if (!rest || eq(rest, 'ype')) f.type = val;
      else return bad();
      return undefined;
    case 'u':
      if (eq(rest, 'nsafePrefixStat')) f.unsafePrefixStat = true;
      else if (eq(rest, 'nsafeAllow3F')) f.unsafeAllow3F = true;
      else if (eq(rest, 'NC')) f.unc = true;
      else return bad();
      return undefined;
    default:
      return bad();
  }
}

export interface CompiledRule {
  directive: Directive;
  pattern: string;
  negate: boolean;
  regex: CompiledRegex;
  output: string;
  flags: RuleFlags;
  /** Why httpd refuses this line at start-up (the rule is then not applied here). */
  error?: string;
}

export type CondType =
  | 'regex'
  | 'expr'
  | '-f'
  | '-s'
  | '-d'
  | '-x'
  | '-l'
  | '-U'
  | '-F'
  | 'str<'
  | 'str>'
  | 'str<='
  | 'str>='
  | 'str='
  | 'int<'
  | 'int<='
  | 'int>'
  | 'int>='
  | 'int=';

export interface CompiledCond {
  directive: Directive;
  input: string;
  type: CondType;
  /** The pattern with its operator removed (as httpd keeps it). */
  pattern: string;
  /** The pattern as written, for steps. */
  written: string;
  negate: boolean;
  noCase: boolean;
  orNext: boolean;
  regex?: CompiledRegex;
  error?: string;
}

const ruleCache = new WeakMap<Directive, CompiledRule>();
const condCache = new WeakMap<Directive, CompiledCond>();

/** cmd_rewriterule, cached per Directive. */
export function compileRule(d: Directive): CompiledRule {
  const cached = ruleCache.get(d);
  if (cached) return cached;
  const rule = buildRule(d);
  ruleCache.set(d, rule);
  return rule;
}

function buildRule(d: Directive): CompiledRule {
  const flags = newFlags();
  const { words, error } = parseArgLine(d.raw);
  const [a1 = '', a2 = '', a3] = words;
  const fail = (e: string): CompiledRule => ({
    directive: d,
    pattern: a1,
    negate: false,
    regex: { error: e },
    output: a2,
    flags,
    error: e,
  });
  if (error) return fail(`RewriteRule: ${error}`);
  if (a3 !== undefined) {
    const ff = parseFlagField(a3);
    if (ff.error) return fail(`RewriteRule: ${ff.error}`);
    for (const [k, v] of ff.flags) {
      const e = setRuleFlag(flags, k, v);
      if (e) return fail(`RewriteRule: ${e}`);
    }
  }
  let pattern = a1;
  let negate = false;
  if (pattern.startsWith('!')) {
    negate = true;
    pattern = pattern.slice(1);
  }
  const regex = compileApacheRegex(pattern, flags.noCase);
  let output = a2;
  if (output === '-') flags.noSub = true;
  if (output.endsWith('?')) {
    // A literal '?' ending the substitution: with QSA it marks the last '?'
    // as the query separator; without, it drops the query (and is removed).
    if (flags.qsAppend) flags.qsLast = true;
    else {
      flags.qsNone = true;
      output = output.slice(0, -1);
    }
  } else if (flags.qsDiscard && !output.includes('?')) flags.qsNone = true;
  return {
    directive: d,
    pattern,
    negate,
    regex,
    output,
    flags,
    ...(regex.error && !regex.unsupported
      ? { error: `RewriteRule: cannot compile regular expression '${pattern}'` }
      : {}),
  };
}

/** cmd_rewritecond, cached per Directive. */
export function compileCond(d: Directive): CompiledCond {
  const cached = condCache.get(d);
  if (cached) return cached;
  const cond = buildCond(d);
  condCache.set(d, cond);
  return cond;
}

function buildCond(d: Directive): CompiledCond {
  const { words, error } = parseArgLine(d.raw);
  const [input = '', written = '', a3] = words;
  const cond: CompiledCond = {
    directive: d,
    input,
    type: 'regex',
    pattern: written,
    written,
    negate: false,
    noCase: false,
    orNext: false,
  };
  if (error) return { ...cond, error: `RewriteCond: ${error}` };
  if (a3 !== undefined) {
    const ff = parseFlagField(a3);
    if (ff.error) return { ...cond, error: `RewriteCond: ${ff.error}` };
    for (const [k] of ff.flags) {
      if (eq(k, 'nocase') || eq(k, 'NC')) cond.noCase = true;
      else if (eq(k, 'ornext') || eq(k, 'OR')) cond.orNext = true;
      else if (eq(k, 'novary') || eq(k, 'NV')) {
        // Vary header only: no effect on the route.
      } else return { ...cond, error: `RewriteCond: unknown flag '${k}'` };
    }
  }
  let p = written;
  if (p.startsWith('!')) {
    cond.negate = true;
    p = p.slice(1);
  }
  if (eq(input, 'expr')) cond.type = 'expr';
  else if (p.length >= 2) {
    if (p[0] === '-') {
      if (p.length === 2) {
        const map: Record<string, CondType> = {
          f: '-f',
          s: '-s',
          d: '-d',
          x: '-x',
          h: '-l',
          L: '-l',
          l: '-l',
          U: '-U',
          F: '-F',
        };
        const t = map[p[1] as string];
        if (t) cond.type = t;
      } else if (p.length > 3) {
        const op = p.slice(1, 3);
        const ints: Record<string, CondType> = { lt: 'int<', le: 'int<=', gt: 'int>', ge: 'int>=', eq: 'int=' };
        if (ints[op]) {
          cond.type = ints[op] as CondType;
          p = p.slice(3);
        } else if (op === 'ne') {
          // httpd: "-ne" is "-eq" inverted (so "!-ne" is "-eq").
          cond.type = 'int=';
          cond.negate = !cond.negate;
          p = p.slice(3);
        }
      }
    } else if (p[0] === '>') {
      if (p[1] === '=') {
        cond.type = 'str>=';
        p = p.slice(2);
      } else {
        cond.type = 'str>';
        p = p.slice(1);
      }
    } else if (p[0] === '<') {
      if (p[1] === '=') {
        cond.type = 'str<=';
        p = p.slice(2);
      } else {
        cond.type = 'str<';
        p = p.slice(1);
      }
    } else if (p[0] === '=') {
      cond.type = 'str=';
      p = p.slice(1);
      if (p === '""') p = '';
    }
  }
  // httpd ignores NC (with a warning) on everything but regexes and string comparisons.
  if (cond.type !== 'regex' && !cond.type.startsWith('str') && cond.type !== 'expr') cond.noCase = false;
  cond.pattern = p;
  if (cond.type === 'regex') {
    cond.regex = compileApacheRegex(p, cond.noCase);
    if (cond.regex.error && !cond.regex.unsupported)
      cond.error = `RewriteCond: cannot compile regular expression '${p}'`;
  }
  return cond;
}
