/**
 * The grammar of Debian's nginx 1.22: src/core/ngx_conf_file.c
 * ngx_conf_handler over the ngx_command_t table of its modules
 * (directiveTable.ts, generated from the source), plus the checks the
 * handlers make that a configuration commonly trips: "is duplicate", the
 * location nesting rules of ngx_http_core_location, `root`/`alias`,
 * `load_module` (a dynamic module's directives exist only once it is loaded).
 */
import { isIP } from 'node:net';
import * as path from 'node:path';
import {
  type LocationName,
  type NginxContext,
  type NginxEntryBlock,
  type NginxScope,
  locationName,
} from './context.js';
import { DYNAMIC_DIRECTIVES, type DirectiveRow, SLOT_VALUES, STATIC_DIRECTIVES } from './directiveTable.js';
import { type NginxGrammar, type StatementVerdict, blockContext } from './grammar.js';
import {
  accessLogError,
  accessRuleError,
  addHeaderError,
  errorPageError,
  ifConditionError,
  limitExceptError,
  upstreamServerError,
} from './conditions.js';
import { ListenTable, listenAddress } from './listen.js';
import { regexError } from './regex.js';
import { cString } from './words.js';
import { type ServerNames, conflictingServerNames } from './serverNames.js';
import type { NginxFileSource } from './source.js';
import { type TlsBlock, type TlsServer, tlsIssues } from './ssl.js';
import type { NginxDirective, NginxIssue } from './types.js';
import { UpstreamScan } from './upstreams.js';
import { scriptError, scriptVariables, VariableScan } from './variables.js';

const NGX_CONF_ARGS_NUMBER = 0xff;
const NGX_CONF_BLOCK = 0x100;
const NGX_CONF_FLAG = 0x200;
const NGX_CONF_ANY = 0x400;
const NGX_CONF_1MORE = 0x800;
const NGX_CONF_2MORE = 0x1000;
const NGX_CONF_MAX_ARGS = 8;

/** cf->cmd_type of each kind of block (ngx_conf_file.h, ngx_event.h, ngx_http_config.h, ngx_stream.h, ngx_mail.h). */
const SCOPE_BIT: Record<NginxScope, number> = {
  main: 0x01000000,
  events: 0x02000000,
  http: 0x02000000,
  server: 0x04000000,
  location: 0x08000000,
  upstream: 0x10000000,
  sif: 0x20000000,
  lif: 0x40000000,
  limit_except: 0x80000000,
  stream: 0x02000000,
  stream_server: 0x04000000,
  stream_upstream: 0x08000000,
  mail: 0x02000000,
  mail_server: 0x04000000,
};

export interface TableGrammarOptions {
  source: NginxFileSource;
  /** nginx's prefix: where `load_module` and log paths are resolved (ngx_conf_full_name(cycle, name, 0)). */
  prefix: string;
  /** Where relative `ssl_certificate` paths are resolved (the root file's directory). */
  confPrefix: string;
  /** The root file, where the checks nginx makes without a line are reported. */
  root?: string;
}

function index(rows: readonly DirectiveRow[], into: Map<string, DirectiveRow[]>): void {
  for (const row of rows) {
    const list = into.get(row[0]);
    if (list) list.push(row);
    else into.set(row[0], [row]);
  }
}

/** ngx_conf_handler's argument count test (argument_number[] and the FLAG/1MORE/2MORE/ANY bits). */
function argsFit(mask: number, words: number): boolean {
  if (mask & NGX_CONF_ANY) return true;
  if (mask & NGX_CONF_FLAG) return words === 2;
  if (mask & NGX_CONF_1MORE) return words >= 2;
  if (mask & NGX_CONF_2MORE) return words >= 3;
  if (words > NGX_CONF_MAX_ARGS) return false;
  return (mask & NGX_CONF_ARGS_NUMBER & (1 << (words - 1))) !== 0;
}

/**
 * Directives whose values nginx compiles only when it merges each location with
 * its parents (ngx_http_fastcgi_init_params, ngx_http_proxy_init_headers…), after
 * the whole http block is read: their script errors carry that moment's line.
 */
