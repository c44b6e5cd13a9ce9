/**
 * The part of httpd's expression language (ap_expr, server/util_expr_parse.y
 * and util_expr_eval.c) that ProxyFCGISetEnvIf lines use: conditions with
 * true/false, !, &&, ||, parentheses, -n/-z, string comparisons, =~ / !~
 * with /re/ or m#re#, `in {…}`, and string values with %{VAR}, %{func:arg},
 * func('arg') and the $0-$9 of the condition's last regex match.
 *
 * Anything outside that subset throws ExprUnknown: the caller reports the
 * variable it sets as unknown rather than guessing.
 */

export class ExprUnknown extends Error {}

export interface ExprContext {
  /** A request variable as util_expr_eval.c's request_var_fn / req_header_var_fn gives it; throw ExprUnknown when not known. */
  variable(name: string): string | undefined;
  /** req('Name') / http('Name'): a request header (case-insensitive). */
  header(name: string): string | undefined;
  /** reqenv('NAME'): r->subprocess_env at evaluation time. */
  reqenv(name: string): string | undefined;
}

interface State {
  ctx: ExprContext;
  /** $0-$9 of the last successful regex match in the condition. */
  captures: string[];
}

type Token =
  | { t: 'op'; v: string }
  | { t: 'str'; v: string }
  | { t: 'var'; v: string }
  | { t: 'func'; v: string }
  | { t: 're'; v: RegExp }
  | { t: 'word'; v: string }
  | { t: 'backref'; v: number };

function unknown(why: string): never {
  throw new ExprUnknown(why);
}

function regexOf(body: string, flags: string): RegExp {
  // ap_expr regexes are PCRE; the forms used in configurations are the common subset of PCRE and JS.
  try {
    return new RegExp(body, flags.includes('i') ? 'i' : '');
  } catch {
    return unknown(`regex ${body} is not understood`);
  }
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ops = ['&&', '||', '==', '!=', '<=', '>=', '=~', '!~', '(', ')', '{', '}', ',', '!', '<', '>', '.'];
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) unknown('unterminated string');
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '%' && src[i + 1] === '{') {
      const end = src.indexOf('}', i);
      if (end < 0) unknown('unterminated %{');
      out.push({ t: 'var', v: src.slice(i + 2, end) });
      i = end + 1;
      continue;
    }
    if (c === '$' && /[0-9]/.test(src[i + 1] ?? '')) {
      out.push({ t: 'backref', v: Number(src[i + 1]) });
      i += 2;
      continue;
    }
    if (c === '/' || (c === 'm' && /[^\w\s]/.test(src[i + 1] ?? ''))) {
      const prev = out[out.length - 1];
      if (prev && prev.t === 'op' && (prev.v === '=~' || prev.v === '!~')) {
        const delim = c === '/' ? '/' : (src[i + 1] as string);
        const start = c === '/' ? i + 1 : i + 2;
        const end = src.indexOf(delim, start);
        if (end < 0) unknown('unterminated regex');
        let j = end + 1;
        while (j < src.length && /[a-z]/.test(src[j] as string)) j++;
        out.push({ t: 're', v: regexOf(src.slice(start, end), src.slice(end + 1, j)) });
        i = j;
        continue;
      }
    }
    const op = ops.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ t: 'op', v: op });
      i += op.length;
      continue;
    }
    const m = /^-?[A-Za-z0-9_]+/.exec(src.slice(i));
    if (!m) unknown(`unexpected '${c}'`);
    const word = m[0];
    i += word.length;
    if (src[i] === '(' && !word.startsWith('-')) out.push({ t: 'func', v: word.toLowerCase() });
    else out.push({ t: 'word', v: word });
  }
  return out;
}

function callFunction(name: string, arg: string, st: State): string {
  switch (name) {
    case 'req':
    case 'http':
      return st.ctx.header(arg) ?? '';
    case 'reqenv':
      return st.ctx.reqenv(arg) ?? '';
    case 'tolower':
      return arg.toLowerCase();
    case 'toupper':
      return arg.toUpperCase();
    default:
      return unknown(`function ${name}() is not modelled`);
  }
}

function variable(spec: string, st: State): string {
  const colon = spec.indexOf(':');
  if (colon > 0) return callFunction(spec.slice(0, colon).toLowerCase(), spec.slice(colon + 1), st);
  return st.ctx.variable(spec) ?? '';
}

