/**
 * translate_name in httpd 2.4's hook order (verified in the 2.4.x branch's
 * register_hooks): mod_rewrite's hook_uri2file (APR_HOOK_FIRST, before
 * mod_proxy), mod_proxy's proxy_translate_name (proxy_trans: <Location>
 * ProxyPass first, then the server's list, main server's before the
 * vhost's: merge_proxy_config appends overrides to base), mod_alias's
 * translate_alias_redir (APR_HOOK_MIDDLE: redirects first, then aliases,
 * in config order, vhost's before the main server's), then core's
 * ap_core_translate (REALLY_LAST: DocumentRoot + r->uri).
 */
import * as path from 'node:path';
import { render, resolveServerPath, type Directive } from '../../apache/index.js';
import type { FileSystem } from '../../system/types.js';
import type { RouteStep } from '../types.js';
import type { RewriteOutcome } from './seams.js';

export interface Translated {
  kind: 'file' | 'proxy' | 'status';
  /** kind file: r->filename before the walk. */
  filename?: string;
  /** kind proxy: the backend URL as written after substitution (unix:…|fcgi://… or fcgi://…). */
  proxyUrl?: string;
  proxyDirective?: Directive;
  status?: number;
  location?: string;
  /** ScriptAlias: handler cgi-script. */
  handler?: string;
  /** mod_alias sets these for Alias (CONTEXT_PREFIX / CONTEXT_DOCUMENT_ROOT). */
  contextPrefix?: string;
  contextDocumentRoot?: string;
  /** Directive that decided (for steps, and the backend's setup). */
  by?: Directive;
}

/** mod_alias.c alias_matchlen: the alias matches a prefix of the URI segment-wise, slashes in the URI merged. */
export function aliasMatchLen(uri: string, alias: string): number {
  let a = 0;
  let u = 0;
  while (a < alias.length) {
    if (alias[a] === '/') {
      if (uri[u] !== '/') return 0;
      while (alias[a] === '/') a++;
      while (uri[u] === '/') u++;
    } else {
      if (uri[u++] !== alias[a++]) return 0;
    }
  }
  // The alias must end at a segment boundary ("/app" does not match "/application").
  if (alias[alias.length - 1] !== '/' && u < uri.length && uri[u] !== '/') return 0;
  return u;
}

/** ap_pregsub: $0-$9 (and \$ escapes) from a regex match. */
export function pregsub(template: string, m: RegExpExecArray): string {
  return template.replace(
    /\\(\$)|\$(\d)|\$\{(\d+)\}/g,
    (_all, esc: string | undefined, d1: string | undefined, d2: string | undefined) => {
      if (esc) return '$';
      const n = Number(d1 ?? d2);
      return m[n] ?? '';
    },
  );
}

function compile(re: string, nocase = false): RegExp | undefined {
  try {
    return new RegExp(re, nocase ? 'i' : '');
  } catch {
    return undefined;
  }
}

function encodePath(p: string): string {
  return p.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g, (c) =>
    Buffer.from(c, 'utf8')
      .toString('hex')
      .replace(/../g, (h) => `%${h.toUpperCase()}`),
  );
}

export interface AliasInput {
  /** mod_alias directives at server level: vhost's then main server's (mod_alias merge_alias_config: overrides first). */
  aliasDirectives: Directive[];
  serverRoot: string;
  uri: string;
  args?: string;
  /** scheme://host[:port] for a redirect to an abs_path (ap_construct_url). */
  base: string;
}

const REDIRECT_STATUS: Record<string, number> = { permanent: 301, temp: 302, seeother: 303, gone: 410 };

