/**
 * php-fpm.conf and everything it includes, read in the order FPM reads it
 * (sapi/fpm/fpm/fpm_conf.c: fpm_conf_load_ini_file, fpm_conf_ini_parser,
 * fpm_conf_ini_parser_section, fpm_conf_ini_parser_entry, fpm_conf_ini_parser_array,
 * fpm_conf_ini_parser_include, fpm_conf_expand_pool_name, fpm_evaluate_full_path).
 * Problems are collected as issues; nothing here throws on bad input.
 */
import { POOL_ARRAYS, GLOBAL_DIRECTIVES, POOL_DIRECTIVES, booleanValue, checkValue, knows } from './directives.js';
import { expandIncludeGlob } from './glob.js';
import { scanIni } from './ini.js';
import { parseListenAddress } from './listen.js';
import type { FpmConfig, FpmEntry, FpmIssue, FpmLoadOptions, FpmPoolConfig } from './types.js';

const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_MAX_FILES = 512;
/** fpm_conf_ini_parser_include: `ini_recursion++ > 4` → "failed to include more than 5 files recursively". */
const MAX_INCLUDE_DEPTH = 5;

export interface FpmReadOptions extends FpmLoadOptions {
  /** PHP version as major*100+minor (802 for 8.2): directives newer than it are unknown. */
  version?: number;
}

interface State {
  opts: FpmReadOptions;
  prefix: string;
  issues: FpmIssue[];
  files: string[];
  global: FpmEntry[];
  pools: Map<string, FpmPoolConfig>;
  current: FpmPoolConfig | undefined;
  /** The file whose include= is being expanded, for the recursion limit. */
  depth: number;
}

function makePool(name: string, file: string, line: number): FpmPoolConfig {
  const entries: FpmEntry[] = [];
  return {
    name,
    file,
    line,
    entries,
    get: (key) => [...entries].reverse().find((e) => e.key === key && e.offset === undefined),
    phpValues: [],
    phpAdminValues: [],
    env: [],
  };
}

/** FPM's path rule (fpm_evaluate_full_path): absolute stays, `$prefix/x` and `x` are under the prefix. */
export function fullPath(value: string, prefix: string): string {
  if (value.startsWith('/')) return value;
  const rest = value.startsWith('$prefix') ? value.slice('$prefix'.length).replace(/^\/+/, '') : value;
  return rest === '' ? prefix : `${prefix.replace(/\/+$/, '')}/${rest}`;
}

function issue(st: State, file: string, line: number, message: string, severity: FpmIssue['severity'] = 'error'): void {
  st.issues.push({ file, line, message, severity, ...(st.current ? { pool: st.current.name } : {}) });
}

function notVisible(st: State, file: string, code: string | undefined, error: string): string {
  if (code === 'EACCES' || code === 'EPERM') {
    const who = st.opts.readerUser !== undefined ? `user ${st.opts.readerUser}` : 'this user';
    return `${file} is not visible to ${who}; run with sudo to read it`;
  }
  return `cannot read ${file}: ${error}`;
}

function readFile(st: State, file: string, from?: { file: string; line: number }): void {
  if (st.files.length >= (st.opts.maxFiles ?? DEFAULT_MAX_FILES)) {
    issue(
      st,
      from?.file ?? file,
      from?.line ?? 0,
      `more than ${st.opts.maxFiles ?? DEFAULT_MAX_FILES} files included; read no further`,
    );
    return;
  }
  const maxBytes = st.opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const got = st.opts.reader.readText(file, maxBytes);
  if ('error' in got) {
    issue(
      st,
      from?.file ?? file,
      from?.line ?? 0,
      from
        ? `Unable to include ${file}: ${notVisible(st, file, got.code, got.error)}`
        : `failed to load configuration file: ${notVisible(st, file, got.code, got.error)}`,
    );
    // A file there that this run may not read is a limit of the run, which callers say apart.
    const last = st.issues[st.issues.length - 1];
    if (last && got.code !== 'ENOENT') last.unreadable = true;
    return;
  }
  st.files.push(file);
  if (got.truncated) {
    issue(st, file, 0, `${file} is larger than ${maxBytes} bytes; not a configuration file FPM would be given`);
    return;
  }
  if (got.text.includes('\u0000')) {
    issue(st, file, 0, `${file} is a binary file, not an INI configuration`);
    return;
  }
  const env = st.opts.env ?? {};
  for (const ev of scanIni(got.text, env)) {
    if (ev.kind === 'syntax') {
      issue(st, file, ev.line, `syntax error: ${ev.message}`);
      return;
    }
    if (ev.kind === 'section') {
      section(st, file, ev.name, ev.line);
      continue;
    }
    if (ev.value === null) {
      issue(st, file, ev.line, `'${ev.key}' has no value: FPM says "value is NULL for a ZEND_INI_PARSER_ENTRY"`);
      continue;
    }
    if (ev.offset !== undefined) {
      arrayEntry(st, file, { key: ev.key, offset: ev.offset, value: ev.value, raw: ev.raw, file, line: ev.line });
      continue;
    }
    if (ev.key.toLowerCase() === 'include') {
      include(st, file, ev.line, ev.value);
      continue;
    }
    plainEntry(st, { key: ev.key, value: ev.value, raw: ev.raw, file, line: ev.line });
  }
}