const COMPILED_AT_MERGE = new Set([
  'fastcgi_param',
  'uwsgi_param',
  'scgi_param',
  'proxy_set_header',
  'grpc_set_header',
]);

/** The blocks after which `load_module` is "specified too late" (they count the modules: ngx_count_modules). */
const COUNTING_BLOCKS = new Set(['events', 'http', 'stream', 'mail']);

export class TableGrammar implements NginxGrammar {
  readonly checksTree = true;
  /** Upstream blocks defined so far, by lower-cased name (ngx_http_upstream_add compares with strncasecmp). */
  private readonly upstreams = new Set<string>();
  private readonly listens = new ListenTable();
  /** Script errors nginx finds only when it merges the servers, at the end of the http block. */
  private readonly mergeErrors: { d: NginxDirective; message: string }[] = [];
  /** Log files nginx -t would fail to open (it opens them after reading: no line of its own). */
  private readonly logIssues: NginxIssue[] = [];
  /** log_format names so far: as written (duplicates) and lower-cased (access_log looks them up without case). */
  private readonly logFormats = new Set<string>(['combined']);
  private readonly logFormatsLower = new Set<string>(['combined']);
  /** TLS settings per http block and per server, by their block context. */
  private readonly tlsHttp = new WeakMap<NginxContext, TlsBlock>();
  private readonly tlsServers: TlsServer[] = [];
  /** http servers with a listen of their own (the others get *:80). */
  private readonly serversWithListen = new WeakSet<NginxContext>();
  /** The events block's worker_connections (ngx_event.c DEFAULT_CONNECTIONS is 512). */
  private workerConnections = 512;
  private readonly tlsServerOf = new WeakMap<NginxContext, TlsServer>();
  private readonly contextOf = new WeakMap<TlsServer, NginxContext>();
  /** Each http server's listen addresses and server names, for the conflicting names. */
  private readonly names = new WeakMap<NginxContext, ServerNames>();
  private readonly byName = new Map<string, DirectiveRow[]>();
  private modulesUsed = false;
  /** A module we have no table for was loaded: names we do not know may be its directives. */
  private foreignModule = false;
  private readonly loaded = new Set<string>();
  /** The variables and upstreams of the http blocks, gathered as they are read (observe). */
  private readonly variables = new VariableScan();
  private readonly upstreamScans: UpstreamScan[] = [];
  /** The script error of the directive observe() saw last: statement() asks for the same directive next. */
  private observed: { d: NginxDirective; error: string | undefined } | undefined;

  constructor(private readonly opts: TableGrammarOptions) {
    index(STATIC_DIRECTIVES, this.byName);
  }

