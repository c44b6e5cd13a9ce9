/**
 * The rewrite module's directives of one level, run in the order written
 * (src/http/modules/ngx_http_rewrite_module.c, ngx_http_rewrite_handler over
 * the codes of ngx_http_script.c): `rewrite`, `return`, `set`, `if` (its
 * block's codes run inline, and its level becomes the request's
 * configuration: ngx_http_script_if_code), `break`.
 *
 * `rewrite` (ngx_http_script_regex_start_code / _end_code): the regex runs
 * on r->uri; the replacement's "?" starts new args (the old ones appended
 * after "&" unless it ends in "?"); `last` stops and searches the location
 * again, `break` stops and stays (r->valid_location = 0), no flag goes on and
 * searches again at the end; `redirect`/`permanent` (or a replacement that
 * starts with http://, https://, $scheme) answer 302/301.
 */
import { isProbeError } from '../../system/types.js';
import type { NginxDirective } from '../../nginx/types.js';
import type { Level } from './config.js';
import { compileNginxRegex, execNginxRegex } from './regex.js';
import { type RequestState, bytesToText, refusedCheck, step } from './state.js';
import { expand, scriptParts } from './variables.js';

export type ScriptResult =
  /** Ran to the end (or to `break`). */
  | { kind: 'next' }
  /** `rewrite … last`: search the location again. */
  | { kind: 'last' }
  /** `rewrite … break`/`break`: stay in this location, stop the rewrite directives. */
  | { kind: 'break' }
  /** `return`, a redirect, or an error (500 on a bad regex the model cannot run, etc.). */
  | { kind: 'status'; status: number; location?: string; text?: string };

const REWRITE_DIRECTIVES = new Set(['rewrite', 'return', 'set', 'if', 'break']);

function at(d: NginxDirective) {
  return { file: d.file, line: d.line };
}

/** Runs the rewrite-module directives of a level (its own, as written). */
export function runScript(r: RequestState, level: Level): ScriptResult {
  for (const d of level.body) {
    if (!REWRITE_DIRECTIVES.has(d.name)) continue;
    const res = runOne(r, d, level);
    if (res.kind !== 'next') return res;
  }
  return { kind: 'next' };
}

function uncertainUnknown(r: RequestState, d: NginxDirective, unknown: string[]): void {
  for (const u of unknown) r.uncertain.push(`${d.name} at ${d.file}:${d.line} uses ${u}, which the model cannot know`);
}

function runOne(r: RequestState, d: NginxDirective, level: Level): ScriptResult {
  switch (d.name) {
    case 'break':
      step(r, 'rewrite', 'break: the rewrite directives stop here', at(d));
      return { kind: 'break' };
    case 'set': {
      const name = (d.args[0] ?? '').replace(/^\$/, '');
      const e = expand(r, d.args[1] ?? '');
      uncertainUnknown(r, d, e.unknown);
      r.vars.set(name.toLowerCase(), e.value);
      step(r, 'set', `set $${name} = "${bytesToText(e.value)}"`, at(d));
      return { kind: 'next' };
    }
    case 'return':
      return doReturn(r, d);
    case 'rewrite':
      return doRewrite(r, d);
    case 'if':
      return doIf(r, d, level);
    default:
      return { kind: 'next' };
  }
}

/** The index of the first '?' outside variable names in a replacement, -1 for none. */
function literalQuestionMark(text: string): number {
  let i = 0;
  for (const p of scriptParts(text)) {
    if ('lit' in p) {
      const q = p.lit.indexOf('?');
      if (q !== -1) return i + q;
      i += p.lit.length;
    } else i += partLength(text, i);
  }
  return -1;
}

/** The length of the variable reference at `i` as written ("$1", "${name}", "$name"). */
function partLength(text: string, i: number): number {
  const m = /^\$(\d|\{[^}]*\}|[A-Za-z0-9_]+)/.exec(text.slice(i));
  return m ? m[0].length : 1;
}

function isRedirectTarget(text: string): boolean {
  return text.startsWith('http://') || text.startsWith('https://') || text.startsWith('$scheme');
}