class Parser {
  private pos = 0;
  constructor(
    private readonly toks: Token[],
    private readonly st: State,
  ) {}

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'word' && t.v === v;
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) unknown(`expected '${v}'`);
    this.pos++;
  }

  done(): boolean {
    return this.pos >= this.toks.length;
  }

  // Every sub-expression is evaluated even when && / || could stop early: the
  // subset here has no side effects but the regex captures, which httpd also
  // takes from the last match it ran.
  or(): boolean {
    let v = this.and();
    while (this.isOp('||')) {
      this.pos++;
      const r = this.and();
      v = v || r;
    }
    return v;
  }

  private and(): boolean {
    let v = this.not();
    while (this.isOp('&&')) {
      this.pos++;
      const r = this.not();
      v = v && r;
    }
    return v;
  }

  private not(): boolean {
    if (this.isOp('!')) {
      this.pos++;
      return !this.not();
    }
    return this.primary();
  }

  private primary(): boolean {
    if (this.isOp('(')) {
      this.pos++;
      const v = this.or();
      this.expectOp(')');
      return v;
    }
    if (this.isWord('true')) {
      this.pos++;
      return true;
    }
    if (this.isWord('false')) {
      this.pos++;
      return false;
    }
    if (this.isWord('-n') || this.isWord('-z')) {
      const op = (this.toks[this.pos++] as { v: string }).v;
      const s = this.word();
      return op === '-n' ? s !== '' : s === '';
    }
    const left = this.word();
    const t = this.peek();
    if (!t) unknown('a bare string is not a condition');
    if (t.t === 'op' && (t.v === '=~' || t.v === '!~')) {
      this.pos++;
      const re = this.peek();
      if (re?.t !== 're') return unknown('regex expected');
      this.pos++;
      const m = re.v.exec(left);
      if (m) this.st.captures = Array.from({ length: 10 }, (_, i) => m[i] ?? '');
      return t.v === '=~' ? m !== null : m === null;
    }
    if (t.t === 'word' && t.v === 'in') {
      this.pos++;
      this.expectOp('{');
      const list: string[] = [this.word()];
      while (this.isOp(',')) {
        this.pos++;
        list.push(this.word());
      }
      this.expectOp('}');
      return list.includes(left);
    }
    const op = t.v;
    this.pos++;
    const right = this.word();
    switch (op) {
      case '==':
        return left === right;
      case '!=':
        return left !== right;
      case '<':
        return left < right;
      case '<=':
        return left <= right;
      case '>':
        return left > right;
      case '>=':
        return left >= right;
      case '-eq':
      case '-ne':
      case '-lt':
      case '-le':
      case '-gt':
      case '-ge':
        return intCompare(op, left, right);
      default:
        return unknown(`operator ${op} is not modelled`);
    }
  }

  /** A string operand, with '.' concatenation. */
  private word(): string {
    let s = this.atom();
    while (this.isOp('.')) {
      this.pos++;
      s += this.atom();
    }
    return s;
  }

  private atom(): string {
    const t = this.toks[this.pos++];
    if (!t) return unknown('operand expected');
    switch (t.t) {
      case 'str':
        return interpolate(t.v, this.st);
      case 'var':
        return variable(t.v, this.st);
      case 'backref':
        return this.st.captures[t.v] ?? '';
      case 'word':
        if (/^[0-9]+$/.test(t.v)) return t.v;
        return unknown(`'${t.v}' is not modelled`);
      case 'func': {
        this.expectOp('(');
        const arg = this.word();
        this.expectOp(')');
        return callFunction(t.v, arg, this.st);
      }
      default:
        return unknown('operand expected');
    }
  }
}

function intCompare(op: string, a: string, b: string): boolean {
  const x = Number(a);
  const y = Number(b);
  if (!Number.isInteger(x) || !Number.isInteger(y)) unknown(`${op} on a non-integer`);
  return op === '-eq'
    ? x === y
    : op === '-ne'
      ? x !== y
      : op === '-lt'
        ? x < y
        : op === '-le'
          ? x <= y
          : op === '-gt'
            ? x > y
            : x >= y;
}

/** A string expression (AP_EXPR_FLAG_STRING_RESULT): literal text with %{…}, $N and backslash escapes. */
function interpolate(text: string, st: State): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      out += text[++i];
    } else if (c === '%' && text[i + 1] === '{') {
      const end = text.indexOf('}', i);
      if (end < 0) unknown('unterminated %{');
      out += variable(text.slice(i + 2, end), st);
      i = end;
    } else if (c === '$' && /[0-9]/.test(text[i + 1] ?? '')) {
      out += st.captures[Number(text[i + 1])] ?? '';
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

export interface ConditionResult {
  value: boolean;
  /** $0-$9 for the value expression that follows. */
  captures: string[];
}

/** ap_expr_exec_re on a condition; throws ExprUnknown outside the modelled subset. */
export function evalCondition(src: string, ctx: ExprContext): ConditionResult {
  const st: State = { ctx, captures: [] };
  const p = new Parser(tokenize(src), st);
  const value = p.or();
  if (!p.done()) unknown(`'${src}' is not fully understood`);
  return { value, captures: st.captures };
}

/** ap_expr_str_exec_re on a string expression, with the condition's captures. */
export function evalString(src: string, ctx: ExprContext, captures: string[]): string {
  return interpolate(src, { ctx, captures });
}