  statement(ctx: NginxContext, d: NginxDirective, end: ';' | '{', line: number): StatementVerdict {
    const rows = this.byName.get(d.name);
    if (!rows) {
      if (this.foreignModule)
        return {
          error: `unknown directive "${d.name}" (or one of a loaded module the doctor does not know)`,
          severity: 'warn',
        };
      return { error: `unknown directive "${d.name}"` };
    }
    const bit = SCOPE_BIT[ctx.scope];
    const words = d.args.length + 1;
    for (const [, family, mask, bits] of rows) {
      if (family !== 'conf' && family !== ctx.family) continue;
      if (!(mask & bit)) continue;
      if (!(mask & NGX_CONF_BLOCK) && end !== ';') return { error: `directive "${d.name}" is not terminated by ";"` };
      if (mask & NGX_CONF_BLOCK && end !== '{') return { error: `directive "${d.name}" has no opening "{"` };
      if (!argsFit(mask, words)) return { error: `invalid number of arguments in "${d.name}" directive` };
      const handled = this.handler(ctx, d);
      if (handled.error) return handled;
      if (bits & 1) {
        const seen = (ctx.seen ??= new Map());
        if (seen.has(d.name)) return { error: `"${d.name}" directive is duplicate` };
        seen.set(d.name, d.name);
      }
      if (bits & 2) {
        const v = cString(d.args[0] ?? '').toLowerCase();
        if (v !== 'on' && v !== 'off')
          return { error: `invalid value "${d.args[0] ?? ''}" in "${d.name}" directive, it must be "on" or "off"` };
      }
      if (bits & (4 | 8)) {
        // ngx_conf_set_enum_slot (one word) and ngx_conf_set_bitmask_slot (every word): same length, no case.
        const allowed = SLOT_VALUES[`${family}:${d.name}`];
        const words = bits & 4 ? d.args.slice(0, 1) : d.args;
        const bad =
          allowed &&
          words.find((w) => !allowed.some((a) => a.length === w.length && a.toLowerCase() === w.toLowerCase()));
        if (bad !== undefined) return { error: `invalid value "${cString(bad)}"` };
      }
      if (ctx.family === 'http') {
        const scriptErr = this.observed?.d === d ? this.observed.error : scriptError(d);
        if (scriptErr && COMPILED_AT_MERGE.has(d.name)) this.mergeErrors.push({ d, message: scriptErr });
        else if (scriptErr) return { error: scriptErr };
      }
      if (mask & NGX_CONF_BLOCK) {
        if (COUNTING_BLOCKS.has(d.name) && ctx.scope === 'main') this.modulesUsed = true;
        const block = handled.block ?? blockContext(ctx, d.name);
        if (block) this.noteBlock(ctx, block, d, line);
        return { block };
      }
      this.noteTls(ctx, d);
      return {};
    }
    return { error: `"${d.name}" directive is not allowed here` };
  }

  observe(ctx: NginxContext, d: NginxDirective, end: ';' | '{'): void {
    if (ctx.family !== 'http') {
      // Each http block starts its own upstream names (ngx_http_upstream_main_conf is per http block).
      if (d.name === 'http' && ctx.scope === 'main') this.upstreamScans.push(new UpstreamScan());
      return;
    }
    // A block read unchecked (after an error nginx stops at) keeps its parent's context: the tree is
    // refused already, and what is gathered there only adds to what nginx says first.
    const error = this.variables.observe(d, ctx.entries !== undefined, ctx.entries === 'map');
    this.observed = { d, error };
    this.upstreamScans.at(-1)?.observe(d, end === '{', ctx.scope === 'upstream');
  }

  /** ngx_http_map: two words a line, but for `hostnames` and `volatile` (the other entry blocks are not checked). */
  entry(kind: NginxEntryBlock, d: NginxDirective): string | undefined {
    if (kind !== 'map') return undefined;
    if (d.args.length === 0 && (d.name === 'hostnames' || d.name === 'volatile')) return undefined;
    if (d.args.length !== 1) return 'invalid number of the map parameters';
    if (d.name === 'include' || d.name === 'default') return undefined;
    // ngx_http_map: a key starting with ~ (or ~*) is a regular expression, compiled here.
    if (d.name.startsWith('~')) {
      const e = regexError(d.name.replace(/^~\*?/, ''));
      if (e) return e;
    }
    return scriptVariables(d.args[0] ?? '').error;
  }

