/**
 * mod_rewrite (Apache 2.4) for one context: the server/vhost rules as
 * hook_uri2file runs them, or one directory's rules (<Directory>, .htaccess)
 * as hook_fixup runs them (modules/mappers/mod_rewrite.c). The parts:
 *   rewrite/parse.ts       the directives as httpd reads them, compiled once
 *   rewrite/regex.ts       PCRE as JS, with bounds
 *   rewrite/vars.ts        %{VAR}: known, or unknown (then uncertain)
 *   rewrite/expand.ts      do_expand: $N, %N, %{VAR}, ${map:…}, escapes
 *   rewrite/conditions.ts  RewriteCond tests
 *   rewrite/engine.ts      the rule list: chains, skips, rounds, flags
 *   rewrite/uri.ts         query split, absolute URLs, escaping
 *   rewrite/inherit.ts     which directives a context runs (RewriteOptions Inherit…)
 */
import type { Directive } from '../../apache/index.js';
import { isProbeError } from '../../system/types.js';
import type { RouteStep } from '../types.js';
import { applyRuleList, type ListResult, type RuleGroup } from './rewrite/engine.js';
import { compileCond, compileRule, where, type CompiledCond, type CompiledRule } from './rewrite/parse.js';
import { absoluteUri, escapeAbsoluteUri, escapeUri, substPrefixPath, type ThisServer } from './rewrite/uri.js';
import type { RewriteContext, RewriteOutcome } from './seams.js';

export { effectiveRewriteDirectives } from './rewrite/inherit.js';

/** RewriteOutcome plus what the route core needs to finish a server-context rewrite. */
export interface RewriteResult extends RewriteOutcome {
  /**
   * Server context, result "rewritten" without [PT]: true when httpd takes the
   * target as a filename (prefix_stat found its first path component and the
   * rule wrote it literally, or it lies under DocumentRoot), false when
   * ap_core_translate maps it under DocumentRoot as a URL-path.
   */
  asFile?: boolean;
}

/** One context's mod_rewrite configuration, read from its directives in order. */
export interface RewriteConfig {
  /** RewriteEngine (the last one); undefined: not set here (off unless inherited). */
  engine?: { on: boolean; directive: Directive };
  options: Set<string>;
  base?: { url: string; directive: Directive };
  rules: RuleGroup[];
  /** RewriteCond lines with no RewriteRule after them (httpd ignores them). */
  danglingConds: Directive[];
}

export function readRewriteConfig(directives: readonly Directive[]): RewriteConfig {
  const cfg: RewriteConfig = { options: new Set(), rules: [], danglingConds: [] };
  let pending: CompiledCond[] = [];
  let pendingDirs: Directive[] = [];
  for (const d of directives) {
    if (d.active === false) continue;
    switch (d.name) {
      case 'rewriteengine':
        cfg.engine = { on: (d.args[0] ?? '').toLowerCase() === 'on', directive: d };
        break;
      case 'rewriteoptions':
        for (const a of d.args) cfg.options.add(a.toLowerCase());
        break;
      case 'rewritebase':
        if (d.args[0] !== undefined) cfg.base = { url: d.args[0], directive: d };
        break;
      case 'rewritecond':
        pending.push(compileCond(d));
        pendingDirs.push(d);
        break;
      case 'rewriterule':
        cfg.rules.push({ rule: compileRule(d), conds: pending });
        pending = [];
        pendingDirs = [];
        break;
      default:
        break;
    }
  }
  cfg.danglingConds = pendingDirs;
  return cfg;
}

/**
 * Names that are not Apache variables (so %{…} never sees them) through which
 * the route core tells mod_rewrite about the vhost: reduce_uri
 * (ap_matches_request_vhost) compares an absolute URL's host and port with the
 * vhost's ServerName/ServerAlias and the port of its <VirtualHost> address,
 * not with the Host header. Absent: SERVER_NAME and SERVER_PORT.
 */
export const VHOST_NAMES_VAR = 'VHOST_NAMES';
export const VHOST_PORT_VAR = 'VHOST_PORT';

function vhostNames(vars: Record<string, string>): string[] {
  const names = vars[VHOST_NAMES_VAR];
  if (names !== undefined) return names.split(/\s+/).filter(Boolean);
  return [vars.SERVER_NAME ?? ''].filter(Boolean);
}

