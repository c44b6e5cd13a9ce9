/**
 * nginx's variables for one request (src/http/ngx_http_variables.c
 * ngx_http_core_variables, and the fastcgi module's two in
 * modules/ngx_http_fastcgi_module.c), and the expansion of a value with
 * variables as ngx_http_script_compile reads it: "$name", "${name}", "$1"…"$9".
 * Each variable follows the function that computes it in nginx (cited).
 * A variable the model cannot know (a time, a request id) is reported, never guessed.
 */
import { isProbeError, type Refusal } from '../../system/types.js';
import { type Level, rootOrAlias, setting } from './config.js';
import { execNginxRegex, compileNginxRegex } from './regex.js';
import { type RequestState, bytesToText, refusedCheck, step, textToBytes } from './state.js';

/** The value of an expansion, or the variables it needs that the model does not know. */
export interface Expanded {
  value: string;
  unknown: string[];
}

/** The full name of a path as ngx_get_full_name makes it: relative to nginx's prefix. */
export function fullName(prefix: string, path: string): string {
  if (path.startsWith('/')) return path;
  return prefix.endsWith('/') ? `${prefix}${path}` : `${prefix}/${path}`;
}

/** Splits a value into literal text and variable references (ngx_http_script_compile). */
export function scriptParts(text: string): Array<{ lit: string } | { var: string }> {
  const out: Array<{ lit: string } | { var: string }> = [];
  let lit = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      lit += c;
      i++;
      continue;
    }
    const n = text[i + 1] ?? '';
    let name = '';
    if (n >= '1' && n <= '9') {
      name = n;
      i += 2;
    } else if (n === '{') {
      const close = text.indexOf('}', i + 2);
      if (close === -1) {
        lit += text.slice(i);
        break;
      }
      name = text.slice(i + 2, close);
      i = close + 1;
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(text.slice(i + 1));
      if (!m) {
        lit += c;
        i++;
        continue;
      }
      name = m[0];
      i += 1 + name.length;
    }
    if (lit) out.push({ lit });
    lit = '';
    out.push({ var: name });
  }
  if (lit) out.push({ lit });
  return out;
}

export function hasVariables(text: string): boolean {
  return scriptParts(text).some((p) => 'var' in p);
}

export function expand(r: RequestState, text: string): Expanded {
  let value = '';
  const unknown: string[] = [];
  for (const p of scriptParts(text)) {
    if ('lit' in p) {
      value += textToBytes(p.lit);
      continue;
    }
    const v = variable(r, p.var);
    if (v === undefined) unknown.push(`$${p.var}`);
    else value += v;
  }
  return { value, unknown };
}

function header(r: RequestState, name: string): string | undefined {
  // ngx_http_variable_unknown_header: "$http_x_y" matches "X-Y" (case-insensitive, '-' as '_'); repeats joined by ", " (";" for Cookie).
  const want = name.toLowerCase();
  const values = r.headers.filter(([n]) => n.toLowerCase().replace(/-/g, '_') === want).map(([, v]) => v);
  if (values.length === 0) return undefined;
  return values.join(want === 'cookie' ? '; ' : ', ');
}

function argValue(args: string, name: string): string | undefined {
  // ngx_http_arg: names compared case-insensitively, the value as sent.
  for (const pair of args.split('&')) {
    const eq = pair.indexOf('=');
    const n = eq === -1 ? pair : pair.slice(0, eq);
    if (n.toLowerCase() === name.toLowerCase() && eq !== -1) return pair.slice(eq + 1);
  }
  return undefined;
}

function cookieValue(r: RequestState, name: string): string | undefined {
  const c = header(r, 'cookie');
  if (c === undefined) return undefined;
  for (const part of c.split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim().toLowerCase() === name.toLowerCase()) return part.slice(eq + 1);
  }
  return undefined;
}

