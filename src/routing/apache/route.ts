/**
 * The request's journey, phase by phase as ap_process_request_internal runs
 * them; each phase pushes the step that decided it. Internal redirects
 * (mod_actions, mod_dir, per-directory rewrites, FallbackResource) re-enter
 * `phases` with the new URI, bounded by LimitInternalRecursion (10).
 */
import * as path from 'node:path';
import {
  effectiveOptions,
  render,
  resolveServerPath,
  runtimeDir,
  serverSetting,
  type Directive,
} from '../../apache/index.js';
import { isProbeError, type FileSystem } from '../../system/types.js';
import type { HtaccessProblem, Route, RouteRequest, RouteStep } from '../types.js';
import { accessVerdict, sectionKeyOf } from './access.js';
import { fastcgiBackend, fcgidBackend, proxyBackend } from './backend.js';
import { chooseHandler } from './handler.js';
import { allowOverrideOf, readHtaccess } from './htaccess.js';
import { lastArg, mergeSections, type Merged } from './merge.js';
import type { ApacheRouteOptions, ApacheRoutingModel } from './model.js';
import { backendParams, unknownParams } from './params.js';
import { applyRewrite } from './rewrite.js';
import { effectiveRewriteDirectives } from './rewrite/inherit.js';
import type { BackendChoice, RequestRecord, RewriteContext } from './seams.js';
import { locationMatches, sectionIndex } from './sections.js';
import { outcomeStatus, rewrittenToFile, tryAliases, tryProxyPass, type Translated } from './translate.js';
import { DEFAULT_LIMIT_REQUEST_LINE, requestUri, type AllowEncodedSlashes } from './uri.js';
import { defaultPortOf, hostHeaderOf, serverNameOf as serverName, serverPortOf } from './serverPort.js';
import { selectVhost } from './vhost.js';
import { walkPath } from './walk.js';

/** Debian's compiled-in DocumentRoot (DOCUMENT_LOCATION). */
export const DEFAULT_DOCUMENT_ROOT = '/var/www/html';
const LIMIT_INTERNAL_RECURSION = 10;

const REWRITE_NAMES = new Set(['rewriteengine', 'rewriteoptions', 'rewritebase', 'rewritecond', 'rewriterule']);
const ALIAS_NAMES = new Set([
  'alias',
  'aliasmatch',
  'scriptalias',
  'scriptaliasmatch',
  'redirect',
  'redirectmatch',
  'redirectpermanent',
  'redirecttemp',
]);
const PROXY_NAMES = new Set(['proxypass', 'proxypassmatch']);

interface State {
  model: ApacheRoutingModel;
  fs: FileSystem;
  options: ApacheRouteOptions;
  req: RouteRequest;
  modules: Set<string>;
  steps: RouteStep[];
  uncertain: string[];
  htaccess: HtaccessProblem[];
  vhost?: Directive;
  docRoot: string;
  serverTop: Directive[];
  route: Route;
  /** mod_rewrite's SCRIPT_URL: the URI of the first request it saw (kept across internal redirects). */
  scriptUrl?: string;
}

function has(st: State, id: string): boolean {
  return st.modules.has(id);
}

function step(st: State, what: string, text: string, d?: Directive): void {
  st.steps.push(d ? { what, file: d.file, line: d.line, text } : { what, text });
}

function finishStatus(st: State, status: number, text: string, d?: Directive, location?: string): Route {
  step(st, 'status', text, d);
  st.route.outcome = 'status';
  st.route.status = status;
  if (location !== undefined) st.route.location = location;
  return st.route;
}

export function route(model: ApacheRoutingModel, req: RouteRequest, options: ApacheRouteOptions): Route {
  const st: State = {
    model,
    fs: options.fs,
    options,
    req,
    modules: new Set(model.modulesLoaded.map((m) => m.id)),
    steps: [],
    uncertain: [],
    htaccess: [],
    docRoot: DEFAULT_DOCUMENT_ROOT,
    serverTop: [],
    route: undefined as unknown as Route,
  };
  st.route = {
    url: req.url,
    request: req,
    vhost: null,
    steps: st.steps,
    file: null,
    handler: null,
    outcome: 'status',
    uncertain: st.uncertain,
    htaccess: st.htaccess,
  };

  // server/protocol.c read_request_line: a request line longer than LimitRequestLine is refused with 414.
  const limitD = serverSetting(model.tree, undefined, 'limitrequestline');
  const limit = Number(limitD?.args[0] ?? DEFAULT_LIMIT_REQUEST_LINE) || DEFAULT_LIMIT_REQUEST_LINE;
  const line = `${req.method} ${req.path}${req.query !== undefined ? `?${req.query}` : ''} HTTP/1.1`;
  if (line.length > limit)
    return finishStatus(
      st,
      414,
      `the request line is ${line.length} bytes, over LimitRequestLine ${limit}: 414 Request-URI Too Long`,
      limitD,
    );

  const chosen = selectVhost(model.tree, model.serverRoot, req, st.uncertain);
  st.steps.push(chosen.step);
  if (chosen.vhost) {
    st.vhost = chosen.vhost;
    const sn = serverSetting(model.tree, chosen.vhost, 'servername');
    st.route.vhost = {
      file: chosen.vhost.file,
      line: chosen.vhost.line,
      ...(sn?.args[0] ? { serverName: sn.args[0] } : {}),
    };
  }
  const idx = sectionIndex(model.tree);
  st.serverTop = idx.mainTop.concat(st.vhost ? (idx.vhostTop.get(st.vhost) ?? []) : []);
  const dr = serverSetting(model.tree, st.vhost, 'documentroot');
  st.docRoot = resolveServerPath(model.serverRoot, dr?.args[0] ?? DEFAULT_DOCUMENT_ROOT).replace(/(.)\/+$/, '$1');

  const merge = (lastArg(st.serverTop, 'mergeslashes') ?? 'on').toLowerCase() !== 'off';
  const aesD = lastArg(st.serverTop, 'allowencodedslashes')?.toLowerCase();
  const aes: AllowEncodedSlashes = aesD === 'on' ? 'on' : aesD === 'nodecode' ? 'nodecode' : 'off';
  const u = requestUri(req.path, { mergeSlashes: merge, allowEncodedSlashes: aes });
  if (u.status !== undefined || u.uri === undefined)
    return finishStatus(st, u.status ?? 400, `${u.why ?? 'bad URI'}: ${u.status ?? 400}`);
  step(st, 'uri', `request URI ${req.path} → r->uri ${u.uri}`);
  return phases(st, u.uri, req.query, undefined, 0);
}