function vhostServer(vars: Record<string, string>): ThisServer | undefined {
  const s = thisServer(vars);
  const port = Number.parseInt(vars[VHOST_PORT_VAR] ?? '', 10);
  return s && Number.isFinite(port) ? { ...s, port } : s;
}

function thisServer(vars: Record<string, string>): ThisServer | undefined {
  const host = vars.SERVER_NAME;
  const port = Number.parseInt(vars.SERVER_PORT ?? '', 10);
  if (!host || !Number.isFinite(port)) return undefined;
  const scheme = vars.REQUEST_SCHEME ?? ((vars.HTTPS ?? '').toLowerCase() === 'on' ? 'https' : 'http');
  return { scheme, host, port };
}

/** The file:line of the rule that made the last substitution, for the steps that conclude a run. */
function at(list: ListResult): { file?: string; line?: number } {
  const d = list.lastSub?.directive;
  return d ? { file: d.file, line: d.line } : {};
}

function base(): RewriteResult {
  return { result: 'pass', passThrough: false, last: false, end: false, env: {}, steps: [], uncertain: [] };
}

function statusResult(r: RewriteResult, status: number): RewriteResult {
  return {
    ...r,
    result: status === 403 ? 'forbidden' : status === 410 ? 'gone' : 'status',
    status,
  };
}

/** ap_scan_vchar_obstext: a query with a raw control character or space makes httpd answer 403 (AH10410/AH10411). */
function queryHasRawSpace(args: string | undefined): boolean {
  return args !== undefined && /[\x00-\x20\x7f]/.test(args);
}

/** The redirect's Location: escaped unless [NE], the query appended (escaped unless [NE] or unchanged). */
function location(list: ListResult, filename: string, originalArgs: string | undefined): string {
  const abs = absoluteUri(filename);
  let loc = list.action === 'noescape' ? filename : escapeAbsoluteUri(filename, abs.skip);
  if (list.args !== undefined) {
    const keep = list.action === 'noescape' || (originalArgs !== undefined && list.args === originalArgs);
    loc += `?${keep ? list.args : escapeUri(list.args)}`;
  }
  return loc;
}

/** The httpd redirect status: r->status when it is a 3xx, else 302. */
function redirectStatus(s: number | undefined): number {
  return s !== undefined && s >= 300 && s <= 399 ? s : 302;
}

function common(r: RewriteResult, list: ListResult): RewriteResult {
  return {
    ...r,
    last: list.last,
    end: list.end,
    env: list.env,
    steps: [...r.steps, ...list.steps],
    uncertain: [...r.uncertain, ...list.uncertain],
    ...(list.handler ? { handler: list.handler } : {}),
    ...(list.type ? { type: list.type } : {}),
  };
}

/**
 * prefix_stat (mod_rewrite.c, 2.4.60+): a server-context result is a
 * filename when its first component exists and either the rule wrote that
 * component literally ([UnsafePrefixStat] skips this) or the path lies under
 * DocumentRoot / CONTEXT_DOCUMENT_ROOT; else it is a URL-path under DocumentRoot.
 */
function prefixStat(path: string, lastSub: CompiledRule | undefined, ctx: RewriteContext): boolean {
  const slash = path.indexOf('/', 1);
  const first = slash < 0 ? path : path.slice(0, slash);
  const st = ctx.fs.stat(first);
  if (isProbeError(st)) return false;
  if (!lastSub || lastSub.flags.unsafePrefixStat) return true;
  const docroot = ctx.vars.DOCUMENT_ROOT;
  const ctxRoot = ctx.vars.CONTEXT_DOCUMENT_ROOT;
  return (
    lastSub.output.startsWith(first) ||
    (docroot !== undefined && path.startsWith(docroot)) ||
    (ctxRoot !== undefined && ctxRoot !== docroot && path.startsWith(ctxRoot))
  );
}

