import type { FpmFileReader } from './types.js';

/**
 * An include= pattern as glob(3) with GLOB_ERR|GLOB_MARK expands it
 * (fpm_conf.c: fpm_conf_ini_parser_include): `*`, `?`, `[…]` in any
 * component, matches sorted, dot files only when the pattern names the dot.
 * `aborted` when a directory on the way cannot be read (FPM: "Unable to globalize").
 */
export function expandIncludeGlob(
  reader: FpmFileReader,
  pattern: string,
  limit: number,
): { matches: string[]; aborted?: string } {
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let current = [parts[0] === '' ? '/' : '.'];
  const rest = parts[0] === '' ? parts.slice(1) : parts;
  for (let i = 0; i < rest.length; i++) {
    const part = rest[i] ?? '';
    const next: string[] = [];
    for (const dir of current) {
      const base = dir === '/' ? '' : dir;
      if (!/[*?[]/.test(part)) {
        next.push(`${base}/${part}`);
        continue;
      }
      const names = reader.listDir(dir);
      if (!Array.isArray(names)) return { matches: [], aborted: `${dir}: ${names.error}` };
      const re = componentRegExp(part);
      for (const name of [...names].sort()) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (re.test(name)) next.push(`${base}/${name}`);
        if (next.length > limit) break;
      }
    }
    current = next;
  }
  // A literal last component must exist to match (glob(3) without GLOB_NOCHECK).
  const last = rest[rest.length - 1] ?? '';
  const matches = /[*?[]/.test(last) ? current : current.filter((p) => reader.exists(p));
  return { matches: matches.slice(0, limit) };
}

function componentRegExp(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i] ?? '';
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = part.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
