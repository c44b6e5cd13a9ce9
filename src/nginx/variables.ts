/**
 * `unknown "x" variable`: src/http/ngx_http_variables.c
 * ngx_http_variables_init_vars, once the http block is read, refuses a
 * variable used in a script or complex value that no module defines, no
 * `set`/`map`/`geo`/`split_clients`/`auth_request_set` defines, and no named
 * capture of a regular expression defines. nginx names no line; we name the
 * first directive using it.
 *
 * To never refuse what nginx accepts, the check is lopsided: the names taken
 * as defined are a superset (every lower-case ngx_string literal of nginx's
 * http sources, every named capture written anywhere, including in a
 * directive we do not scan), and only the arguments known to be scripts or
 * complex values are scanned (never a regular expression, where `$` is an
 * anchor).
 */
import { HTTP_VARIABLE_NAMES, HTTP_VARIABLE_PREFIXES } from './directiveTable.js';
import type { NginxDirective, NginxIssue } from './types.js';

const BUILTIN = new Set(HTTP_VARIABLE_NAMES);

/** Which arguments (by index; -1: the last) of a directive are scripts or complex values. */
const SCANNED: Record<string, readonly number[] | 'all'> = {
  set: [1],
  return: [-1],
  root: [0],
  alias: [0],
  try_files: 'all',
  index: 'all',
  fastcgi_param: [1],
  uwsgi_param: [1],
  scgi_param: [1],
  proxy_set_header: [1],
  grpc_set_header: [1],
  add_header: [1],
  fastcgi_pass: [0],
  proxy_pass: [0],
  uwsgi_pass: [0],
  scgi_pass: [0],
  grpc_pass: [0],
  rewrite: [1],
  error_page: [-1],
  map: [0],
  split_clients: [0],
  fastcgi_cache_key: [0],
  proxy_cache_key: [0],
  auth_basic: [0],
  auth_request_set: [1],
  log_format: 'all',
  access_log: [0],
  limit_req_zone: [0],
  limit_conn_zone: [0],
};

/** Directives whose argument `index` names the variable they define. */
const DEFINES: Record<string, number> = {
  set: 0,
  map: 1,
  split_clients: 1,
  auth_request_set: 0,
  perl_set: 0,
  js_set: 0,
};

const REGEX_OPS = new Set(['~', '~*', '!~', '!~*']);
const IF_OPS = new Set(['=', '!=', '-f', '!-f', '-d', '!-d', '-e', '!-e', '-x', '!-x']);

const NO_VARIABLES: { names: string[] } = Object.freeze({ names: Object.freeze([]) as unknown as string[] });

/** [A-Za-z0-9_] */
function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

/**
 * The variables of a script or complex value as src/http/ngx_http_script.c
 * ngx_http_script_compile reads them: `$name`, `${name}`; `$1`…`$9` are
 * captures; `$` followed by no name is "invalid variable name", `${name`
 * without its `}` "the closing bracket in … variable is missing".
 */
export function scriptVariables(text: string): { names: string[]; error?: string } {
  if (text.indexOf('$') === -1) return NO_VARIABLES;
  const names: string[] = [];
  const len = text.length;
  let i = 0;
  while (i < len) {
    if (text[i] !== '$') {
      i++;
      continue;
    }
    if (++i === len) return { names, error: 'invalid variable name' };
    const c = text[i] ?? '';
    if (c >= '1' && c <= '9') {
      i++;
      continue;
    }
    let bracket = c === '{';
    if (bracket && ++i === len) return { names, error: 'invalid variable name' };
    const start = i;
    let end = i;
    for (; i < len; i++) {
      const ch = text[i] ?? '';
      if (ch === '}' && bracket) {
        end = i;
        i++;
        bracket = false;
        break;
      }
      if (!isNameChar(ch.charCodeAt(0))) break;
      end = i + 1;
    }
    const name = text.slice(start, end);
    if (bracket) return { names, error: `the closing bracket in "${name}" variable is missing` };
    if (name.length === 0) return { names, error: 'invalid variable name' };
    names.push(name.toLowerCase());
  }
  return { names };
}