function doReturn(r: RequestState, d: NginxDirective): ScriptResult {
  const a = d.args;
  // ngx_http_rewrite_return: "return URL" is 302; "return code [text|URL]".
  if (a.length === 1 && !/^\d+$/.test(a[0] as string)) {
    const e = expand(r, a[0] as string);
    uncertainUnknown(r, d, e.unknown);
    step(r, 'return', `return 302 ${bytesToText(e.value)}`, at(d));
    return { kind: 'status', status: 302, location: e.value };
  }
  const status = Number(a[0]);
  if (a.length < 2) {
    step(r, 'return', `return ${status}`, at(d));
    return { kind: 'status', status };
  }
  const e = expand(r, a[1] as string);
  uncertainUnknown(r, d, e.unknown);
  step(r, 'return', `return ${status} "${bytesToText(e.value)}"`, at(d));
  if (status === 301 || status === 302 || status === 303 || status === 307 || status === 308)
    return { kind: 'status', status, location: e.value };
  return { kind: 'status', status, text: e.value };
}

function doRewrite(r: RequestState, d: NginxDirective): ScriptResult {
  const [pattern = '', replacement = '', flag] = d.args;
  const rx = compileNginxRegex(pattern);
  if ('error' in rx) {
    r.uncertain.push(`rewrite ${pattern} (${d.file}:${d.line}): ${rx.error}`);
    return { kind: 'next' };
  }
  const m = execNginxRegex(rx, r.uri);
  if (!m) return { kind: 'next' };
  r.captures = m;
  // ngx_http_script_compile: a '?' written in the replacement starts the new args (one that a
  // variable's value holds stays in the URI); a '?' at its very end drops the old args.
  let repl = replacement;
  let keepArgs = true;
  if (repl.endsWith('?')) {
    keepArgs = false;
    repl = repl.slice(0, -1);
  }
  const q = literalQuestionMark(repl);
  const eu = expand(r, q === -1 ? repl : repl.slice(0, q));
  const ea = q === -1 ? undefined : expand(r, repl.slice(q + 1));
  uncertainUnknown(r, d, [...eu.unknown, ...(ea?.unknown ?? [])]);
  const uri = eu.value;
  const newArgs = ea?.value;
  const args = newArgs === undefined ? (keepArgs ? r.args : '') : keepArgs && r.args ? `${newArgs}&${r.args}` : newArgs;
  const redirect = flag === 'redirect' || flag === 'permanent' || isRedirectTarget(replacement);
  // ngx_http_script_copy_capture_code: captures copied into args or a redirect are %-escaped
  // (NGX_ESCAPE_ARGS) when the request line held a '%' or a '+' (r->quoted_uri, r->plus_in_uri).
  const usesCaptures = /\$(\d|\{\d\})/.test(replacement) || rx.names.some((n) => replacement.includes(n));
  if (usesCaptures && (redirect || q !== -1) && /[%+]/.test(r.request.path))
    r.uncertain.push(
      `rewrite ${pattern} (${d.file}:${d.line}): the captures are %-escaped in the args because the URL holds "%" or "+"; the escaping is not modelled`,
    );
  if (redirect) {
    const status = flag === 'permanent' ? 301 : 302;
    const location = args ? `${uri}?${args}` : uri;
    step(r, 'rewrite', `rewrite ${pattern} → ${status} ${bytesToText(location)}`, at(d));
    return { kind: 'status', status, location };
  }
  step(
    r,
    'rewrite',
    `rewrite ${pattern}: ${bytesToText(r.uri)} → ${bytesToText(uri)}${args ? `?${bytesToText(args)}` : ''}${flag ? ` (${flag})` : ''}`,
    at(d),
  );
  r.uri = uri;
  r.args = args;
  r.internal = true;
  if (flag === 'break') {
    r.validLocation = false;
    r.uriChanged = false;
    return { kind: 'break' };
  }
  r.uriChanged = true;
  if (flag === 'last') return { kind: 'last' };
  return { kind: 'next' };
}