  finish(main: readonly NginxDirective[]): NginxIssue[] {
    const server = (key: object): TlsServer | undefined => this.tlsServerOf.get(key as NginxContext);
    const addresses = this.listens.sslAddresses().map((a) => ({
      defaultServer: server(a.defaultServer),
      servers: a.servers.map(server),
    }));
    // cf->conf_file->line when ngx_http_block merges: the line of the http block's `}`.
    const http = main.find((d) => d.name === 'http' && d.block);
    const merged: NginxIssue[] = this.mergeErrors.map(({ d, message }) => ({
      severity: 'emerg',
      message: `${message} (in "${d.name}" at ${d.file}:${d.line})`,
      file: http?.file ?? d.file,
      line: http?.endLine ?? d.line,
      includedFrom: http?.includedFrom ?? d.includedFrom,
    }));
    const implicit = this.tlsServers.some((sv) => {
      const key = this.contextOf.get(sv);
      return key !== undefined && !this.serversWithListen.has(key);
    });
    const sockets = this.listens.listeningSockets(implicit);
    const events: NginxIssue[] =
      this.workerConnections < sockets + 1
        ? [
            {
              // ngx_event_init_conf: one connection per listening socket, plus the channel.
              severity: 'emerg',
              message: `${this.workerConnections} worker_connections are not enough for ${sockets} listening sockets`,
              file: this.opts.root ?? '',
              includedFrom: [],
            },
          ]
        : [];
    const named: ServerNames[] = [];
    for (const sv of this.tlsServers) {
      const key = this.contextOf.get(sv);
      const rec = key && this.names.get(key);
      if (!rec || !key) continue;
      // No listen: *:80 (ngx_http_core_merge_srv_conf, run as root). A listen by host name: unknown, left out.
      const addresses = this.serversWithListen.has(key) ? rec.addresses : ['0.0.0.0:80'];
      named.push({ ...rec, addresses: addresses.filter((a) => a !== '') });
    }
    return [
      ...merged,
      ...events,
      ...conflictingServerNames(named),
      ...this.logIssues,
      ...this.upstreamScans.flatMap((s) => s.finish().issues),
      ...tlsIssues(this.tlsServers, addresses, this.opts.source, this.opts.confPrefix),
      ...this.variables.issues(this.foreignModule),
    ];
  }

  /** Remembers the http blocks and servers, for the TLS checks made at the end. */
  private noteBlock(ctx: NginxContext, block: NginxContext, d: NginxDirective, line: number): void {
    if (block.family !== 'http') return;
    if (block.scope === 'http') this.tlsHttp.set(block, { certificates: [], keys: [] });
    if (block.scope === 'server' && ctx.scope === 'http') {
      const server: TlsServer = {
        file: d.file,
        line,
        includedFrom: d.includedFrom,
        certificates: [],
        keys: [],
        http: this.tlsHttp.get(ctx) ?? { certificates: [], keys: [] },
      };
      this.tlsServers.push(server);
      this.tlsServerOf.set(block, server);
      this.contextOf.set(server, block);
      this.names.set(block, { addresses: [], names: [], server: d });
    }
  }

  private noteTls(ctx: NginxContext, d: NginxDirective): void {
    if (ctx.family !== 'http') return;
    const target =
      ctx.scope === 'server' ? this.tlsServerOf.get(ctx) : ctx.scope === 'http' ? this.tlsHttp.get(ctx) : undefined;
    if (!target) return;
    if (d.name === 'ssl_certificate') target.certificates.push(d);
    else if (d.name === 'ssl_certificate_key') target.keys.push(d);
    else if (d.name === 'ssl_reject_handshake') target.reject = d.args[0] === 'on';
  }

