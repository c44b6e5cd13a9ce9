/**
 * What the parsed tree says about the server as a whole: its virtual hosts,
 * the identity its children run as (User/Group), its error logs, its runtime
 * directory and its Timeout. Main-server values are inherited by every vhost
 * that does not set its own.
 */
import * as path from 'node:path';
import { collectInScope } from './scope.js';
import { walk, type Directive } from './tree.js';

export interface VirtualHostInfo {
  /** Addresses as written after expansion ("*:80", "[::1]:443"). */
  addresses: string[];
  serverName?: string;
  serverAliases: string[];
  documentRoot?: string;
  errorLog?: string;
  file: string;
  line: number;
  includedFrom: string[];
  /** httpd's pseudo-file name when the vhost comes from a macro expansion. */
  macro?: string;
}

export interface ErrorLogInfo {
  /** Absolute path, or the pipe/syslog target as written. */
  target: string;
  /** undefined for the main server. */
  vhost?: string;
  file?: string;
  line?: number;
}

/** Debian's compiled-in DEFAULT_ERRORLOG. */
export const DEFAULT_ERRORLOG = 'logs/error_log';
/** DEFAULT_REL_RUNTIMEDIR. */
export const DEFAULT_RUNTIME_DIR = 'logs';
export const DEFAULT_TIMEOUT = 60;

export function resolveServerPath(serverRoot: string, p: string): string {
  return path.posix.isAbsolute(p) ? path.posix.normalize(p) : path.posix.join(serverRoot, p);
}

const mainValues = new WeakMap<readonly Directive[], Map<string, Directive | undefined>>();

/** The last active directive `name` at the top of the main server (outside every vhost and section). */
export function mainServerValue(tree: readonly Directive[], name: string): Directive | undefined {
  let values = mainValues.get(tree);
  if (!values) {
    values = new Map();
    mainValues.set(tree, values);
  }
  if (values.has(name)) return values.get(name);
  let last: Directive | undefined;
  for (const sd of collectInScope(tree, name, undefined)) if (sd.chain.length === 0) last = sd.d;
  values.set(name, last);
  return last;
}

// Only vhosts with many directives get a table: a small one is cheaper to scan
// than to index (thousands of vhosts, a table each, were most of the memory).
const vhostValues = new WeakMap<Directive, Map<string, Directive>>();
const SCAN_LIMIT = 48;

/** The last active `name` directly inside a vhost (not in its sections). */
export function vhostValue(vhost: Directive, name: string): Directive | undefined {
  const values = vhostValues.get(vhost);
  if (values) return values.get(name);
  const found = scanValue(vhost.children, name, { budget: SCAN_LIMIT, last: undefined });
  if (found !== TOO_BIG) return found;
  const m = new Map<string, Directive>();
  walk(vhost.children, (d) => {
    if (!d.active) return false;
    if (d.isSection && !CONDITIONAL_SECTIONS.has(d.name)) return false;
    if (!d.isSection) m.set(d.name, d);
    return true;
  });
  vhostValues.set(vhost, m);
  return m.get(name);
}

/** Does the vhost itself (not its sections, as vhostValue sees it) set any of `names`? */
export function vhostSetsAny(vhost: Directive, names: ReadonlySet<string>): boolean {
  const values = vhostValues.get(vhost);
  if (values) {
    for (const n of names) if (values.has(n)) return true;
    return false;
  }
  return scanAny(vhost.children, names);
}

function scanAny(nodes: readonly Directive[], names: ReadonlySet<string>): boolean {
  for (let i = 0; i < nodes.length; i++) {
    const d = nodes[i] as Directive;
    if (!d.active) continue;
    if (d.isSection && !CONDITIONAL_SECTIONS.has(d.name)) continue;
    if (!d.isSection && names.has(d.name)) return true;
    if (d.children.length > 0 && scanAny(d.children, names)) return true;
  }
  return false;
}

const TOO_BIG = Symbol('too big');

/** The walk above, for one name, giving up after `budget` directives. */
function scanValue(
  nodes: readonly Directive[],
  name: string,
  st: { budget: number; last: Directive | undefined },
): Directive | undefined | typeof TOO_BIG {
  for (let i = 0; i < nodes.length; i++) {
    const d = nodes[i] as Directive;
    if (--st.budget < 0) return TOO_BIG;
    if (!d.active) continue;
    if (d.isSection && !CONDITIONAL_SECTIONS.has(d.name)) continue;
    if (!d.isSection && d.name === name) st.last = d;
    if (d.children.length > 0 && scanValue(d.children, name, st) === TOO_BIG) return TOO_BIG;
  }
  return st.last;
}

