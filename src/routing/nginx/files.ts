/**
 * What nginx does with files for a request: try_files
 * (modules/ngx_http_try_files_module.c ngx_http_try_files_handler), the index
 * module (ngx_http_index_module.c ngx_http_index_handler) and the static
 * module (ngx_http_static_module.c ngx_http_static_handler), each checking
 * the files through the fs interface as nginx's open_file does (symbolic links
 * followed, disable_symlinks off). Through a view as nginx's `user`, a check
 * the worker is refused (EACCES) takes nginx's path for that error in each
 * module: try_files tries the next name, index answers 403, static answers 403.
 */
import type { NginxDirective } from '../../nginx/types.js';
import { isProbeError, isUserFileSystem, type Refusal } from '../../system/types.js';
import { inherited, setting } from './config.js';
import { type RequestState, bytesToText, refusedCheck, step } from './state.js';
import { documentRoot, expand, hasVariables, mapUriToPath } from './variables.js';

export type FileCheck =
  /** A file (anything but a directory), a directory, or nothing. */
  | { kind: 'file' | 'dir' | 'missing' }
  /** Not visible to the doctor: nothing is known of what nginx's worker sees. */
  | { kind: 'denied' }
  /** nginx's worker gets EACCES (a view as its user refuses it; the doctor sees the path). */
  | { kind: 'refused'; refused: Refusal };

/**
 * What ngx_open_cached_file sees at a path: with test_only (try_files, index) a stat(); the static
 * module opens the file (O_RDONLY: read permission on it as well), which `open` asks of a view as nginx's user.
 */
export function check(r: RequestState, path: string, open = false): FileCheck {
  const fs = r.options.fs;
  const p = bytesToText(path);
  const st = open && isUserFileSystem(fs) ? fs.open(p) : fs.stat(p);
  if (isProbeError(st)) {
    if (st.error !== 'denied') return { kind: 'missing' };
    return st.refused ? { kind: 'refused', refused: st.refused } : { kind: 'denied' };
  }
  return { kind: st.type === 'dir' ? 'dir' : 'file' };
}

export type TryFilesResult =
  /** No try_files in effect. */
  | { kind: 'none' }
  /** A file or directory was found: r->uri now names it; the content phase goes on in this location. */
  | { kind: 'found' }
  | { kind: 'status'; status: number }
  | { kind: 'redirect'; uri: string; args: string }
  | { kind: 'named'; name: string };

function at(d: NginxDirective) {
  return { file: d.file, line: d.line };
}

export function tryFiles(r: RequestState): TryFilesResult {
  // The try_files module has no merge function: only the level's own try_files counts (a nested
  // location, or an `if` block that became the configuration, has none unless it writes one).
  const d = r.level.body.find((x) => x.name === 'try_files');
  if (!d || d.args.length < 2) return { kind: 'none' };
  const root = documentRoot(r, r.level);
  const mapped = mapUriToPath(r);
  if ('status' in mapped) {
    step(r, 'try_files', mapped.reason, at(d));
    return { kind: 'status', status: 500 };
  }
  const args = d.args;
  const refusedBefore = r.refused.length;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] as string;
    const last = i === args.length - 1;
    if (last && /^=\d+$/.test(raw)) {
      const status = Number(raw.slice(1));
      step(
        r,
        'try_files',
        r.refused.length > refusedBefore
          ? `no file found as nginx's worker sees them: try_files goes on to =${status}`
          : `none of the files exists: =${status}`,
        at(d),
      );
      return { kind: 'status', status };
    }
    // ngx_http_try_files: a name ending in '/' tests a directory, the slash itself dropped.
    const testDir = !last && raw.length > 1 && raw.endsWith('/');
    const e = expand(r, testDir ? raw.slice(0, -1) : raw);
    for (const u of e.unknown) r.uncertain.push(`try_files ${raw} (${d.file}:${d.line}) uses ${u}, unknown here`);
    let name = e.value;
    // An alias location: a name that starts with the location's prefix has it cut (only names with variables).
    if (root.alias === 'prefix' && hasVariables(raw) && name.startsWith(r.uri.slice(0, root.aliasLength)))
      name = name.slice(root.aliasLength);
    if (last) {
      // Refused names are not "missing" to the reader: say whose view found nothing.
      const none =
        r.refused.length > refusedBefore ? "no file found as nginx's worker sees them" : 'none of the files exists';
      if (name.startsWith('@')) {
        step(r, 'try_files', `${none}: named location ${name}`, at(d));
        return { kind: 'named', name };
      }
      const q = name.indexOf('?');
      const uri = q === -1 ? name : name.slice(0, q);
      const newArgs = q === -1 ? r.args : name.slice(q + 1);
      step(r, 'try_files', `${none}: internal redirect to ${bytesToText(name)}`, at(d));
      return { kind: 'redirect', uri, args: newArgs };
    }
    const base = root.alias === 'regex' ? (r.addUriToAlias ? mapped.path : root.value) : root.value;
    const path = base + name;
    const seen = check(r, path);
    if (seen.kind === 'denied') {
      r.uncertain.push(`try_files: the doctor cannot see ${bytesToText(path)} (nginx may)`);
      continue;
    }
    if (seen.kind === 'refused') {
      // ngx_http_try_files_handler: an error other than ENOENT, ENOTDIR or ENAMETOOLONG is logged at
      // crit ("stat() … failed (13: Permission denied)") and the next name is tried.
      const why = refusedCheck(r, 'try_files', bytesToText(path), seen.refused, at(d));
      step(
        r,
        'try_files',
        `${testDir ? 'directory' : 'file'} ${bytesToText(path)}: ${why}, the next name is tried`,
        at(d),
      );
      continue;
    }
    const ok = seen.kind !== 'missing' && (seen.kind === 'dir') === testDir;
    step(
      r,
      'try_files',
      `${testDir ? 'directory' : 'file'} ${bytesToText(path)}: ${ok ? 'found' : 'not there'}`,
      at(d),
    );
    if (!ok) continue;
    if (root.alias === 'no') r.uri = name;
    else if (root.alias === 'regex') {
      if (!testDir) {
        r.uri = name;
        r.addUriToAlias = true;
      }
    } else r.uri = r.uri.slice(0, root.aliasLength) + name;
    return { kind: 'found' };
  }
  return { kind: 'none' };
}