function rewriteVars(st: State, uri: string, args: string | undefined, filename?: string): Record<string, string> {
  const r = st.req;
  const v: Record<string, string> = {
    REQUEST_URI: uri,
    QUERY_STRING: args ?? '',
    // The Host header as sent; SERVER_NAME / SERVER_PORT as ap_get_server_name / ap_get_server_port give them.
    HTTP_HOST: hostHeaderOf(r) ?? '',
    DOCUMENT_ROOT: st.docRoot,
    SERVER_NAME: serverNameOf(st),
    SERVER_PORT: String(serverPortOf(st.model.tree, st.vhost, r)),
    REQUEST_METHOD: r.method,
    HTTPS: r.scheme === 'https' ? 'on' : 'off',
    REQUEST_SCHEME: r.scheme,
    THE_REQUEST: `${r.method} ${r.path}${r.query !== undefined ? `?${r.query}` : ''} HTTP/1.1`,
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  if (filename !== undefined) v.REQUEST_FILENAME = filename;
  for (const [k, val] of Object.entries(r.headers)) v[`HTTP_${k.toUpperCase().replace(/-/g, '_')}`] = val;
  return v;
}

interface Redirected {
  prev: RequestRecord;
  status?: number;
}

function phases(st: State, uri: string, args: string | undefined, from: Redirected | undefined, depth: number): Route {
  const { model, fs } = st;
  if (depth > LIMIT_INTERNAL_RECURSION)
    return finishStatus(
      st,
      500,
      `more than ${LIMIT_INTERNAL_RECURSION} internal redirects (LimitInternalRecursion, AH00124): 500`,
    );
  const env: Record<string, string> = {};
  let t: Translated | undefined;
  let handlerFromRewrite: string | undefined;

  // 1. mod_rewrite in server/vhost context (hook_uri2file runs before mod_proxy's translate_name).
  if (has(st, 'rewrite_module')) {
    const rules = st.vhost
      ? // A vhost runs its own rules, and the main server's only as RewriteOptions Inherit/InheritBefore (or the main
        // server's InheritDown) say: mod_rewrite.c config_server_merge.
        effectiveRewriteDirectives(
          sectionIndex(model.tree).mainTop.filter((d) => REWRITE_NAMES.has(d.name)),
          (sectionIndex(model.tree).vhostTop.get(st.vhost) ?? []).filter((d) => REWRITE_NAMES.has(d.name)),
          'server',
        )
      : sectionIndex(model.tree).mainTop.filter((d) => REWRITE_NAMES.has(d.name));
    const engineOn = (lastArg(rules, 'rewriteengine') ?? 'off').toLowerCase() === 'on';
    if (engineOn && uri.startsWith('/')) {
      // mod_rewrite.c hook_uri2file, before any rule: SCRIPT_URL is r->uri — after an internal redirect the first
      // request's (REDIRECT_SCRIPT_URL), in a sub-request the main request's — and SCRIPT_URI the same qualified
      // by ap_get_server_name_for_url and ap_get_server_port (the default port left out).
      st.scriptUrl ??= uri;
      env.SCRIPT_URL = st.scriptUrl;
      env.SCRIPT_URI = selfUrl(st) + st.scriptUrl;
    }
    if (rules.length > 0) {
      // mod_rewrite.c hook_uri2file: r->filename is r->uri while the server-context rules run (REQUEST_FILENAME).
      const ctx: RewriteContext = {
        path: uri,
        ...(args !== undefined ? { query: args } : {}),
        vars: rewriteVars(st, uri, args, uri),
        fs,
      };
      const o = applyRewrite(rules, ctx);
      st.steps.push(...o.steps);
      st.uncertain.push(...o.uncertain);
      Object.assign(env, o.env);
      if (o.query !== undefined) args = o.query === '' ? undefined : o.query;
      if (o.handler) handlerFromRewrite = o.handler;
      const status = outcomeStatus(o);
      if (status !== undefined)
        return finishStatus(
          st,
          status,
          `mod_rewrite answers ${status}`,
          undefined,
          o.result === 'redirect' ? qualify(st, o.target) : undefined,
        );
      if (o.result === 'proxy' && o.target) t = { kind: 'proxy', proxyUrl: o.target };
      else if (o.result === 'rewritten' && o.target !== undefined) {
        if (o.passThrough) uri = o.target;
        else if (/^[a-z]+:\/\//i.test(o.target))
          return finishStatus(st, 302, `mod_rewrite redirects to ${o.target}`, undefined, o.target);
        else if (!o.target.startsWith('/'))
          return finishStatus(st, 400, `mod_rewrite made "${o.target}", neither an absolute path nor a URL: 400`);
        else t = { kind: 'file', filename: rewrittenToFile(o.target, st.docRoot, fs) };
      }
    }
  }
  // 2. mod_proxy ProxyPass / ProxyPassMatch (<Location> ProxyPass first).
  if (!t && has(st, 'proxy_module')) {
    const idx = sectionIndex(model.tree);
    let locationPass: { d: Directive; location: Directive } | undefined;
    for (const s of idx.main.concat(st.vhost ? (idx.byVhost.get(st.vhost) ?? []) : [])) {
      if ((s.d.name === 'location' || s.d.name === 'locationmatch') && locationMatches(s.d, uri)) {
        const pp = s.body.filter((d) => d.name === 'proxypass').at(-1);
        if (pp) locationPass = { d: pp, location: s.d };
      }
    }
    const r = tryProxyPass(
      {
        directives: st.serverTop.filter((d) => PROXY_NAMES.has(d.name)),
        ...(locationPass ? { locationPass } : {}),
        uri,
      },
      st.steps,
    );
    if (r && r !== 'excluded') t = r;
  }
  // 3. mod_alias, then 4. DocumentRoot.
  if (!t && has(st, 'alias_module')) {
    const idx = sectionIndex(model.tree);
    const own = st.vhost ? (idx.vhostTop.get(st.vhost) ?? []).filter((d) => ALIAS_NAMES.has(d.name)) : [];
    const main = idx.mainTop.filter((d) => ALIAS_NAMES.has(d.name));
    const base = selfUrl(st);
    t = tryAliases(
      {
        aliasDirectives: own.concat(main),
        serverRoot: model.serverRoot,
        uri,
        base,
        ...(args !== undefined ? { args } : {}),
      },
      st.steps,
    );
    if (t?.kind === 'status')
      return finishStatus(st, t.status ?? 302, `mod_alias answers ${t.status}`, t.by, t.location);
  }
  if (!t) {
    t = { kind: 'file', filename: st.docRoot + uri };
    step(
      st,
      'documentroot',
      `DocumentRoot ${st.docRoot}: ${uri} → ${t.filename}`,
      serverSetting(model.tree, st.vhost, 'documentroot'),
    );
  }

  const rec: RequestRecord = {
    request: st.req,
    // An internally redirected request's r->unparsed_uri is the new URI (httpd's original_uri() walks r->prev for REQUEST_URI).
    unparsedUri: !from
      ? st.req.path + (st.req.query !== undefined ? `?${st.req.query}` : '')
      : encodeUriPath(uri) + (args !== undefined ? `?${args}` : ''),
    uri,
    ...(args !== undefined ? { args } : {}),
    filename: null,
    pathInfo: '',
    handler: null,
    serverName: serverNameOf(st),
    serverPort: serverPortOf(model.tree, st.vhost, st.req),
    documentRoot: st.docRoot,
    contextPrefix: t.contextPrefix ?? '',
    contextDocumentRoot: t.contextDocumentRoot ?? st.docRoot,
    env,
    directives: st.serverTop,
    ...(st.vhost ? { vhost: st.vhost } : {}),
    ...(from ? { prev: from.prev, redirectStatus: from.status ?? 200 } : {}),
  };
  const admin = serverSetting(model.tree, st.vhost, 'serveradmin')?.args[0];
  if (admin) rec.serverAdmin = admin;
  if (st.options.serverSoftware) rec.serverSoftware = st.options.serverSoftware;
  if (st.options.serverComponents) rec.serverComponents = st.options.serverComponents;
  if (st.options.environment) rec.environment = st.options.environment;

  // A proxied request: no directory walk (proxy_map_location), <Location> still merges.
  if (t.kind === 'proxy' && t.proxyUrl) {
    const merged = mergeSections(st.model.tree, st.vhost, {
      base: st.serverTop,
      uri,
      filename: null,
      proxyNames: [
        t.proxyUrl.replace(/^proxy:/i, ''),
        t.proxyUrl.replace(/^proxy:/i, '').replace(/^unix:[^|]*\|/i, ''),
      ],
      fs,
      uncertain: st.uncertain,
      steps: st.steps,
      vars: rewriteVars(st, uri, args),
    });
    rec.directives = merged.directives;
    envFromConfig(st, merged.directives, rec, uri);
    const access = accessVerdict(merged.directives, st.modules);
    if (access.denied) return finishStatus(st, 403, `access denied: ${access.text}`, access.by);
    if (access.uncertain) st.uncertain.push(access.uncertain);
    const url = t.proxyUrl.replace(/^proxy:/i, '');
    const b = proxyBackend(url, runtimeDir(model.tree, model.serverRoot), model.setups, t.proxyDirective, 'proxypass');
    if (b.scheme) {
      st.uncertain.push(`proxied to a ${b.scheme}:// backend, not FastCGI`);
      return finishStatus(st, 200, `proxied to ${url} (not FastCGI)`, t.proxyDirective);
    }
    if (!b.choice || !has(st, 'proxy_fcgi_module'))
      return finishStatus(st, 500, b.error ?? `no mod_proxy_fcgi loaded for ${url} (AH01144)`, t.proxyDirective);
    rec.filename = `proxy:${canonFcgi(b.choice, url)}`;
    rec.handler = 'proxy-server';
    st.route.handler = 'proxy-server';
    return finishBackend(st, rec, b.choice);
  }

  // Directory walk: the PATH_INFO split on the first component that is not a directory.
  const w = walkPath(fs, t.filename ?? st.docRoot, st.uncertain);
  if (w.status) return finishStatus(st, w.status, w.why ?? 'the file cannot be reached');
  rec.filename = w.filename;
  rec.pathInfo = w.pathInfo;
  // request.c resolve_symlink: a link is followed only with FollowSymLinks, or SymLinksIfOwnerMatch and the same owner.
  for (const link of w.links) {
    const o = effectiveOptions(model.tree, st.vhost, link.path).options;
    if (o.includes('FollowSymLinks') || (o.includes('SymLinksIfOwnerMatch') && link.ownerMatches)) continue;
    return finishStatus(
      st,
      403,
      `${link.path} is a symbolic link and Options ${o.includes('SymLinksIfOwnerMatch') ? 'SymLinksIfOwnerMatch (owners differ)' : 'FollowSymLinks is off'} there: 403 (AH00037)`,
    );
  }
  step(
    st,
    'pathinfo',
    `${w.filename} is ${w.type === 'nofile' ? 'missing' : w.type === 'dir' ? 'a directory' : 'a file'}${w.pathInfo ? `, PATH_INFO ${w.pathInfo}` : ''}`,
  );
  const merged = mergeSections(st.model.tree, st.vhost, {
    base: st.serverTop,
    uri,
    filename: w.filename,
    isDir: w.type === 'dir',
    fs,
    uncertain: st.uncertain,
    steps: st.steps,
    vars: rewriteVars(st, uri, args, w.filename),
    htaccess: (dir, directives) => {
      const allow = allowOverrideOf(directives);
      if (allow.classes.size === 0 && allow.list.size === 0) return undefined;
      const read = readHtaccess(dir, allow, {
        fs,
        modules: model.modulesLoaded,
        ...accessFileName(st),
        ...(model.defines ? { defines: model.defines } : {}),
        ...(st.options.webServerUser ? { reader: st.options.webServerUser } : {}),
      });
      if (read) {
        st.htaccess.push(...read.problems);
        st.uncertain.push(...(read.uncertain ?? []));
        step(
          st,
          'htaccess',
          `${read.file}: ${read.directives.length} directive(s)${read.problems.length ? `, ${read.problems.length} problem(s)` : ''}`,
        );
      }
      return read;
    },
  });
  rec.directives = merged.directives;
  envFromConfig(st, merged.directives, rec, uri);
  st.route.options = merged.options;
  st.route.file = w.filename;
  if (w.pathInfo) st.route.pathInfo = w.pathInfo;
  if (st.htaccess.length > 0) {
    const p = st.htaccess[0] as HtaccessProblem;
    st.steps.push({ what: 'htaccess', file: p.file, line: p.line, text: p.message });
    // core.c ap_parse_htaccess: an unreadable file (EACCES) is 403, anything it cannot run is 500.
    if (p.kind === 'unreadable') return finishStatus(st, 403, `${p.file} cannot be read by Apache: 403 (AH00529)`);
    return finishStatus(st, 500, `.htaccess problem: every request beneath answers 500`);
  }
  const access = accessVerdict(merged.directives, st.modules);
  if (access.denied) return finishStatus(st, 403, `access denied: ${access.text}`, access.by);
  if (access.uncertain) st.uncertain.push(access.uncertain);

  // Per-directory mod_rewrite (fixups): the rules of the deepest section or .htaccess that has them.
  if (has(st, 'rewrite_module') && merged.rewrite) {
    const { dir, directives } = merged.rewrite;
    const o = applyRewrite(directives, {
      perDir: { dir },
      path: w.filename + w.pathInfo,
      ...(args !== undefined ? { query: args } : {}),
      // %{PATH_INFO} is r->path_info; it also tells applyRewrite where r->filename (REQUEST_FILENAME) ends.
      vars: { ...rewriteVars(st, uri, args, w.filename), ...(w.pathInfo ? { PATH_INFO: w.pathInfo } : {}) },
      fs,
    });
    st.steps.push(...o.steps);
    st.uncertain.push(...o.uncertain);
    Object.assign(env, o.env);
    const status = outcomeStatus(o);
    if (status !== undefined)
      return finishStatus(
        st,
        status,
        `mod_rewrite (per-directory) answers ${status}`,
        undefined,
        o.result === 'redirect' ? qualify(st, o.target) : undefined,
      );
    if (o.handler) handlerFromRewrite = o.handler;
    if (o.result === 'proxy' && o.target) {
      const b = proxyBackend(o.target, runtimeDir(model.tree, model.serverRoot), model.setups, undefined, 'proxypass');
      if (!b.choice) return finishStatus(st, 500, b.error ?? `proxy to ${o.target} is not FastCGI`);
      rec.filename = `proxy:${canonFcgi(b.choice, o.target)}`;
      rec.handler = 'proxy-server';
      rec.pathInfo = '';
      st.route.handler = 'proxy-server';
      return finishBackend(st, rec, b.choice);
    }
    if (o.result === 'rewritten' && o.target !== undefined && o.passThrough === false && /^[a-z]+:\/\//i.test(o.target))
      return finishStatus(st, 302, `mod_rewrite (per-directory) redirects to ${o.target}`, undefined, o.target);
    if (
      o.result === 'rewritten' &&
      o.target !== undefined &&
      o.target !== w.filename &&
      o.target !== w.filename + w.pathInfo
    ) {
      // mod_rewrite.c hook_fixup: the new filename becomes a URI — the directory replaced by RewriteBase, else the
      // DocumentRoot stripped, else the context document root replaced by the context prefix — then an internal
      // redirect (the "redirect:" handler: REDIRECT_* variables follow).
      const q = o.query !== undefined ? o.query : args;
      const newUri = perDirRedirectUri(o.target, dir, directives, st.docRoot, rec);
      step(st, 'rewrite', `per-directory rewrite: internal redirect to ${newUri}`);
      return phases(st, newUri, q === '' ? undefined : q, { prev: rec, status: 200 }, depth + 1);
    }
  }

  // mod_dir: a directory.
  if (w.type === 'dir') {
    if (!uri.endsWith('/')) {
      const slash = (merged.last('directoryslash') ?? 'on').toLowerCase() !== 'off';
      if (slash && has(st, 'dir_module')) {
        // mod_dir.c fixup_dir: ap_construct_url(ap_escape_uri(r->uri) + "/"), the query kept.
        const loc = `${selfUrl(st)}${encodeUriPath(uri)}/${args !== undefined ? `?${args}` : ''}`;
        return finishStatus(
          st,
          301,
          `DirectorySlash: ${uri} is a directory: 301 to ${loc}`,
          merged.lastDirective('directoryslash'),
          loc,
        );
      }
    } else if (has(st, 'dir_module')) {
      const di = merged.lastDirective('directoryindex');
      // mod_dir.c: DirectoryIndex lines of one context add up (add_index); a deeper context replaces them.
      const key = di ? `${di.file}:${sectionKeyOf(di)}` : '';
      // mod_dir.c add_index: a lone "disabled" clears the list; other words are appended.
      const names: string[] = di ? [] : ['index.html'];
      for (const d of merged.directives) {
        if (d.name !== 'directoryindex' || `${d.file}:${sectionKeyOf(d)}` !== key) continue;
        if (d.args.length === 1 && d.args[0]?.toLowerCase() === 'disabled') names.length = 0;
        else names.push(...d.args);
      }
      for (const name of names) {
        const candUri = name.startsWith('/') ? name : uri + name;
        const candFile = name.startsWith('/') ? undefined : path.posix.join(w.filename, name);
        const exists = candFile ? fileIsRegular(fs, candFile) : undefined;
        if (exists === false) continue;
        if (exists === undefined)
          st.uncertain.push(`DirectoryIndex ${name}: an absolute URL is looked up as a subrequest; assumed to exist`);
        step(st, 'directoryindex', `DirectoryIndex: ${candUri} exists: internal redirect`, di);
        // mod_dir.c fixup_dir: ap_internal_fast_redirect (no REDIRECT_* variables).
        return phases(st, candUri, args, from, depth + 1);
      }
    }
    const opts = merged.options ?? [];
    if (opts.includes('Indexes') && has(st, 'autoindex_module')) {
      st.route.outcome = 'static';
      step(st, 'handler', `no DirectoryIndex file: mod_autoindex lists the directory (Options Indexes)`);
      return st.route;
    }
    // mod_autoindex.c handle_autoindex refuses a directory without Options Indexes (403, AH01276); without
    // mod_autoindex the default handler will not serve a directory (core.c default_handler: 404, AH00129).
    if (!has(st, 'autoindex_module'))
      return finishStatus(
        st,
        404,
        `${w.filename} is a directory with no DirectoryIndex file and mod_autoindex is not loaded: the default handler answers 404 (AH00129)`,
      );
    return finishStatus(
      st,
      403,
      `${w.filename} is a directory with no DirectoryIndex file and no Options Indexes: 403 (AH01276)`,
    );
  }

  // The handler (type_checker + fixups).
  const h = chooseHandler(merged, w.filename, {
    scriptAlias: t.handler,
    rewrite: handlerFromRewrite,
    modules: st.modules,
    setups: model.setups,
  });
  for (const s of h.steps) st.steps.push(s);
  rec.handler = h.handler;
  st.route.handler = h.handler;

  // FallbackResource (mod_dir fixup_dflt): a missing file with no handler.
  if (w.type === 'nofile' && !h.handler && has(st, 'dir_module')) {
    const fb = merged.lastDirective('fallbackresource');
    if (fb?.args[0] && fb.args[0].toLowerCase() !== 'disabled') {
      step(st, 'fallback', `FallbackResource ${fb.args[0]}: ${uri} does not exist`, fb);
      return phases(st, fb.args[0], args, from, depth + 1);
    }
  }

  // mod_actions: Action on the handler or the content type.
  if (has(st, 'actions_module')) {
    const action = merged.actionFor(h.handler, h.type);
    if (action) {
      const virtual = (action.d.args[2] ?? '').toLowerCase() === 'virtual';
      if (!virtual && w.type === 'nofile')
        return finishStatus(st, 404, `Action ${action.d.args[0]}: ${w.filename} does not exist (AH00652)`, action.d);
      const target = action.d.args[1] ?? '/';
      step(st, 'action', `${render(action.d)}: internal redirect to ${target}${uri}`, action.d);
      // mod_actions.c action_handler: ap_internal_redirect_handler(action + ap_escape_uri(r->uri) + args); the new
      // request decodes it again, so r->uri of the new request is action + r->uri.
      return phases(st, target + uri, args, { prev: rec, status: 200 }, depth + 1);
    }
  }

  const ap = (merged.last('acceptpathinfo') ?? 'default').toLowerCase();
  const handler = h.handler;
  if (!handler || handler === 'default-handler' || handler === 'text/html') {
    if (w.type === 'nofile') return finishStatus(st, 404, `${w.filename} does not exist: 404 (AH00128)`);
    // core.c default_handler: GET, HEAD and POST send the file (POST observed: 200 on Apache 2.4.71), OPTIONS is
    // answered by Apache itself, any other method → 405.
    const method = st.req.method;
    if (method === 'OPTIONS') return finishStatus(st, 200, 'the default handler answers OPTIONS itself');
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST')
      return finishStatus(st, 405, `the default handler does not accept ${method} for ${w.filename}: 405`);
    // default_handler opens whatever the walk found: a FIFO blocks, a device is read. Say so rather than guess.
    if (w.type === 'other')
      st.uncertain.push(`${w.filename} is not a regular file: what Apache sends from it is not modelled`);
    if (w.pathInfo && ap !== 'on')
      return finishStatus(
        st,
        404,
        `the default handler refuses PATH_INFO ${w.pathInfo} (AcceptPathInfo ${ap}): 404`,
        merged.lastDirective('acceptpathinfo'),
      );
    st.route.outcome = 'static';
    step(st, 'handler', `the default handler sends ${w.filename}${h.type ? ` as ${h.type}` : ''}`);
    return st.route;
  }
  // core_override_type sets r->used_path_info from AcceptPathInfo; mod_proxy and mod_fastcgi never look at it,
  // mod_fcgid (mod_fcgid.c fcgid_handler) and mod_cgi refuse PATH_INFO with 404 when it is Off.
  const rejectPathInfo = w.pathInfo !== '' && ap === 'off';
  const acceptPathInfoAt = merged.lastDirective('acceptpathinfo');

  const opts = merged.options ?? [];
  if (/^proxy:/i.test(handler)) {
    if (!has(st, 'proxy_module') || !has(st, 'proxy_fcgi_module'))
      return finishStatus(
        st,
        500,
        `SetHandler ${handler} but mod_proxy/mod_proxy_fcgi is not loaded: no handler (500)`,
      );
    const b = proxyBackend(handler.slice(6), runtimeDir(model.tree, model.serverRoot), model.setups, h.by, 'handler');
    if (!b.choice) return finishStatus(st, 500, b.error ?? `${handler} names no FastCGI backend`, h.by);
    if (w.type === 'nofile')
      step(
        st,
        'handler',
        `${w.filename} does not exist: mod_proxy forwards anyway, the backend answers (PHP-FPM: "File not found.", 404)`,
      );
    return finishBackend(st, rec, b.choice);
  }
  if (handler === 'fcgid-script' && has(st, 'fcgid_module')) {
    // mod_fcgid.c fcgid_handler, in its order: ExecCGI (unless ScriptAlias'ed), AcceptPathInfo Off, then the file.
    if (!opts.includes('ExecCGI') && t.handler !== 'cgi-script')
      return finishStatus(
        st,
        403,
        `Options ExecCGI is off for ${path.posix.dirname(w.filename)}: mod_fcgid answers 403`,
      );
    if (rejectPathInfo)
      return finishStatus(
        st,
        404,
        `AcceptPathInfo Off: mod_fcgid refuses PATH_INFO ${w.pathInfo} (404)`,
        acceptPathInfoAt,
      );
    // mod_fcgid.c fcgid_handler: the file must exist unless an FcgidWrapper … virtual applies to it.
    const wrapper = fcgidWrapperFor(merged.directives, w.filename);
    if (w.type === 'nofile' && !wrapper?.virtual)
      return finishStatus(st, 404, `${w.filename} does not exist: mod_fcgid answers 404`);
    if (w.type === 'nofile' && wrapper)
      step(st, 'handler', `${w.filename} does not exist: FcgidWrapper … virtual runs the wrapper anyway`, wrapper.d);
    return finishBackend(st, rec, fcgidBackend(w.filename, model.setups, h.by));
  }
  if (handler === 'fastcgi-script' && has(st, 'fastcgi_module')) {
    const b = fastcgiBackend(w.filename, model.setups, h.by);
    if (b.mode === 'dynamic') {
      if (w.type === 'nofile') return finishStatus(st, 404, `${w.filename} does not exist: mod_fastcgi answers 404`);
      // mod_fastcgi.c content_handler: only a dynamic invocation outside a ScriptAlias needs ExecCGI.
      if (!opts.includes('ExecCGI') && t.handler !== 'cgi-script')
        return finishStatus(
          st,
          403,
          `Options ExecCGI is off for ${path.posix.dirname(w.filename)}: mod_fastcgi (dynamic) answers 403`,
        );
    }
    return finishBackend(st, rec, b);
  }
  if (handler === 'cgi-script' && rejectPathInfo)
    return finishStatus(st, 404, `AcceptPathInfo Off: mod_cgi refuses PATH_INFO ${w.pathInfo} (404)`, acceptPathInfoAt);
  st.uncertain.push(`handler "${handler}" is not a FastCGI handler the model follows (or its module is not loaded)`);
  if (w.type === 'nofile') return finishStatus(st, 404, `${w.filename} does not exist: 404`);
  st.route.outcome = 'static';
  return st.route;
}

/**
 * fcgid_conf.c get_wrapper_info: the FcgidWrapper for the extension after the
 * file name's last '.' (case-sensitive), else the one without an extension
 * ("ALL"); the deeper section's wins for one key (set_wrapper_config, merged
 * per directory).
 */
function fcgidWrapperFor(
  directives: readonly Directive[],
  filename: string,
): { d: Directive; virtual: boolean } | undefined {
  const dot = filename.lastIndexOf('.');
  const ext = dot === -1 ? 'ALL' : filename.slice(dot);
  const byKey = new Map<string, { d: Directive; virtual: boolean }>();
  for (const d of directives) {
    if ((d.name !== 'fcgidwrapper' && d.name !== 'fcgiwrapper') || d.active === false) continue;
    let extension = d.args[1];
    let virtual = d.args[2];
    if (virtual === undefined && extension?.toLowerCase() === 'virtual') {
      virtual = extension;
      extension = undefined;
    }
    byKey.set(extension ?? 'ALL', { d, virtual: virtual?.toLowerCase() === 'virtual' });
  }
  return byKey.get(ext) ?? byKey.get('ALL');
}

function finishBackend(st: State, rec: RequestRecord, choice: BackendChoice): Route {
  step(
    st,
    'backend',
    `${choice.module} (${choice.mode}) → ${choice.target ?? 'started by Apache'}${choice.setupId ? ` [${choice.setupId}]` : ''}`,
  );
  st.route.outcome = 'fastcgi';
  st.route.handler = rec.handler;
  const lookupUri = subRequestLookup(st);
  st.route.backend = { ...choice, params: backendParams(rec, choice, { lookupUri }) };
  // Params left out because the server itself was not seen (its environment, its version) or the model could not
  // follow the sub-request: said, since a live look (as root) or a simpler mapping would tell. What depends on the
  // client's connection (REMOTE_*, SERVER_ADDR) is in every trace and goes unsaid.
  const unknown = unknownParams(rec, choice, { lookupUri }).filter((u) =>
    /^(PATH|SERVER_SOFTWARE|SERVER_SIGNATURE|PATH_TRANSLATED):/.test(u),
  );
  if (unknown.length > 0) {
    st.route.backend.unknown = unknown;
    st.uncertain.push(...unknown);
  }
  if (rec.filename && !rec.filename.startsWith('proxy:')) st.route.file = rec.filename;
  else if (rec.filename?.startsWith('proxy:')) st.route.file = null;
  return st.route;
}

/**
 * mod_rewrite.c hook_fixup: a per-directory rule's new filename becomes a
 * URI — the directory replaced by RewriteBase, else the DocumentRoot
 * stripped, else the context document root replaced by the context prefix.
 */
function perDirRedirectUri(
  target: string,
  dir: string,
  directives: readonly Directive[],
  docRoot: string,
  ctx: { contextPrefix: string; contextDocumentRoot: string },
): string {
  let newUri = target.startsWith('/') ? target : `${dir}${target}`;
  const base = lastArg(directives, 'rewritebase');
  const under = (p: string, prefix: string) =>
    p === prefix || p.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
  if (base !== undefined) {
    if (under(newUri, dir)) newUri = base.replace(/\/$/, '') + newUri.slice(dir.replace(/\/$/, '').length);
  } else if (under(newUri, docRoot)) newUri = newUri.slice(docRoot.length);
  else if (ctx.contextPrefix && under(newUri, ctx.contextDocumentRoot))
    newUri = ctx.contextPrefix.replace(/\/$/, '') + newUri.slice(ctx.contextDocumentRoot.replace(/\/$/, '').length);
  if (!newUri.startsWith('/')) newUri = `/${newUri}`;
  return newUri;
}

/**
 * ap_sub_req_lookup_uri as PATH_TRANSLATED needs it (util_script.c
 * ap_add_cgi_vars): the URI decoded and normalised, then translate_name in
 * the order phases() runs it — server/vhost mod_rewrite, ProxyPass, mod_alias,
 * DocumentRoot — and the directory walk. What a sub-request would do that
 * this cannot follow (a redirect, a proxy, a rewrite to a URL) is undefined:
 * PATH_TRANSLATED is then unknown, never guessed.
 */
function subRequestLookup(st: State): (uri: string) => { filename: string | null; pathInfo: string } | undefined {
  return (raw) => {
    const scratch: RouteStep[] = [];
    const doubts: string[] = [];
    const merge = (lastArg(st.serverTop, 'mergeslashes') ?? 'on').toLowerCase() !== 'off';
    const aesD = lastArg(st.serverTop, 'allowencodedslashes')?.toLowerCase();
    const aes: AllowEncodedSlashes = aesD === 'on' ? 'on' : aesD === 'nodecode' ? 'nodecode' : 'off';
    const u = requestUri(encodeUriPath(raw), { mergeSlashes: merge, allowEncodedSlashes: aes });
    if (u.status !== undefined || u.uri === undefined) return undefined;
    const uri = u.uri;
    const idx = sectionIndex(st.model.tree);
    let filename: string | undefined;
    let aliasContext: { contextPrefix: string; contextDocumentRoot: string } | undefined;
    if (has(st, 'rewrite_module')) {
      const rules = (st.vhost ? (idx.vhostTop.get(st.vhost) ?? []) : idx.mainTop).filter((d) =>
        REWRITE_NAMES.has(d.name),
      );
      if (rules.length > 0) {
        const o = applyRewrite(rules, { path: uri, vars: rewriteVars(st, uri, undefined, uri), fs: st.fs });
        if (o.uncertain.length > 0 || (o.result !== 'pass' && o.result !== 'rewritten')) return undefined;
        if (o.result === 'rewritten' && o.target !== undefined) {
          if (o.passThrough || !o.target.startsWith('/')) return undefined;
          filename = rewrittenToFile(o.target, st.docRoot, st.fs);
        }
      }
    }
    if (filename === undefined && has(st, 'proxy_module')) {
      const r = tryProxyPass({ directives: st.serverTop.filter((d) => PROXY_NAMES.has(d.name)), uri }, scratch);
      if (r && r !== 'excluded') return undefined;
      const locations = idx.main.concat(st.vhost ? (idx.byVhost.get(st.vhost) ?? []) : []);
      if (
        locations.some(
          (s) =>
            (s.d.name === 'location' || s.d.name === 'locationmatch') &&
            locationMatches(s.d, uri) &&
            s.body.some((d) => d.name === 'proxypass'),
        )
      )
        return undefined;
    }
    if (filename === undefined && has(st, 'alias_module')) {
      const own = st.vhost ? (idx.vhostTop.get(st.vhost) ?? []).filter((d) => ALIAS_NAMES.has(d.name)) : [];
      const main = idx.mainTop.filter((d) => ALIAS_NAMES.has(d.name));
      const t = tryAliases(
        { aliasDirectives: own.concat(main), serverRoot: st.model.serverRoot, uri, base: selfUrl(st) },
        scratch,
      );
      if (t && t.kind !== 'file') return undefined;
      if (t?.filename !== undefined) {
        filename = t.filename;
        if (t.contextPrefix !== undefined)
          aliasContext = { contextPrefix: t.contextPrefix, contextDocumentRoot: t.contextDocumentRoot ?? st.docRoot };
      }
    }
    let contextPrefix = '';
    let contextDocumentRoot = st.docRoot;
    if (filename === undefined) filename = st.docRoot + uri;
    else if (aliasContext) ({ contextPrefix, contextDocumentRoot } = aliasContext);
    const w = walkPath(st.fs, filename, doubts);
    if (doubts.length > 0 || w.status) return undefined;
    // The sub-request runs the fixups too: a per-directory rewrite leaves r->filename "redirect:<new URI>" with
    // its path_info (mod_rewrite.c hook_fixup), which is what PATH_TRANSLATED then shows.
    if (has(st, 'rewrite_module')) {
      const problems: HtaccessProblem[] = [];
      const merged = mergeSections(st.model.tree, st.vhost, {
        base: st.serverTop,
        uri,
        filename: w.filename,
        isDir: w.type === 'dir',
        fs: st.fs,
        uncertain: doubts,
        steps: scratch,
        vars: rewriteVars(st, uri, undefined, w.filename),
        htaccess: (dir, directives) => {
          const allow = allowOverrideOf(directives);
          if (allow.classes.size === 0 && allow.list.size === 0) return undefined;
          const read = readHtaccess(dir, allow, { fs: st.fs, modules: st.model.modulesLoaded, ...accessFileName(st) });
          if (read) problems.push(...read.problems);
          return read;
        },
      });
      if (doubts.length > 0 || problems.length > 0) return undefined;
      if (merged.rewrite) {
        const { dir, directives } = merged.rewrite;
        const o = applyRewrite(directives, {
          perDir: { dir },
          path: w.filename + w.pathInfo,
          vars: { ...rewriteVars(st, uri, undefined, w.filename), ...(w.pathInfo ? { PATH_INFO: w.pathInfo } : {}) },
          fs: st.fs,
        });
        if (o.uncertain.length > 0 || (o.result !== 'pass' && o.result !== 'rewritten')) return undefined;
        if (o.result === 'rewritten' && o.target !== undefined) {
          if (/^[a-z]+:\/\//i.test(o.target)) return undefined;
          if (o.target !== w.filename && o.target !== w.filename + w.pathInfo) {
            const newUri = perDirRedirectUri(o.target, dir, directives, st.docRoot, {
              contextPrefix,
              contextDocumentRoot,
            });
            const q = o.query !== undefined && o.query !== '' ? `?${o.query}` : '';
            return { filename: `redirect:${newUri}${q}`, pathInfo: w.pathInfo };
          }
        }
      }
    }
    return { filename: w.filename, pathInfo: w.pathInfo };
  };
}

/** proxy_fcgi_canon: "fcgi://host[:port]/path", the port only when not 8000, the path %-encoded. */
function canonFcgi(choice: BackendChoice, url: string): string {
  const u = url.replace(/^unix:[^|]*\|/i, '');
  const m = /^fcgi:\/\/(\[[^\]]*\]|[^/:]*)(?::(\d+))?(\/.*)?$/i.exec(u);
  if (!m) return u;
  const port = m[2] !== undefined && Number(m[2]) !== 8000 ? `:${m[2]}` : '';
  const p = (m[3] ?? '/').slice(1);
  void choice;
  return `fcgi://${(m[1] ?? 'localhost').toLowerCase()}${port}/${encodeUriPath(p, true)}`;
}

/** ap_escape_uri / ap_proxy_canonenc for a path: keeps what a path may hold. */
/**
 * ap_escape_uri (a decoded r->uri back to a URL path: '%' escaped too), or
 * with `keepEscapes` ap_proxy_canonenc for a reverse proxy (valid %XX kept).
 */
export function encodeUriPath(p: string, keepEscapes = false): string {
  const unsafe = keepEscapes
    ? /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g
    : /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g;
  return p.replace(unsafe, (c) =>
    Buffer.from(c, 'utf8')
      .toString('hex')
      .replace(/../g, (h) => `%${h.toUpperCase()}`),
  );
}

/**
 * mod_env (SetEnv/UnsetEnv, fixups) and mod_setenvif (SetEnvIf on the
 * request attributes the model knows; post_read_request and header_parser)
 * into r->subprocess_env. A condition on an unknown attribute is uncertain.
 */
function envFromConfig(st: State, directives: readonly Directive[], rec: RequestRecord, uri: string): void {
  const attrs: Record<string, string> = {
    request_uri: uri,
    request_method: st.req.method,
    request_protocol: 'HTTP/1.1',
    host: st.req.host,
    server_addr: st.req.localAddress ?? '',
  };
  for (const [k, v] of Object.entries(st.req.headers)) attrs[k.toLowerCase()] = v;
  for (const d of directives) {
    const name = d.name;
    if (name === 'setenv' && st.modules.has('env_module') && d.args[0]) rec.env[d.args[0]] = d.args[1] ?? '';
    else if (name === 'passenv' && st.modules.has('env_module')) {
      // mod_env.c add_env_module_vars: PassEnv copies Apache's own variable (one it lacks is skipped, AH01506).
      for (const a of d.args) {
        const own = st.options.environment;
        if (!own) st.uncertain.push(`PassEnv ${a} (${d.file}:${d.line}): Apache's own environment is not known`);
        else if (own[a] !== undefined) rec.env[a] = own[a];
      }
    } else if (name === 'unsetenv' && st.modules.has('env_module')) for (const a of d.args) delete rec.env[a];
    else if ((name === 'setenvif' || name === 'setenvifnocase') && st.modules.has('setenvif_module')) {
      // mod_setenvif.c: a special attribute, else a request header (by name, or by regex over the names), else an
      // env variable set earlier. The client's headers are all known: one it does not send simply does not match.
      const raw = d.args[0] ?? '';
      const attr = raw.toLowerCase();
      let value: string | undefined;
      if (
        attr === 'remote_addr' ||
        attr === 'remote_host' ||
        attr === 'remote_user' ||
        (attr === 'server_addr' && !st.req.localAddress)
      ) {
        if (attr === 'remote_addr' && st.req.remoteAddress) value = st.req.remoteAddress;
        else {
          st.uncertain.push(`${render(d)} (${d.file}:${d.line}) depends on ${raw}: not applied`);
          continue;
        }
      } else if (attrs[attr] !== undefined) value = attrs[attr];
      else if (/[\^$*+?()[\]{}|\\]/.test(raw)) {
        let nameRe: RegExp | undefined;
        try {
          nameRe = new RegExp(raw, 'i');
        } catch {
          nameRe = undefined;
        }
        const hit = nameRe ? Object.keys(st.req.headers).find((k) => nameRe.test(k)) : undefined;
        value = hit === undefined ? undefined : st.req.headers[hit];
      } else value = rec.env[raw];
      if (value === undefined) continue;
      let re: RegExp;
      try {
        re = new RegExp(d.args[1] ?? '', name === 'setenvifnocase' ? 'i' : '');
      } catch {
        continue;
      }
      const m = re.exec(value);
      if (!m) continue;
      for (const spec of d.args.slice(2)) {
        if (spec.startsWith('!')) delete rec.env[spec.slice(1)];
        else {
          const eq = spec.indexOf('=');
          const k = eq === -1 ? spec : spec.slice(0, eq);
          const v = eq === -1 ? '1' : spec.slice(eq + 1).replace(/\$(\d)/g, (_x, n: string) => m[Number(n)] ?? '');
          rec.env[k] = v;
        }
      }
    }
  }
}

/** scheme://name[:port] as ap_construct_url / mod_rewrite's fully_qualify_uri build it (ap_get_server_port, its default left out). */
function selfUrl(st: State): string {
  const port = serverPortOf(st.model.tree, st.vhost, st.req);
  const name = serverNameOf(st);
  const host = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  return `${st.req.scheme}://${host}${port !== defaultPortOf(st.req.scheme) ? `:${port}` : ''}`;
}

/** A redirect to an abs_path is made absolute (mod_rewrite.c fully_qualify_uri). */
function qualify(st: State, target: string | undefined): string | undefined {
  return target?.startsWith('/') ? selfUrl(st) + target : target;
}

function serverNameOf(st: State): string {
  return serverName(st.model.tree, st.vhost, st.req);
}

function accessFileName(st: State): { accessFileName?: string } {
  const d = serverSetting(st.model.tree, st.vhost, 'accessfilename');
  return d?.args[0] ? { accessFileName: d.args[0] } : {};
}

function fileIsRegular(fs: FileSystem, p: string): boolean {
  const s = fs.stat(p);
  return !isProbeError(s) && s.type === 'file';
}

export type { Merged };