/** ngx_http_variable_remote_user: the user of a Basic Authorization header, else empty. */
function remoteUser(r: RequestState): string {
  const auth = header(r, 'authorization');
  if (!auth) return '';
  const m = /^basic\s+(\S+)/i.exec(auth);
  if (!m) return '';
  const decoded = Buffer.from(m[1] as string, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  return colon === -1 ? '' : decoded.slice(0, colon);
}

/** The value nginx gives `$name` now, or undefined when the model cannot know it. */
export function variable(r: RequestState, name: string): string | undefined {
  if (/^[1-9]$/.test(name)) return r.captures?.numbered[Number(name)] ?? '';
  // Variable names are case-insensitive (ngx_http_get_variable hashes them lower-cased).
  const lower = name.toLowerCase();
  const set = r.vars.get(lower);
  if (set !== undefined) return set;
  if (lower.startsWith('http_')) return header(r, lower.slice(5)) ?? '';
  if (lower.startsWith('arg_')) return argValue(r.args, lower.slice(4)) ?? '';
  if (lower.startsWith('cookie_')) return cookieValue(r, lower.slice(7)) ?? '';
  const req = r.request;
  switch (lower) {
    case 'uri':
    case 'document_uri':
      return r.uri;
    case 'request_uri':
      return r.unparsedUri;
    case 'args':
    case 'query_string':
      return r.args;
    case 'is_args':
      return r.args.length > 0 ? '?' : '';
    case 'request_method':
      return r.method;
    case 'request':
      // r->request_line: the line as sent, whatever error_page did to the method since.
      return `${req.method} ${r.unparsedUri} HTTP/1.1`;
    case 'content_type':
      return header(r, 'content_type') ?? '';
    case 'content_length':
      return header(r, 'content_length') ?? '';
    case 'host':
      // ngx_http_variable_host: the validated Host, else the server's name.
      return r.host !== '' ? r.host : primaryName(r);
    case 'server_name':
      return primaryName(r);
    case 'server_port':
      return String(req.port);
    case 'server_addr':
      return req.localAddress;
    case 'server_protocol':
      return 'HTTP/1.1';
    case 'scheme':
      return req.scheme;
    case 'https':
      return req.scheme === 'https' ? 'on' : '';
    case 'remote_addr':
      return req.remoteAddress;
    case 'remote_port':
      return req.remotePort === undefined ? undefined : String(req.remotePort);
    case 'remote_user':
      return remoteUser(r);
    case 'document_root':
      return documentRoot(r, r.level).value;
    case 'realpath_root': {
      const root = documentRoot(r, r.level).value;
      const real = realpath(r, root);
      if (real !== null && typeof real === 'object') {
        // ngx_http_variable_realpath_root: realpath() failing is logged at crit and the variable is
        // not found, so it expands to "" (ngx_http_script_copy_var_len_code); told once per root.
        if (r.refused.some((x) => x.directive === 'realpath' && x.path === bytesToText(root))) return '';
        const why = refusedCheck(r, 'realpath', bytesToText(root), real.refused);
        step(r, 'variable', `$realpath_root: realpath() "${bytesToText(root)}" failed: ${why}; it expands to ""`);
        return '';
      }
      return real ?? undefined;
    }
    case 'request_filename': {
      const p = mapUriToPath(r);
      return 'status' in p ? '' : p.path;
    }
    case 'fastcgi_script_name':
      return fastcgiScriptName(r);
    case 'fastcgi_path_info':
      return fastcgiSplit(r).pathInfo;
    case 'nginx_version':
      return r.options.nginxVersion;
    case 'hostname':
      return r.options.hostname;
    default:
      // Declared but never given a value: "" (nginx logs "using uninitialized variable").
      if (r.model.declared.has(lower)) return '';
      return undefined;
  }
}

function primaryName(r: RequestState): string {
  const n = r.server.names[0] ?? '';
  return n.startsWith('.') ? n.slice(1) : n;
}

/** ngx_http_variable_document_root: root (or alias) of the level, variables expanded, made absolute against the prefix. */
export function documentRoot(
  r: RequestState,
  level: Level,
): { value: string; alias: 'no' | 'prefix' | 'regex'; aliasLength: number } {
  const ra = rootOrAlias(level);
  if (!ra) return { value: textToBytes(fullName(r.model.prefix, 'html')), alias: 'no', aliasLength: 0 };
  let raw = ra.d.args[0] ?? '';
  // ngx_http_core_root: a root's trailing slash is dropped (an alias keeps its own).
  if (!ra.alias && raw.length > 0 && raw.endsWith('/')) raw = raw.slice(0, -1);
  const e = expand(r, raw);
  for (const u of e.unknown)
    r.uncertain.push(`${ra.d.name} ${ra.d.args[0]} (${ra.d.file}:${ra.d.line}) uses ${u}, unknown here`);
  const value = e.value.startsWith('/') ? e.value : textToBytes(fullName(r.model.prefix, bytesToText(e.value)));
  if (!ra.alias) return { value, alias: 'no', aliasLength: 0 };
  const loc = ra.level.location;
  if (loc && (loc.modifier === '~' || loc.modifier === '~*')) return { value, alias: 'regex', aliasLength: 0 };
  return { value, alias: 'prefix', aliasLength: loc?.name.length ?? 0 };
}

/** ngx_http_map_uri_to_path: the file a URI names under the root or alias in effect. */
export function mapUriToPath(r: RequestState): { path: string; root: string } | { status: 500; reason: string } {
  const d = documentRoot(r, r.level);
  if (d.alias !== 'no' && !r.validLocation)
    return { status: 500, reason: '"alias" cannot be used in a location where the URI was rewritten' };
  if (d.alias === 'regex') return { path: r.addUriToAlias ? d.value + r.uri : d.value, root: d.value };
  return { path: d.value + r.uri.slice(d.aliasLength), root: d.value };
}

/** The fastcgi module's split of the URI (ngx_http_fastcgi_split), cached in its context like nginx's. */
export function fastcgiSplit(r: RequestState): { scriptName: string; pathInfo: string } {
  if (r.fastcgiSplit && r.fastcgiSplit.scriptName.length > 0) return r.fastcgiSplit;
  let split = { scriptName: r.uri, pathInfo: '' };
  const d = setting(r.level, 'fastcgi_split_path_info');
  if (d?.args[0] !== undefined) {
    const rx = compileNginxRegex(d.args[0]);
    if ('error' in rx) r.uncertain.push(`fastcgi_split_path_info ${d.args[0]} (${d.file}:${d.line}): ${rx.error}`);
    else {
      const m = execNginxRegex(rx, r.uri);
      if (m) split = { scriptName: m.numbered[1] ?? '', pathInfo: m.numbered[2] ?? '' };
    }
  }
  r.fastcgiSplit = split;
  return split;
}

/** ngx_http_fastcgi_script_name_variable: the script part, fastcgi_index appended when it ends in '/'. */
export function fastcgiScriptName(r: RequestState): string {
  const s = fastcgiSplit(r).scriptName;
  if (s.length === 0 || !s.endsWith('/')) return s;
  const index = setting(r.level, 'fastcgi_index')?.args[0] ?? '';
  return s + textToBytes(index);
}

/**
 * realpath(3) of a byte-string path through the fs interface (symbolic links followed, bounded);
 * null when it cannot be resolved, the refusal when nginx's worker may not resolve it.
 */
export function realpath(r: RequestState, path: string): string | null | { refused: Refusal } {
  const fs = r.options.fs;
  let parts = bytesToText(path)
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  let resolved = '';
  let links = 0;
  while (parts.length > 0) {
    const p = parts.shift() as string;
    if (p === '..') {
      resolved = resolved.slice(0, resolved.lastIndexOf('/'));
      continue;
    }
    const next = `${resolved}/${p}`;
    const st = fs.lstat(next);
    if (isProbeError(st)) return st.refused ? { refused: st.refused } : null;
    if (st.type === 'symlink') {
      if (++links > 40) return null;
      const target = fs.readlink(next);
      if (isProbeError(target)) return target.refused ? { refused: target.refused } : null;
      const tparts = target.split('/').filter((x) => x !== '' && x !== '.');
      if (target.startsWith('/')) resolved = '';
      parts = [...tparts, ...parts];
      continue;
    }
    resolved = next;
  }
  return textToBytes(resolved === '' ? '/' : resolved);
}