  /** The handlers' own refusals, for the directives whose mistakes are common. */
  private handler(ctx: NginxContext, d: NginxDirective): StatementVerdict {
    switch (d.name) {
      case 'load_module':
        return this.loadModule(d);
      case 'root':
      case 'alias':
        return rootOrAlias(ctx, d);
      case 'location':
        return location(ctx, d);
      case 'if': {
        if (ctx.family !== 'http') return {};
        const e = ifConditionError(d);
        if (e) return { error: e };
        const at = d.args.findIndex((w) => ['~', '~*', '!~', '!~*'].includes(w));
        const word = at === -1 ? undefined : d.args[at + 1];
        // The regex is the last word: nginx strips the condition's closing ")" from it when glued.
        const re = word === undefined || d.args[d.args.length - 1] === ')' ? word : word.replace(/\)$/, '');
        return re === undefined ? {} : { error: regexError(re) };
      }
      case 'add_header':
      case 'add_trailer':
        return { error: addHeaderError(d) };
      case 'log_format': {
        if (ctx.family !== 'http') return {};
        const name = d.args[0] ?? '';
        if (this.logFormats.has(name)) return { error: `duplicate "log_format" name "${name}"` };
        this.logFormats.add(name);
        this.logFormatsLower.add(name.toLowerCase());
        return {};
      }
      case 'return':
        return ctx.family === 'http' ? returnCode(d) : {};
      case 'rewrite':
      case 'fastcgi_split_path_info':
        return ctx.family === 'http' ? { error: regexError(d.args[0] ?? '') } : {};
      case 'limit_except':
        return { error: limitExceptError(d) };
      case 'error_page':
        return ctx.family === 'http' ? { error: errorPageError(d) } : {};
      case 'allow':
      case 'deny':
        return ctx.family === 'http' ? { error: accessRuleError(d, isIP) } : {};
      case 'server':
        return ctx.family === 'http' && ctx.scope === 'upstream' ? { error: upstreamServerError(d) } : {};
      case 'map':
      case 'geo':
      case 'split_clients': {
        // ngx_http_map_block, ngx_http_geo_block, ngx_http_split_clients: the variable defined.
        if (ctx.family !== 'http') return {};
        const name = (d.name === 'geo' ? d.args.at(-1) : d.args[1]) ?? '';
        return name.startsWith('$') ? {} : { error: `invalid variable name "${name}"` };
      }
      case 'error_log':
      case 'access_log': {
        const e = ctx.family === 'http' || d.name === 'error_log' ? this.logFile(d) : undefined;
        if (e)
          this.logIssues.push({
            severity: 'emerg',
            message: e,
            file: d.file,
            line: d.line,
            includedFrom: d.includedFrom,
          });
        return d.name === 'access_log' && ctx.family === 'http'
          ? { error: accessLogError(d, this.logFormatsLower) }
          : {};
      }
      case 'set':
        return ctx.family === 'http' && !(d.args[0] ?? '').startsWith('$')
          ? { error: `invalid variable name "${d.args[0] ?? ''}"` }
          : {};
      case 'fastcgi_param':
      case 'uwsgi_param':
      case 'scgi_param':
        // ngx_http_upstream_param_set_slot: the third word may only be if_not_empty.
        return d.args.length === 3 && cString(d.args[2] ?? '') !== 'if_not_empty'
          ? { error: `invalid parameter "${d.args[2]}"` }
          : {};
      case 'server_name': {
        if (ctx.family === 'http') {
          for (const name of d.args) {
            const e = name.startsWith('~') ? regexError(name.slice(1)) : undefined;
            if (e) return { error: e };
          }
        }
        const rec = ctx.family === 'http' && ctx.scope === 'server' ? this.names.get(ctx) : undefined;
        for (const name of d.args) rec?.names.push({ name: name.toLowerCase(), d });
        return {};
      }
      case 'listen': {
        if (ctx.family !== 'http' || ctx.scope !== 'server') return {};
        this.serversWithListen.add(ctx);
        const addr = listenAddress(d.args[0] ?? '');
        const rec = this.names.get(ctx);
        if (rec) rec.addresses.push(addr ?? '');
        return { error: this.listens.add(ctx, d.args) };
      }
      case 'worker_connections': {
        const n = atoi(d.args[0] ?? '');
        if (!Number.isNaN(n)) this.workerConnections = n;
        return {};
      }
      case 'upstream': {
        if (ctx.family !== 'http') return {};
        const name = (d.args[0] ?? '').toLowerCase();
        if (this.upstreams.has(name)) return { error: `duplicate upstream "${d.args[0] ?? ''}"` };
        this.upstreams.add(name);
        return {};
      }
      default:
        return {};
    }
  }

  /**
   * ngx_conf_open_file: a log path (relative to the prefix) nginx opens for
   * appending, creating the file but not its directory. A path with a variable
   * is opened per request, `stderr`, `syslog:` and `memory:` are no file, `off`
   * is none. A directory we may not look into is not nginx's problem.
   */
  private logFile(d: NginxDirective): string | undefined {
    const v = cString(d.args[0] ?? '');
    if (v === '' || v === 'off' || v === 'stderr' || v.includes('$') || /^(syslog|memory):/.test(v)) return undefined;
    const full = v.startsWith('/') ? v : this.opts.prefix + v;
    const dir = path.posix.dirname(full);
    const st = this.opts.source.stat(dir);
    if (st.kind === 'dir') return undefined;
    if (st.kind === 'missing' && st.code === 'EACCES') return undefined;
    const why = st.kind === 'missing' && st.code !== 'ENOTDIR' ? '2: No such file or directory' : '20: Not a directory';
    return `open() "${full}" failed (${why})`;
  }

  /** nginx.c ngx_load_module: before the first events/http/stream/mail block, and the file must load. */
  private loadModule(d: NginxDirective): StatementVerdict {
    if (this.modulesUsed) return { error: '"load_module" directive is specified too late' };
    const arg = cString(d.args[0] ?? '');
    const file = arg.startsWith('/') ? arg : this.opts.prefix + arg;
    const st = this.opts.source.stat(file);
    if (st.kind !== 'file') {
      return {
        error: `dlopen() "${file}" failed (${file}: cannot open shared object file: No such file or directory)`,
      };
    }
    const base = path.posix.basename(file);
    if (this.loaded.has(base)) return {};
    this.loaded.add(base);
    const rows = DYNAMIC_DIRECTIVES[base];
    if (rows) index(rows, this.byName);
    else this.foreignModule = true;
    return {};
  }
}