function references(text: string): string[] {
  return scriptVariables(text).names;
}

/** The first script syntax error in the arguments nginx compiles as scripts (log_format has its own parser). */
export function scriptError(d: NginxDirective): string | undefined {
  if (d.name === 'if' || d.name === 'log_format') return undefined;
  for (const a of scannedArgs(d)) {
    const e = scriptVariables(a).error;
    if (e) return e;
  }
  return undefined;
}

/** Named captures, (?<name>…), (?P<name>…) and (?'name'…), wherever written. */
function captures(text: string, into: Set<string>): void {
  if (text.indexOf('(?') === -1) return;
  for (const m of text.matchAll(/\(\?P?(?:<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/g)) {
    into.add((m[1] ?? m[2] ?? '').toLowerCase());
  }
}

function scannedArgs(d: NginxDirective): string[] {
  if (d.name === 'if') {
    const words = d.args.map((w, i) => {
      let v = w;
      if (i === 0) v = v.replace(/^\(/, '');
      if (i === d.args.length - 1) v = v.replace(/\)$/, '');
      return v;
    });
    const op = words.findIndex((w) => REGEX_OPS.has(w));
    const kept = op === -1 ? words : words.slice(0, op);
    return kept.filter((w) => !IF_OPS.has(w));
  }
  if (d.name === 'geo') return d.args.length === 2 ? [d.args[0] ?? ''] : [];
  const spec = SCANNED[d.name];
  if (!spec) return [];
  if (spec === 'all') return d.args;
  return spec.map((i) => d.args[i < 0 ? d.args.length + i : i] ?? '');
}

/**
 * The variables an http block defines and uses, fed one directive at a time in
 * reading order by the reader as it reads (TableGrammar.observe): no walk of
 * its own over a tree of 5,000 servers.
 */
export class VariableScan {
  private readonly defined = new Set<string>();
  /** The first use of each name, in order: only the first of a name unknown is reported. */
  private readonly uses = new Map<string, NginxDirective>();

  /**
   * A directive of an http block; `inEntries`: inside types/map/geo…; `inMap`: a line of a map block itself.
   * Returns what scriptError(d) would: the scripts are read once for both.
   */
  observe(d: NginxDirective, inEntries: boolean, inMap: boolean): string | undefined {
    const args = d.args;
    for (let i = 0; i < args.length; i++) captures(args[i] as string, this.defined);
    captures(d.name, this.defined);
    // ngx_http_map: each value is a complex value.
    if (inMap && args.length === 1) this.useAll(references(args[0] ?? ''), d);
    if (inEntries) return undefined;
    const at = DEFINES[d.name];
    if (at !== undefined) for (const n of references(args[at] ?? '')) this.defined.add(n);
    if (d.name === 'geo') for (const n of references(args.at(-1) ?? '')) this.defined.add(n);
    const scanned = scannedArgs(d);
    let error: string | undefined;
    for (let i = 0; i < scanned.length; i++) {
      const v = scriptVariables(scanned[i] as string);
      this.useAll(v.names, d);
      error ??= v.error;
    }
    return d.name === 'if' || d.name === 'log_format' ? undefined : error;
  }

  private useAll(names: readonly string[], d: NginxDirective): void {
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (!this.uses.has(name)) this.uses.set(name, d);
    }
  }

  /** `unknown "x" variable` for each name used and never defined; none when a module we do not know may define it. */
  issues(foreignModules: boolean): NginxIssue[] {
    if (foreignModules) return [];
    const out: NginxIssue[] = [];
    for (const [name, d] of this.uses) {
      if (this.defined.has(name) || BUILTIN.has(name)) continue;
      if (HTTP_VARIABLE_PREFIXES.some((p) => name.startsWith(p))) continue;
      out.push({
        severity: 'emerg',
        message: `unknown "${name}" variable`,
        file: d.file,
        line: d.line,
        includedFrom: d.includedFrom,
      });
    }
    return out;
  }
}