/** ngx_http_rewrite_if_condition: the condition's truth, or undefined when it depends on what the model cannot know. */
/** The condition's words without its parentheses, as ngx_http_rewrite_if_condition strips them. */
export function ifWords(d: NginxDirective): string[] {
  const a = [...d.args];
  if (a.length > 0) a[0] = (a[0] as string).replace(/^\(/, '');
  if (a.length > 0) a[a.length - 1] = (a[a.length - 1] as string).replace(/\)$/, '');
  return a.filter((w, i) => w !== '' || (i !== 0 && i !== a.length - 1));
}

function condition(r: RequestState, d: NginxDirective): boolean | undefined {
  const a = ifWords(d);
  const uncertain = (why: string) => {
    r.uncertain.push(`if (${a.join(' ')}) at ${d.file}:${d.line}: ${why}`);
    return undefined;
  };
  const value = (text: string) => {
    const e = expand(r, text);
    if (e.unknown.length > 0) return undefined;
    return e.value;
  };
  if (a.length === 1) {
    const v = value(a[0] as string);
    if (v === undefined) return uncertain('it uses a variable the model cannot know');
    // ngx_http_script_if_code: false when empty or "0".
    return v !== '' && v !== '0';
  }
  if (a.length === 2) {
    const [op = '', arg = ''] = a;
    const neg = op.startsWith('!');
    const test = neg ? op.slice(1) : op;
    const v = value(arg);
    if (v === undefined) return uncertain('it uses a variable the model cannot know');
    const st = r.options.fs.stat(bytesToText(v));
    if (isProbeError(st) && st.error === 'denied' && !st.refused)
      return uncertain(`the doctor cannot see ${bytesToText(v)}`);
    // ngx_http_script_file_code: any error (EACCES to nginx's worker included) makes -f/-d/-e false, ! true.
    if (isProbeError(st) && st.refused)
      step(r, 'if', `${bytesToText(v)}: ${refusedCheck(r, 'if', bytesToText(v), st.refused, at(d))}`, at(d));
    const ok = !isProbeError(st);
    let res: boolean;
    if (test === '-f') res = ok && st.type !== 'dir';
    else if (test === '-d') res = ok && st.type === 'dir';
    else if (test === '-e') res = ok;
    else if (test === '-x') return uncertain('-x depends on the execute bits as nginx sees them');
    else return uncertain(`operator ${op} is not modelled`);
    return neg ? !res : res;
  }
  if (a.length === 3) {
    const [left = '', op = '', right = ''] = a;
    const v = value(left);
    if (v === undefined) return uncertain('it uses a variable the model cannot know');
    if (op === '=' || op === '!=') {
      const rv = value(right);
      if (rv === undefined) return uncertain('it uses a variable the model cannot know');
      return (v === rv) === (op === '=');
    }
    if (op === '~' || op === '~*' || op === '!~' || op === '!~*') {
      const rx = compileNginxRegex(right, op.endsWith('*'));
      if ('error' in rx) return uncertain(rx.error);
      const m = execNginxRegex(rx, v);
      if (op.startsWith('!')) return m === null;
      if (m) r.captures = m;
      if (m) for (const [k, val] of Object.entries(m.named)) r.vars.set(k.toLowerCase(), val);
      return m !== null;
    }
    return uncertain(`operator ${op} is not modelled`);
  }
  return uncertain('a condition of this form is not modelled');
}

function doIf(r: RequestState, d: NginxDirective, parent: Level): ScriptResult {
  const truth = condition(r, d);
  const level = parent.ifs?.get(d);
  if (truth !== true || !level) {
    step(
      r,
      'if',
      `if (${ifWords(d).join(' ')}): ${truth === undefined ? 'undecided, taken as false' : 'false'}`,
      at(d),
    );
    return { kind: 'next' };
  }
  step(r, 'if', `if (${ifWords(d).join(' ')}): true, its block's configuration applies`, at(d));
  r.level = level;
  return runScript(r, level);
}
