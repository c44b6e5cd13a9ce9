/**
 * Shell wildcards in one path component: `*`, `?`, `[...]` (`[!...]` and
 * `[^...]` negate), a backslash escapes, and a wildcard never matches a
 * leading dot. That is apr_fnmatch with APR_FNM_PERIOD, which Apache's
 * Include and <Directory>/<Files> use, and glob(3) as PHP-FPM's `include`
 * calls it: one matcher for both, in src/util because src/apache and
 * src/system may import nothing of each other (see CONTRIBUTING.md).
 */

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

const regexCache = new Map<string, RegExp>();

/** Does `name` (one path component) match `pattern`? */
export function fnmatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${fnmatchToRegex(pattern)}$`, 's');
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re.test(name);
}

/** The pattern as the body of a JavaScript regular expression (no anchors). */
export function fnmatchToRegex(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] ?? '';
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < p.length) out += escapeRe(p[++i] ?? '');
    else if (c === '[') {
      const close = p.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = p.slice(i + 1, close);
      let neg = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = true;
        body = body.slice(1);
      }
      out += `[${neg ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else out += escapeRe(c);
  }
  return out;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
