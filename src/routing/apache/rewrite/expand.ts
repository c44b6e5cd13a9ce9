/**
 * do_expand (mod_rewrite.c): a substitution, a condition's test string or a
 * flag value with its specials replaced — `\c` (c itself), `$N` (the rule's
 * group N), `%N` (group N of the last condition that matched a regex),
 * `%{VAR}`, `${map:key|default}` (RewriteMap: unknown here, so uncertain).
 * Tracks whether the query-separating '?' came out of an expansion (httpd
 * answers 403 for that unless [UnsafeAllow3F]).
 */
import { lookupVariable, type VarState } from './vars.js';

export interface Backrefs {
  source: string;
  match: RegExpExecArray;
}

export interface ExpandContext {
  vars: VarState;
  rule?: Backrefs;
  cond?: Backrefs;
  /** [B]: escape the rule's backreferences (escape_backref). */
  escape?: { escapes?: string; noEscapes?: string; noPlus: boolean; ctls: boolean };
  /** Called with what an unknown value depends on. */
  unknown(what: string): void;
}

export interface Expanded {
  text: string;
  /** The first '?' (the last with QSL) came from an expansion. */
  unsafeQmark: boolean;
}

/** find_closing_curly: the matching '}', nesting counted. */
function closingCurly(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** find_char_in_curlies: c at nesting depth 0. */
function charInCurlies(s: string, c: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') depth--;
    else if (s[i] === c && depth === 0) return i;
  }
  return -1;
}

/** escape_backref: like PHP's urlencode, by default every byte but [A-Za-z0-9_] ('+' for a space unless BNP). */
export function escapeBackref(
  s: string,
  o: { escapes?: string; noEscapes?: string; noPlus: boolean; ctls: boolean },
): string {
  const out: number[] = [];
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    const vchar = b > 0x20 && b !== 0x7f;
    const candidate = o.ctls ? !vchar : o.escapes === undefined;
    const want =
      (candidate || (o.escapes !== undefined && b < 0x80 && o.escapes.includes(c))) &&
      !(b < 0x80 && (o.noEscapes ?? '').includes(c));
    if (!want || /[A-Za-z0-9_]/.test(c)) out.push(b);
    else if (c === ' ' && !o.noPlus) out.push(0x2b);
    else for (const x of Buffer.from(`%${b.toString(16).toUpperCase().padStart(2, '0')}`)) out.push(x);
  }
  return Buffer.from(out).toString('utf8');
}

export function expand(input: string, cx: ExpandContext, opts: { qsLast?: boolean } = {}): Expanded {
  let out = '';
  // unsafe tracking: undefined = decided; true/false = current verdict while still tracking.
  let tracking = true;
  let unsafe = false;
  const literalQmark = () => {
    if (!tracking) return;
    unsafe = false;
    if (!opts.qsLast) tracking = false;
  };
  const expandedText = (t: string) => {
    if (tracking && t.includes('?')) {
      unsafe = true;
      if (!opts.qsLast) tracking = false;
    }
    out += t;
  };
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === '\\') {
      if (i + 1 >= input.length) {
        out += '\\';
        break;
      }
      out += input[i + 1];
      i += 2;
      continue;
    }
    if ((c === '%' || c === '$') && input[i + 1] === '{') {
      const end = closingCurly(input, i + 2);
      if (end < 0) {
        out += input.slice(i, i + 2);
        i += 2;
        continue;
      }
      const inner = input.slice(i + 2, end);
      if (c === '%') {
        const v = lookupVariable(inner, cx.vars);
        if ('unknown' in v) {
          cx.unknown(v.unknown);
          expandedText('');
        } else expandedText(v.value);
        i = end + 1;
        continue;
      }
      const colon = charInCurlies(inner, ':');
      if (colon < 0) {
        out += '${';
        i += 2;
        continue;
      }
      const mapName = inner.slice(0, colon);
      const keyAndDefault = inner.slice(colon + 1);
      const bar = charInCurlies(keyAndDefault, '|');
      const key = expand(bar < 0 ? keyAndDefault : keyAndDefault.slice(0, bar), cx).text;
      cx.unknown(`the RewriteMap ${mapName} (key "${key}"), which this model does not read`);
      // The map's answer is unknown: what follows assumes the lookup fails (the default, or '').
      expandedText(bar < 0 ? '' : expand(keyAndDefault.slice(bar + 1), cx).text);
      i = end + 1;
      continue;
    }
    if ((c === '$' || c === '%') && /[0-9]/.test(input[i + 1] ?? '')) {
      const n = Number(input[i + 1]);
      const refs = c === '$' ? cx.rule : cx.cond;
      const g = refs?.match[n];
      if (g) expandedText(c === '$' && cx.escape ? escapeBackref(g, cx.escape) : g);
      i += 2;
      continue;
    }
    if (c === '?') literalQmark();
    out += c;
    i++;
  }
  return { text: out, unsafeQmark: unsafe };
}
