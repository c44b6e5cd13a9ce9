/**
 * mod_proxy_fcgi: FastCGI routes made by SetHandler "proxy:…", ProxyPass,
 * ProxyPassMatch, RewriteRule [P]/[H=proxy:…] and BalancerMember, with the
 * worker parameters that <Proxy>/ProxySet attach and the timeout chain
 * (worker timeout → ProxyTimeout → Timeout).
 */
import { coreTimeout, serverSetting, vhostSetsAny, type Directive } from '../apache/index.js';
import { parseIntOr, vhostOfAncestors, type Visited, innermost } from './common.js';
import type { ExtractContext } from './context.js';
import { isFcgiUrl, parseProxyUrl, workerParams, type ProxyUrl, type ProxyUrlContext } from './proxyUrl.js';
import { newSetup } from './setup.js';
import type { FastcgiSetup, Mapping } from './types.js';

const TIMEOUT_NAMES: ReadonlySet<string> = new Set(['proxytimeout', 'timeout']);

interface Route {
  v: Visited;
  url: string;
  params: Record<string, string>;
  mapping: Omit<Mapping, 'text' | 'at'>;
  context: ProxyUrlContext;
  invalidParams: string[];
}

function locationOf(ancestors: readonly Directive[]): Directive | undefined {
  return innermost(ancestors, (a) => a.name === 'location' || a.name === 'locationmatch');
}

function routeOf(v: Visited): Route | undefined {
  const { d, ancestors } = v;
  switch (d.name) {
    case 'sethandler': {
      const h = d.args[0] ?? '';
      if (!/^proxy:/i.test(h)) return undefined;
      const url = h.slice(6);
      if (!isFcgiUrl(url)) return undefined;
      return { v, url, params: {}, mapping: { kind: 'SetHandler', handler: h }, context: 'handler', invalidParams: [] };
    }
    case 'proxypass':
    case 'proxypassmatch': {
      const loc = locationOf(ancestors);
      let args = [...d.args];
      let regex = d.name === 'proxypassmatch';
      if (args[0] === '~') {
        regex = true;
        args = args.slice(1);
      }
      const [p, u] = loc ? [loc.args.at(-1) ?? '', args[0]] : [args[0], args[1]];
      if (u === undefined || p === undefined || u === '!' || !isFcgiUrl(u)) return undefined;
      const rest = args.slice(loc ? 1 : 2);
      const wp = workerParams(rest);
      const mapping: Route['mapping'] = { kind: d.name === 'proxypass' ? 'ProxyPass' : 'ProxyPassMatch' };
      if (regex || loc?.name === 'locationmatch') mapping.urlRegex = p;
      else mapping.urlPath = p;
      return { v, url: u, params: wp.params, mapping, context: 'proxypass', invalidParams: wp.invalid };
    }
    case 'rewriterule': {
      const [pattern, subst, flags = ''] = d.args;
      if (!pattern || !subst) return undefined;
      const f = flags.replace(/^\[|\]$/g, '').split(',');
      const hflag = f.find((x) => /^(H|handler)=/i.test(x));
      if (hflag) {
        const h = hflag.slice(hflag.indexOf('=') + 1);
        if (/^proxy:/i.test(h) && isFcgiUrl(h.slice(6))) {
          return {
            v,
            url: h.slice(6),
            params: {},
            mapping: { kind: 'RewriteRule', urlRegex: pattern, handler: h },
            context: 'handler',
            invalidParams: [],
          };
        }
      }
      if (f.some((x) => /^(P|proxy)$/i.test(x)) && isFcgiUrl(subst)) {
        return {
          v,
          url: subst,
          params: {},
          mapping: { kind: 'RewriteRule', urlRegex: pattern },
          context: 'rewrite',
          invalidParams: [],
        };
      }
      return undefined;
    }
    case 'balancermember': {
      const inProxy = ancestors.some((a) => a.name === 'proxy');
      const args = inProxy ? d.args : d.args.slice(1);
      const u = args[0];
      if (!u || !isFcgiUrl(u)) return undefined;
      const wp = workerParams(args.slice(1));
      return {
        v,
        url: u,
        params: wp.params,
        mapping: { kind: 'BalancerMember' },
        context: 'proxypass',
        invalidParams: wp.invalid,
      };
    }
    default:
      return undefined;
  }
}

/** Parameters given to workers by <Proxy url k=v> and ProxySet, keyed by worker name. */
function definedWorkers(ctx: ExtractContext): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const add = (url: string | undefined, params: readonly string[]) => {
    if (!url) return;
    const name = parseProxyUrl(url, ctx.runtimeDir, 'proxypass').workerName ?? url;
    out.set(name, { ...(out.get(name) ?? {}), ...workerParams(params).params });
  };
  for (const { d, ancestors } of ctx.all) {
    if (!d.active) continue;
    if (d.name === 'proxy' && d.isSection) add(d.args[0], d.args.slice(1));
    if (d.name === 'proxyset') {
      const inProxy = innermost(ancestors, (a) => a.name === 'proxy');
      if (inProxy) add(inProxy.args[0], d.args);
      else add(d.args[0], d.args.slice(1));
    }
  }
  return out;
}