export type StaticResult =
  | { kind: 'file'; path: string }
  | { kind: 'status'; status: number; location?: string; reason: string }
  | { kind: 'redirect'; uri: string; args: string };

/** The index module for a URI ending in '/': the first index file that exists, as an internal redirect. */
export function indexHandler(r: RequestState): StaticResult | undefined {
  if (!r.uri.endsWith('/')) return undefined;
  if (!['GET', 'HEAD', 'POST'].includes(r.method)) return undefined;
  const ds = inherited(r.level, 'index');
  const names = ds.length > 0 ? ds.flatMap((d) => d.args.map((a) => ({ a, d }))) : [{ a: 'index.html', d: undefined }];
  const mapped = mapUriToPath(r);
  if ('status' in mapped) return { kind: 'status', status: 500, reason: mapped.reason };
  let dirTested = false;
  for (const { a, d } of names) {
    const e = expand(r, a);
    if (d) for (const u of e.unknown) r.uncertain.push(`index ${a} (${d.file}:${d.line}) uses ${u}, unknown here`);
    const name = e.value;
    if (name.startsWith('/')) {
      step(r, 'index', `index ${a}: internal redirect to ${bytesToText(name)}`, d && at(d));
      return { kind: 'redirect', uri: name, args: r.args };
    }
    const path = mapped.path + name;
    const seen = check(r, path);
    if (seen.kind === 'denied') {
      r.uncertain.push(`index: the doctor cannot see ${bytesToText(path)} (nginx may)`);
      continue;
    }
    if (seen.kind === 'refused') {
      // ngx_http_index_handler: EACCES on an index file ends the search with ngx_http_index_error's
      // 403 ("… is forbidden"); the other index names are not tried.
      const why = refusedCheck(r, 'index', bytesToText(path), seen.refused, d && at(d));
      step(r, 'index', `index ${bytesToText(path)}: ${why}: 403`, d && at(d));
      return {
        kind: 'status',
        status: 403,
        reason: `"${bytesToText(path)}" is forbidden (13: Permission denied)`,
      };
    }
    if (seen.kind === 'missing') {
      if (!dirTested) {
        // ngx_http_index_test_dir: the directory itself must exist (EACCES on it counts as there).
        const dir = check(r, mapped.path);
        if (dir.kind === 'missing')
          return { kind: 'status', status: 404, reason: `directory ${bytesToText(mapped.path)} not found` };
        dirTested = true;
      }
      step(r, 'index', `index ${bytesToText(path)}: not there`, d && at(d));
      continue;
    }
    step(r, 'index', `index ${bytesToText(path)}: internal redirect to ${bytesToText(r.uri + name)}`, d && at(d));
    return { kind: 'redirect', uri: r.uri + name, args: r.args };
  }
  return undefined;
}

/** ngx_http_static_handler, then ngx_http_core_content_phase when every handler declined. */
export function staticHandler(r: RequestState): StaticResult {
  if (!['GET', 'HEAD', 'POST'].includes(r.method))
    return { kind: 'status', status: 405, reason: `the static module answers ${r.method} with 405` };
  if (r.uri.endsWith('/')) {
    // autoindex off: every content handler declined on a directory URI.
    if (setting(r.level, 'autoindex')?.args[0] === 'on') r.uncertain.push('autoindex on: the listing is not modelled');
    return { kind: 'status', status: 403, reason: 'directory index is forbidden (no index file, autoindex off)' };
  }
  const mapped = mapUriToPath(r);
  if ('status' in mapped) return { kind: 'status', status: 500, reason: mapped.reason };
  const seen = check(r, mapped.path, true);
  if (seen.kind === 'denied') {
    r.uncertain.push(`the doctor cannot see ${bytesToText(mapped.path)} (nginx may)`);
    return { kind: 'status', status: 403, reason: `${bytesToText(mapped.path)}: permission denied` };
  }
  if (seen.kind === 'refused') {
    // ngx_http_static_handler: open() failing with EACCES is 403.
    const why = refusedCheck(r, 'static', bytesToText(mapped.path), seen.refused);
    return { kind: 'status', status: 403, reason: `open() "${bytesToText(mapped.path)}": ${why}` };
  }
  if (seen.kind === 'missing') return { kind: 'status', status: 404, reason: `${bytesToText(mapped.path)} not found` };
  if (seen.kind === 'dir') {
    const uri = escapeUri(r.uri);
    const location = r.args ? `${uri}/?${r.args}` : `${uri}/`;
    return { kind: 'status', status: 301, location, reason: `${bytesToText(mapped.path)} is a directory` };
  }
  if (r.method === 'POST') return { kind: 'status', status: 405, reason: 'the static module answers POST with 405' };
  return { kind: 'file', path: mapped.path };
}

/** ngx_escape_uri(…, NGX_ESCAPE_URI): space, '#', '%', '?' and bytes outside 0x21–0x7e as %XX. */
export function escapeUri(uri: string): string {
  let out = '';
  for (const ch of uri) {
    const c = ch.charCodeAt(0);
    if (c <= 0x20 || c >= 0x7f || ch === '#' || ch === '%' || ch === '?')
      out += `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}
