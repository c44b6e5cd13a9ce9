/**
 * The argument checks of a few handlers whose mistakes are common, in
 * nginx's words: `if` (src/http/modules/ngx_http_rewrite_module.c
 * ngx_http_rewrite_if_condition), `add_header`/`add_trailer`
 * (ngx_http_headers_filter_module.c ngx_http_headers_add), `access_log`
 * naming a `log_format` (ngx_http_log_module.c ngx_http_log_set_log).
 */
import type { NginxDirective } from './types.js';
import { cString } from './words.js';

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
  if (d.args.length === 3 && cString(third) !== 'always') return `invalid parameter "${third}"`;
  return undefined;
}

/**
 * ngx_http_log_set_log: with a second word, it names a log_format defined
 * earlier in the http block, compared without case ("combined" is built in);
 * `off` takes nothing else.
 */
export function accessLogError(d: NginxDirective, formats: ReadonlySet<string>): string | undefined {
  const path = d.args[0] ?? '';
  if (cString(path) === 'off') return d.args.length === 1 ? undefined : `invalid parameter "${d.args[1] ?? ''}"`;
  if (d.args.length < 2) return undefined;
  const name = d.args[1] ?? '';
  if (formats.has(name.toLowerCase())) return undefined;
  return `unknown log format "${name}"`;
}

/** ngx_methods_names, compared without case (ngx_http_core_limit_except). */
const METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'MKCOL',
  'COPY',
  'MOVE',
  'OPTIONS',
  'PROPFIND',
  'PROPPATCH',
  'LOCK',
  'UNLOCK',
  'PATCH',
]);

export function limitExceptError(d: NginxDirective): string | undefined {
  const bad = d.args.find((m) => !METHODS.has(cString(m).toUpperCase()));
  return bad === undefined ? undefined : `invalid method "${bad}"`;
}

/** ngx_atoi: decimal digits only. */
function atoi(v: string): number {
  return /^[0-9]+$/.test(v) ? Number(v) : Number.NaN;
}

/** ngx_http_core_error_page: codes 300–599 (not 499), an optional `=` or `=code`, then the URI. */
export function errorPageError(d: NginxDirective): string | undefined {
  const value = ['error_page', ...d.args];
  const last = value.length - 1;
  let n = 1;
  const eq = value[last - 1] ?? '';
  if (eq.startsWith('=')) {
    if (last - 1 === 1) return `invalid value "${eq}"`;
    if (eq.length > 1 && Number.isNaN(atoi(eq.slice(1)))) return `invalid value "${eq}"`;
    n = 2;
  }
  for (let i = 1; i < value.length - n; i++) {
    const v = value[i] ?? '';
    const status = atoi(v);
    if (Number.isNaN(status) || status === 499) return `invalid value "${v}"`;
    if (status < 300 || status > 599) return `value "${v}" must be between 300 and 599`;
  }
  return undefined;
}

/** ngx_http_access_rule via ngx_ptocidr: `all`, `unix:`, an address or a CIDR block. */
export function accessRuleError(d: NginxDirective, isIP: (s: string) => number): string | undefined {
  const v = d.args[0] ?? '';
  const c = cString(v);
  if (c === 'all' || c === 'unix:') return undefined;
  const m = /^([^/]+)(?:\/(\d+))?$/.exec(v);
  const family = m ? isIP(m[1] ?? '') : 0;
  if (m && family !== 0) {
    if (m[2] === undefined || Number(m[2]) <= (family === 4 ? 32 : 128)) return undefined;
  }
  return `invalid parameter "${v}"`;
}

/** ngx_http_upstream_server: the parameters nginx knows (open source 1.22). */
export function upstreamServerError(d: NginxDirective): string | undefined {
  for (const w of d.args.slice(1)) {
    const c = cString(w);
    if (c === 'backup' || c === 'down') continue;
    const m = /^(weight|max_conns|max_fails|fail_timeout)=(.*)$/s.exec(w);
    if (!m) return `invalid parameter "${w}"`;
    const val = m[2] ?? '';
    if (m[1] === 'fail_timeout') {
      if (!/^(\d+(ms|s|m|h|d|w|M|y)?\s*)+$/.test(val)) return `invalid parameter "${w}"`;
    } else {
      const n = atoi(val);
      if (Number.isNaN(n) || (m[1] === 'weight' && n === 0)) return `invalid parameter "${w}"`;
    }
  }
  return undefined;
}
