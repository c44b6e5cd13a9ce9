/**
 * The argument checks of a few handlers whose mistakes are common, in
 * nginx's words: `if` (src/http/modules/ngx_http_rewrite_module.c
 * ngx_http_rewrite_if_condition), `add_header`/`add_trailer`
 * (ngx_http_headers_filter_module.c ngx_http_headers_add), `access_log`
 * naming a `log_format` (ngx_http_log_module.c ngx_http_log_set_log).
 */
import type { NginxDirective } from './types.js';

const FILE_OPS = new Set(['f', 'd', 'e', 'x']);

/** ngx_http_rewrite_if_condition, on the words as nginx holds them (value[0] is "if"). */
export function ifConditionError(d: NginxDirective): string | undefined {
  const value = ['if', ...d.args];
  let last = value.length - 1;
  const first = value[1] ?? '';
  if (first.length < 1 || first[0] !== '(') return `invalid condition "${first}"`;
  let cur: number;
  if (first.length === 1) cur = 2;
  else {
    cur = 1;
    value[1] = first.slice(1);
  }
  const lastWord = value[last] ?? '';
  if (lastWord.length < 1 || lastWord[lastWord.length - 1] !== ')') return `invalid condition "${lastWord}"`;
  if (lastWord.length === 1) last--;
  else value[last] = lastWord.slice(0, -1);
  const p = value[cur] ?? '';
  if (p.length > 1 && p[0] === '$') {
    if (cur !== last && cur + 2 !== last) return `invalid condition "${p}"`;
    if (cur === last) return undefined;
    const op = value[cur + 1] ?? '';
    if (['=', '!=', '~', '~*', '!~', '!~*'].includes(op)) return undefined;
    return `unexpected "${op}" in condition`;
  }
  if ((p.length === 2 && p[0] === '-') || (p.length === 3 && p[0] === '!' && p[1] === '-')) {
    if (cur + 1 !== last) return `invalid condition "${p}"`;
    const op = p[0] === '!' ? p[2] : p[1];
    if (FILE_OPS.has(op ?? '')) return undefined;
    return `invalid condition "${p}"`;
  }
  return `invalid condition "${p}"`;
}

/** ngx_http_headers_add: the third word may only be "always". */
export function addHeaderError(d: NginxDirective): string | undefined {
  const third = d.args[2] ?? '';
  if (d.args.length === 3 && third.split('\0')[0] !== 'always') return `invalid parameter "${third}"`;
  return undefined;
}

/**
 * ngx_http_log_set_log: with a second word, it names a log_format defined
 * earlier in the http block, compared without case ("combined" is built in);
 * `off` takes nothing else.
 */
export function accessLogError(d: NginxDirective, formats: ReadonlySet<string>): string | undefined {
  const path = d.args[0] ?? '';
  if (path.split('\0')[0] === 'off') return d.args.length === 1 ? undefined : `invalid parameter "${d.args[1] ?? ''}"`;
  if (d.args.length < 2) return undefined;
  const name = d.args[1] ?? '';
  if (formats.has(name.toLowerCase())) return undefined;
  return `unknown log format "${name}"`;
}