function serverContext(cfg: RewriteConfig, ctx: RewriteContext, r: RewriteResult): RewriteResult {
  if (!cfg.options.has('allowanyuri') && !ctx.path.startsWith('/')) {
    r.steps.push({
      what: 'rewrite',
      text: `mod_rewrite skips ${JSON.stringify(ctx.path)}: not a URL-path (RewriteOptions AllowAnyURI is off)`,
    });
    return r;
  }
  const list = applyRuleList(ruleListInput(cfg, ctx, { filename: ctx.path, pathInfo: '' }));
  let out = common(r, list);
  if (list.action === 'none') return out;
  if (list.action === 'status') return statusResult(out, list.status ?? 500);
  const fname = list.filename;
  const abs = absoluteUri(fname).skip;
  const refused = refusedQuery(out, list, abs, 'AH10410');
  if (refused) return refused;
  out = { ...out, ...(list.args !== ctx.query ? { query: list.args ?? '' } : {}) };
  if (fname.startsWith('proxy:')) {
    let target = fname.slice(6);
    if (list.pathInfo) target += list.pathInfo;
    if (list.args !== undefined && list.action === 'noescape') target += `?${list.args}`;
    return { ...out, result: 'proxy', target };
  }
  if (abs > 0) {
    const loc = location(list, fname, ctx.query);
    return { ...out, result: 'redirect', target: loc, status: redirectStatus(list.status) };
  }
  if (fname.startsWith('passthrough:')) {
    return { ...out, result: 'rewritten', target: fname.slice(12), passThrough: true };
  }
  if (!fname.startsWith('/')) return statusResult(out, 400);
  // A URL reduced from http://this-host/… is always a URL-path (unless RewriteOptions LegacyPrefixDocRoot).
  const asFile = (!list.uriReduced || cfg.options.has('legacyprefixdocroot')) && prefixStat(fname, list.lastSub, ctx);
  out.steps.push({
    what: 'rewrite',
    ...at(list),
    text: asFile
      ? `${fname} is taken as a file path (its first component exists)`
      : `${fname} is taken as a URL-path under the DocumentRoot`,
  });
  return { ...out, result: 'rewritten', target: fname, asFile };
}

/** What the rule list runs on, in either hook: the rules, the request's values and which server this is. */
function ruleListInput(
  cfg: RewriteConfig,
  ctx: RewriteContext,
  where: { perDir?: string; filename: string; pathInfo: string },
): Parameters<typeof applyRuleList>[0] {
  return {
    rules: cfg.rules,
    ...(where.perDir !== undefined ? { perDir: where.perDir } : {}),
    filename: where.filename,
    pathInfo: where.pathInfo,
    args: ctx.query,
    vars: ctx.vars,
    fs: ctx.fs,
    server: thisServer(ctx.vars),
    vhost: vhostServer(ctx.vars),
    serverNames: vhostNames(ctx.vars),
  };
}

/**
 * Both hooks refuse a rewritten query string with a raw space or control character
 * unless the result is a redirect whose URL gets escaped (hook_uri2file AH10410,
 * hook_fixup AH10411): 403.
 */
function refusedQuery(
  out: RewriteResult,
  list: ReturnType<typeof applyRuleList>,
  abs: number,
  code: 'AH10410' | 'AH10411',
): RewriteResult | undefined {
  const willEscape = abs > 0 && list.action !== 'noescape';
  if (willEscape || !queryHasRawSpace(list.args)) return undefined;
  out.steps.push({
    what: 'rewrite',
    ...at(list),
    text: `the rewritten query string holds a space or control character: 403 (${code})`,
  });
  return statusResult(out, 403);
}