const CONDITIONAL_SECTIONS = new Set(['ifmodule', 'ifdefine', 'iffile', 'ifdirective', 'ifsection', 'ifversion']);

/** Main-server value unless the vhost overrides it. */
export function serverSetting(
  tree: readonly Directive[],
  vhost: Directive | undefined,
  name: string,
): Directive | undefined {
  return (vhost && vhostValue(vhost, name)) || mainServerValue(tree, name);
}

export function listVhosts(tree: readonly Directive[]): Directive[] {
  const out: Directive[] = [];
  walk(tree, (d) => {
    if (!d.active) return false;
    if (d.name === 'macro') return false;
    if (d.name === 'virtualhost') {
      out.push(d);
      return false;
    }
    return true;
  });
  return out;
}

const described = new WeakMap<Directive, { serverRoot: string; info: VirtualHostInfo }>();

export function describeVhost(v: Directive, serverRoot: string): VirtualHostInfo {
  const cached = described.get(v);
  if (cached && cached.serverRoot === serverRoot) return cached.info;
  const info: VirtualHostInfo = {
    addresses: v.args,
    serverAliases: [],
    file: v.file,
    line: v.line,
    includedFrom: v.includedFrom,
  };
  if (v.macro) info.macro = v.macro;
  const name = vhostValue(v, 'servername')?.args[0];
  if (name) info.serverName = name;
  walk(v.children, (d) => {
    if (!d.active) return false;
    if (d.name === 'serveralias') info.serverAliases.push(...d.args);
    return true;
  });
  const root = vhostValue(v, 'documentroot')?.args[0];
  if (root) info.documentRoot = resolveServerPath(serverRoot, root);
  const log = vhostValue(v, 'errorlog')?.args[0];
  if (log) info.errorLog = logTarget(serverRoot, log);
  described.set(v, { serverRoot, info });
  return info;
}

/** A pipe or syslog target stays as written; a file is made absolute against ServerRoot. */
export function logTarget(serverRoot: string, value: string): string {
  return value.startsWith('|') || value.startsWith('syslog') ? value : resolveServerPath(serverRoot, value);
}

export function vhostLabel(v: Directive): string {
  const name = vhostValue(v, 'servername')?.args[0];
  return `${v.args.join(' ')}${name ? ` (${name})` : ''}`;
}

export interface Identity {
  user?: string;
  group?: string;
  userAt?: Directive;
  groupAt?: Directive;
}

/** User/Group of the main server; a value still holding ${...} could not be resolved. */
export function webIdentity(tree: readonly Directive[]): Identity {
  const id: Identity = {};
  const u = mainServerValue(tree, 'user');
  const g = mainServerValue(tree, 'group');
  if (u) {
    id.userAt = u;
    if (u.args[0] && !u.args[0].includes('${')) id.user = u.args[0];
  }
  if (g) {
    id.groupAt = g;
    if (g.args[0] && !g.args[0].includes('${')) id.group = g.args[0];
  }
  return id;
}

export function errorLogs(tree: readonly Directive[], serverRoot: string): ErrorLogInfo[] {
  const main = mainServerValue(tree, 'errorlog');
  const logs: ErrorLogInfo[] = [
    main
      ? { target: logTarget(serverRoot, main.args[0] ?? DEFAULT_ERRORLOG), file: main.file, line: main.line }
      : { target: resolveServerPath(serverRoot, DEFAULT_ERRORLOG) },
  ];
  for (const v of listVhosts(tree)) {
    const d = vhostValue(v, 'errorlog');
    if (d)
      logs.push({ target: logTarget(serverRoot, d.args[0] ?? ''), vhost: vhostLabel(v), file: d.file, line: d.line });
  }
  return logs;
}

export function runtimeDir(tree: readonly Directive[], serverRoot: string): string {
  const d = mainServerValue(tree, 'defaultruntimedir');
  return resolveServerPath(serverRoot, d?.args[0] ?? DEFAULT_RUNTIME_DIR);
}

/** Core Timeout for a vhost (seconds). */
export function coreTimeout(tree: readonly Directive[], vhost: Directive | undefined): number {
  const d = serverSetting(tree, vhost, 'timeout');
  const n = Number.parseInt(d?.args[0] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_TIMEOUT;
}