/** fpm_conf_ini_parser_section: [global] leaves the pool; a known name (any case) re-opens that pool. */
function section(st: State, file: string, name: string, line: number): void {
  if (name.toLowerCase() === 'global') {
    st.current = undefined;
    return;
  }
  const known = st.pools.get(name.toLowerCase());
  if (known) {
    issue(
      st,
      file,
      line,
      `pool [${name}] is already defined at ${known.file}:${known.line}; FPM merges both sections and the later values win`,
      'warning',
    );
    st.current = known;
    return;
  }
  const pool = makePool(name, file, line);
  st.pools.set(name.toLowerCase(), pool);
  st.current = pool;
}

/** fpm_conf_expand_pool_name: `$pool` is the pool's name; outside a pool it is an error. */
function expandPool(st: State, e: FpmEntry): FpmEntry | undefined {
  if (!e.value.includes('$pool')) return e;
  if (!st.current) {
    issue(
      st,
      e.file,
      e.line,
      `unable to parse value for entry '${e.key}': Can't use '$pool' when the pool is not defined`,
    );
    return undefined;
  }
  return { ...e, value: e.value.split('$pool').join(st.current.name) };
}

function plainEntry(st: State, e: FpmEntry): void {
  const table = st.current ? POOL_DIRECTIVES : GLOBAL_DIRECTIVES;
  // Plain names are matched without case (fpm_conf_ini_parser_entry: strcasecmp); stored by their table name.
  const name = Object.keys(table).find((k) => k === e.key.toLowerCase());
  const d = name ? table[name] : undefined;
  if (name) e = { ...e, key: name };
  if (!knows(d, st.opts.version) || !d) {
    issue(st, e.file, e.line, `unknown entry '${e.key}'`);
    return;
  }
  const complaint = checkValue(d.kind, e.value);
  if (complaint) {
    issue(st, e.file, e.line, `unable to parse value for entry '${e.key}': ${complaint}`);
    return;
  }
  const expanded = d.kind === 'string' ? expandPool(st, e) : e;
  if (!expanded) return;
  if (st.current) st.current.entries.push(expanded);
  else st.global.push(expanded);
}

function arrayEntry(st: State, file: string, e: FpmEntry): void {
  if (!st.current) {
    issue(st, file, e.line, 'Array are not allowed in the global section');
    return;
  }
  const kind = POOL_ARRAYS[e.key];
  if (!knows(kind, st.opts.version) || !kind) {
    issue(st, file, e.line, `unknown directive '${e.key}'`);
    return;
  }
  if (e.offset === '') {
    issue(st, file, e.line, `You must provide a key for field '${e.key}'`);
    return;
  }
  if (kind.bool && checkValue('bool', e.value)) {
    issue(st, file, e.line, `error while parsing '${e.key}[${e.offset ?? ''}]' : invalid boolean value`);
    return;
  }
  const expanded = kind.bool ? { ...e, value: booleanValue(e.value) ? 'On' : 'Off' } : expandPool(st, e);
  if (!expanded) return;
  st.current.entries.push(expanded);
  if (e.key === 'env') st.current.env.push(expanded);
  else if (e.key === 'php_value' || e.key === 'php_flag') st.current.phpValues.push(expanded);
  else if (e.key === 'php_admin_value' || e.key === 'php_admin_flag') st.current.phpAdminValues.push(expanded);
}

/** fpm_conf_ini_parser_include: the pattern under the prefix, glob(3), each match read in place. */
function include(st: State, file: string, line: number, value: string): void {
  if (st.depth >= MAX_INCLUDE_DEPTH) {
    issue(st, file, line, `failed to include more than ${MAX_INCLUDE_DEPTH} files recursively (an include loop?)`);
    return;
  }
  const pattern = fullPath(value, st.prefix);
  const limit = st.opts.maxFiles ?? DEFAULT_MAX_FILES;
  const { matches, aborted } = expandIncludeGlob(st.opts.reader, pattern, limit);
  if (aborted) {
    issue(st, file, line, `Unable to globalize '${pattern}': ${aborted}`);
    return;
  }
  if (matches.length === 0) {
    issue(st, file, line, `Nothing matches the include pattern '${pattern}'`, 'warning');
    return;
  }
  for (const m of matches) {
    if (st.opts.reader.isDirectory(m)) continue; // GLOB_MARK: FPM skips directories
    st.depth++;
    readFile(st, m, { file, line });
    st.depth--;
  }
}

/**
 * Read a main configuration file (php-fpm.conf, or -y's argument) as FPM does.
 * Only the parse is checked here; validateFpmConfig adds what FPM checks after.
 */
export function readFpmConfig(file: string, opts: FpmReadOptions): FpmConfig {
  const st: State = {
    opts,
    prefix: opts.prefix ?? '/usr',
    issues: [],
    files: [],
    global: [],
    pools: new Map(),
    current: undefined,
    depth: 0,
  };
  readFile(st, file);
  const pools = [...st.pools.values()];
  for (const p of pools) {
    const listen = p.get('listen');
    const parsed = listen ? parseListenAddress(listen.value) : undefined;
    if (parsed)
      p.listen =
        parsed.kind === 'unix'
          ? { kind: 'unix', path: fullPath(parsed.path, p.get('prefix')?.value ?? st.prefix) }
          : parsed;
  }
  const global = st.global;
  return {
    file,
    prefix: st.prefix,
    global,
    globalGet: (key) => [...global].reverse().find((e) => e.key === key),
    pools,
    files: st.files,
    issues: st.issues,
  };
}