/** ngx_atoi: decimal digits only, else NaN. */
function atoi(v: string): number {
  return /^[0-9]+$/.test(v) ? Number(v) : Number.NaN;
}

/** ngx_http_rewrite_return: a code up to 999, or a lone URL (http://, https://, $scheme…). */
function returnCode(d: NginxDirective): StatementVerdict {
  const v = d.args[0] ?? '';
  const code = atoi(v);
  if (Number.isNaN(code)) {
    if (d.args.length === 1 && (v.startsWith('http://') || v.startsWith('https://') || v.startsWith('$scheme')))
      return {};
    return { error: `invalid return code "${v}"` };
  }
  if (code > 999) return { error: `invalid return code "${v}"` };
  return {};
}

/** ngx_http_core_root: one of root/alias per block, no alias in a named location, no $document_root in either. */
function rootOrAlias(ctx: NginxContext, d: NginxDirective): StatementVerdict {
  const seen = (ctx.seen ??= new Map());
  const earlier = seen.get('root|alias');
  if (earlier === d.name) return { error: `"${d.name}" directive is duplicate` };
  if (earlier) return { error: `"${d.name}" directive is duplicate, "${earlier}" directive was specified earlier` };
  if (d.name === 'alias' && ctx.location?.kind === 'named')
    return { error: 'the "alias" directive cannot be used inside the named location' };
  const v = d.args[0] ?? '';
  if (v.includes('$document_root') || v.includes('${document_root}'))
    return { error: `the $document_root variable cannot be used in the "${d.name}" directive` };
  seen.set('root|alias', d.name);
  return {};
}

/** ngx_http_core_location: the modifier, and the rules for a location inside a location. */
function location(ctx: NginxContext, d: NginxDirective): StatementVerdict {
  const loc = locationName(d.args);
  if ('error' in loc) return { error: loc.error };
  if (loc.kind === 'regex' || loc.kind === 'iregex') {
    const e = regexError(loc.name);
    if (e) return { error: e };
  }
  if (ctx.scope === 'location' && ctx.location) {
    const parent: LocationName = ctx.location;
    if (parent.kind === 'exact')
      return { error: `location "${loc.name}" cannot be inside the exact location "${parent.name}"` };
    if (parent.kind === 'named')
      return { error: `location "${loc.name}" cannot be inside the named location "${parent.name}"` };
    if (loc.kind === 'named') return { error: `named location "${loc.name}" can be on the server level only` };
    const isRegex = loc.kind === 'regex' || loc.kind === 'iregex';
    if (!isRegex && !loc.name.startsWith(parent.name))
      return { error: `location "${loc.name}" is outside location "${parent.name}"` };
  }
  return { block: { family: 'http', scope: 'location', location: loc } };
}

/** A grammar with Debian's nginx 1.22 table, for one reading (load_module adds to it). */
export function debianNginxGrammar(opts: TableGrammarOptions): NginxGrammar {
  return new TableGrammar(opts);
}