function perDirContext(cfg: RewriteConfig, ctx: RewriteContext, dir: string, r: RewriteResult): RewriteResult {
  const proxied = ctx.path.startsWith('proxy:');
  // hook_fixup: a request for the directory itself without its slash is left to mod_dir (unless AllowNoSlash).
  if (!proxied && !cfg.options.has('allownoslash') && dir.endsWith('/') && ctx.path === dir.slice(0, -1)) {
    r.steps.push({
      what: 'rewrite',
      text: `${ctx.path} is the directory without its trailing slash: mod_rewrite leaves it to mod_dir`,
    });
    return r;
  }
  // ctx.path is r->filename followed by r->path_info (what httpd matches); PATH_INFO, when given, separates them.
  const pi = ctx.vars.PATH_INFO ?? '';
  const filename = pi && ctx.path.endsWith(pi) ? ctx.path.slice(0, ctx.path.length - pi.length) : ctx.path;
  const pathInfo = pi && ctx.path.endsWith(pi) ? pi : '';
  const list = applyRuleList(ruleListInput(cfg, ctx, { perDir: dir, filename, pathInfo }));
  let out = common(r, list);
  if (list.action === 'none') return out;
  if (list.action === 'status') return statusResult(out, list.status ?? 500);
  let fname = list.filename;
  const abs = absoluteUri(fname).skip;
  const refused = refusedQuery(out, list, abs, 'AH10411');
  if (refused) return refused;
  out = { ...out, ...(list.args !== ctx.query ? { query: list.args ?? '' } : {}) };
  if (fname.startsWith('proxy:')) {
    let target = fname.slice(6);
    if (list.args !== undefined && list.action === 'noescape') target += `?${list.args}`;
    return { ...out, result: 'proxy', target };
  }
  if (abs > 0) {
    if (cfg.base) {
      // The per-directory prefix in the URL's path is replaced with RewriteBase.
      const slash = fname.indexOf('/', abs);
      if (slash >= 0 && slash + 1 < fname.length) {
        const path = fname.slice(slash + 1);
        const replaced = substPrefixPath(path, dir.startsWith('/') ? dir.slice(1) : dir, cfg.base.url.slice(1));
        if (replaced !== path) fname = fname.slice(0, slash + 1) + replaced;
      }
    }
    const loc = location(list, fname, ctx.query);
    return { ...out, result: 'redirect', target: loc, status: redirectStatus(list.status) };
  }
  if (fname.startsWith('passthrough:')) fname = fname.slice(12);
  if (!fname.startsWith('/')) return statusResult(out, 400);
  if (fname === filename) {
    out.steps.push({
      what: 'rewrite',
      ...at(list),
      text: `${fname} was rewritten to itself: httpd ignores the rewrite (no internal redirect)`,
    });
    return out;
  }
  const before = fname;
  if (cfg.base) fname = substPrefixPath(fname, dir, cfg.base.url);
  else {
    const docroot = ctx.vars.DOCUMENT_ROOT;
    if (docroot !== undefined) {
      const root = docroot.endsWith('/') ? docroot.slice(0, -1) : docroot;
      if (fname.startsWith(root) && fname[root.length] === '/') fname = fname.slice(root.length);
    } else {
      out.uncertain.push(
        `${where(cfg.rules[0]?.rule.directive as Directive)}: the internal redirect strips the DocumentRoot from ${before}, which is unknown here.`,
      );
    }
  }
  if (fname === before && !cfg.options.has('ignorecontextinfo')) {
    const ctxRoot = ctx.vars.CONTEXT_DOCUMENT_ROOT;
    const prefix = ctx.vars.CONTEXT_PREFIX;
    if (ctxRoot !== undefined && prefix !== undefined) fname = substPrefixPath(fname, ctxRoot, prefix);
  }
  out.steps.push({
    what: 'rewrite',
    ...at(list),
    text: `internal redirect to ${fname}${list.args !== undefined ? `?${list.args}` : ''}${cfg.base ? ` (RewriteBase ${cfg.base.url}, ${where(cfg.base.directive)})` : ''}`,
  });
  return { ...out, result: 'rewritten', target: fname };
}

export function applyRewrite(directives: readonly Directive[], ctx: RewriteContext): RewriteResult {
  const cfg = readRewriteConfig(directives);
  const r = base();
  if (!cfg.engine?.on) {
    if (cfg.rules.length > 0) {
      const e = cfg.engine?.directive;
      r.steps.push({
        what: 'rewrite',
        ...(e ? { file: e.file, line: e.line } : {}),
        text: e
          ? 'RewriteEngine Off: the RewriteRules here are not applied'
          : 'RewriteEngine is not On here: the RewriteRules are not applied',
      });
    }
    return r;
  }
  for (const d of cfg.danglingConds) {
    r.steps.push({
      what: 'rewrite',
      file: d.file,
      line: d.line,
      text: `RewriteCond ${d.raw}: no RewriteRule follows it, httpd ignores it`,
    });
  }
  if (cfg.rules.length === 0) return r;
  return ctx.perDir ? perDirContext(cfg, ctx, ctx.perDir.dir, r) : serverContext(cfg, ctx, r);
}

export type { RouteStep };