function lookupWorker(defined: Map<string, Record<string, string>>, name: string | undefined): Record<string, string> {
  if (!name) return {};
  let best: { len: number; params: Record<string, string> } | undefined;
  for (const [k, params] of defined) {
    const key = k.replace(/\/$/, '');
    if ((name === k || name.startsWith(key)) && (!best || key.length > best.len)) best = { len: key.length, params };
  }
  return best?.params ?? {};
}

/** "30" or "1500ms" → seconds. */
function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(ms)?$/i.exec(v.trim());
  if (!m || m[1] === undefined) return undefined;
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/** Each route's parsed backend URL, kept for the checks that read it again. */
const parsedUrls = new WeakMap<
  FastcgiSetup,
  { url: string; runtimeDir: string; context: ProxyUrlContext; parsed: ProxyUrl }
>();

/** parseProxyUrl(url, runtimeDir, context), reusing what the extractor parsed for this setup. */
export function parsedProxyUrl(s: FastcgiSetup, url: string, runtimeDir: string, context: ProxyUrlContext): ProxyUrl {
  const kept = parsedUrls.get(s);
  if (kept && kept.url === url && kept.runtimeDir === runtimeDir && kept.context === context) return kept.parsed;
  return parseProxyUrl(url, runtimeDir, context);
}

export function extractModProxyFcgi(ctx: ExtractContext): FastcgiSetup[] {
  const out: FastcgiSetup[] = [];
  const workers = definedWorkers(ctx);
  const loaded = ctx.modules.has('proxy_fcgi_module') && ctx.modules.has('proxy_module');
  // The main server's timeouts, looked up once: most vhosts set neither.
  let mainTimeouts: { proxy: Directive | undefined; core: number } | undefined;
  for (const v of ctx.all) {
    const route = routeOf(v);
    if (!route) continue;
    const { d, ancestors } = v;
    const vh = vhostOfAncestors(ancestors);
    const bar = route.url.indexOf('|');
    const dynamic = route.url.includes('%{') || /\$\d/.test(bar === -1 ? route.url : route.url.slice(0, bar));
    const parsed = parseProxyUrl(route.url, ctx.runtimeDir, route.context);
    const worker = workers.size > 0 ? lookupWorker(workers, parsed.workerName) : undefined;
    const params = worker && Object.keys(worker).length > 0 ? { ...worker, ...route.params } : route.params;
    let proxyTimeout: Directive | undefined;
    let core: number;
    if (vh && vhostSetsAny(vh, TIMEOUT_NAMES)) {
      proxyTimeout = serverSetting(ctx.tree, vh, 'proxytimeout');
      core = coreTimeout(ctx.tree, vh);
    } else {
      mainTimeouts ??= {
        proxy: serverSetting(ctx.tree, undefined, 'proxytimeout'),
        core: coreTimeout(ctx.tree, undefined),
      };
      proxyTimeout = mainTimeouts.proxy;
      core = mainTimeouts.core;
    }
    const timeout = seconds(params['timeout']) ?? seconds(proxyTimeout?.args[0]) ?? core;
    const timeouts = {
      timeout,
      connect: seconds(params['connectiontimeout']) ?? timeout,
      retry: parseIntOr(params['retry'], 60),
    };
    const s = newSetup(
      ctx,
      v,
      {
        id: `proxy_fcgi:${d.file}:${d.line}`,
        module: 'proxy_fcgi',
        moduleId: 'proxy_fcgi_module',
        loaded,
        mode: 'proxy',
      },
      timeouts,
      params,
    );
    parsedUrls.set(s, { url: route.url, runtimeDir: ctx.runtimeDir, context: route.context, parsed });
    const files = innermost(ancestors, (a) => a.name === 'files' || a.name === 'filesmatch');
    const m = route.mapping;
    // One shape for every route (absent keys undefined, which JSON leaves out), in the order JSON has always shown.
    // The route is the defining directive: the mapping shares the setup's ref and text.
    s.reachedBy = [
      {
        kind: m.kind,
        urlRegex: m.urlRegex,
        urlPath: m.urlPath,
        handler: m.handler,
        text: s.directive,
        at: s.definedAt,
        files: files ? files.args.join(' ') : undefined,
      },
    ];
    s.backendUrl = route.url;
    if (parsed.workerName) s.workerName = parsed.workerName;
    if (dynamic)
      s.notes.push('The backend URL is computed per request (%{…} or $n): its endpoint cannot be known in advance.');
    else if (parsed.endpoint) s.endpoint = parsed.endpoint;
    if (route.invalidParams.length > 0) s.notes.push(`Not key=value parameters: ${route.invalidParams.join(' ')}`);
    out.push(s);
  }
  return out;
}