/** mod_alias: redirects are tried before aliases (translate_alias_redir: try_alias_list(redirects) then aliases). */
export function tryAliases(inp: AliasInput, steps: RouteStep[]): Translated | undefined {
  const { uri } = inp;
  for (const pass of ['redirect', 'alias'] as const) {
    for (const d of inp.aliasDirectives) {
      const isRedirect = d.name.startsWith('redirect');
      if ((pass === 'redirect') !== isRedirect) continue;
      const args = d.args;
      if (isRedirect) {
        let i = 0;
        let status = 302;
        const first = (args[0] ?? '').toLowerCase();
        if (d.name === 'redirectpermanent') status = 301;
        else if (d.name === 'redirecttemp') status = 302;
        else if (REDIRECT_STATUS[first] !== undefined) {
          status = REDIRECT_STATUS[first] as number;
          i = 1;
        } else if (/^\d{3}$/.test(first)) {
          status = Number(first);
          i = 1;
        }
        const from = args[i] ?? '';
        const to = args[i + 1];
        let target: string | undefined;
        if (d.name === 'redirectmatch') {
          const re = compile(from);
          const m = re?.exec(uri);
          if (!m) continue;
          target = to === undefined ? undefined : pregsub(to, m);
        } else {
          const n = aliasMatchLen(uri, from);
          if (n === 0) continue;
          // mod_alias.c try_alias_list: the rest of the URI is escaped (ap_os_escape_path).
          target = to === undefined ? undefined : to + encodePath(uri.slice(n));
        }
        if (target?.startsWith('/')) target = inp.base + target;
        // translate_alias_redir: the request's query is appended unless the target has its own.
        const loc =
          target !== undefined && inp.args !== undefined && !target.includes('?') ? `${target}?${inp.args}` : target;
        steps.push({
          what: 'redirect',
          file: d.file,
          line: d.line,
          text: `${render(d)}: ${uri} → ${status}${loc ? ` ${loc}` : ''}`,
        });
        return {
          kind: 'status',
          status,
          ...(loc !== undefined && status >= 300 && status < 400 ? { location: loc } : {}),
          by: d,
        };
      }
      const isMatch = d.name.endsWith('match');
      const from = args[0] ?? '';
      const to = args[1] ?? '';
      let filename: string | undefined;
      let prefix = '';
      if (isMatch) {
        const re = compile(from);
        const m = re?.exec(uri);
        if (!m) continue;
        filename = pregsub(to, m);
        prefix = m[0];
      } else {
        const n = aliasMatchLen(uri, from);
        if (n === 0) continue;
        filename = to + uri.slice(n);
        prefix = uri.slice(0, n);
      }
      filename = resolveServerPath(inp.serverRoot, filename);
      const script = d.name.startsWith('scriptalias');
      steps.push({
        what: 'alias',
        file: d.file,
        line: d.line,
        text: `${render(d)}: ${uri} → ${filename}${script ? ' (handler cgi-script)' : ''}`,
      });
      const t: Translated = { kind: 'file', filename, by: d };
      if (script) t.handler = 'cgi-script';
      // mod_alias.c try_alias_list: ap_set_context_info(r, alias->fake, alias->real) for the plain forms only.
      if (!isMatch) {
        t.contextPrefix = from;
        t.contextDocumentRoot = to;
      }
      void prefix;
      return t;
    }
  }
  return undefined;
}

export interface ProxyPassInput {
  /** ProxyPass/ProxyPassMatch at server level: main server's, then the vhost's. */
  directives: Directive[];
  /** The ProxyPass of the innermost matching <Location>, tried first (dconf->alias). */
  locationPass?: { d: Directive; location: Directive };
  uri: string;
}

/** mod_proxy.c proxy_trans + ap_proxy_trans_match. `!` stops mod_proxy for this URI (DECLINED). */
export function tryProxyPass(inp: ProxyPassInput, steps: RouteStep[]): Translated | undefined | 'excluded' {
  const tryOne = (d: Directive, pathArg: string, url: string, regex: boolean): Translated | undefined | 'excluded' => {
    let found: string | undefined;
    if (regex) {
      // ProxyPassMatch regexes are case-sensitive (ap_pregcomp without AP_REG_ICASE).
      const re = compile(pathArg);
      const m = re?.exec(inp.uri);
      if (!m) return undefined;
      found = url === '!' ? '!' : pregsub(url, m);
    } else {
      const n = aliasMatchLen(inp.uri, pathArg);
      if (n === 0 && !(pathArg === '/' && inp.uri.startsWith('/'))) return undefined;
      found = url === '!' ? '!' : url + inp.uri.slice(pathArg === '/' ? 1 : n);
    }
    if (found === '!') {
      steps.push({
        what: 'proxypass',
        file: d.file,
        line: d.line,
        text: `${render(d)}: ${inp.uri} is excluded from proxying`,
      });
      return 'excluded';
    }
    steps.push({ what: 'proxypass', file: d.file, line: d.line, text: `${render(d)}: ${inp.uri} → ${found}` });
    return { kind: 'proxy', proxyUrl: found, proxyDirective: d, by: d };
  };
  if (inp.locationPass) {
    const { d, location } = inp.locationPass;
    const r = tryOne(
      d,
      location.args.at(-1) ?? '/',
      d.args[0] ?? '',
      location.name === 'locationmatch' || location.args[0] === '~',
    );
    if (r) return r;
  }
  for (const d of inp.directives) {
    let args = d.args;
    let regex = d.name === 'proxypassmatch';
    if (args[0] === '~') {
      regex = true;
      args = args.slice(1);
    }
    const r = tryOne(d, args[0] ?? '', args[1] ?? '', regex);
    if (r) return r;
  }
  return undefined;
}

/**
 * mod_rewrite.c hook_uri2file: a substitution that is not a URL is a file
 * path when its first component exists on disk (prefix_stat), else a
 * URL-path under DocumentRoot. [PT] hands it back as a URI.
 */
export function rewrittenToFile(target: string, docRoot: string, fs: FileSystem): string {
  const first = target.split('/').filter((x) => x !== '')[0];
  if (first !== undefined && fs.exists(`/${first}`)) return path.posix.normalize(target);
  return path.posix.join(docRoot, target);
}

export function outcomeStatus(o: RewriteOutcome): number | undefined {
  if (o.result === 'forbidden') return 403;
  if (o.result === 'gone') return 410;
  if (o.result === 'status') return o.status;
  if (o.result === 'redirect') return o.status ?? 302;
  return undefined;
}
