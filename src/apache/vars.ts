/**
 * ${NAME} expansion (core.c ap_resolve_env) and Debian's envvars file.
 * httpd expands the whole logical line before splitting it into words, looks in
 * the Define table first and then the process environment, and leaves unknown
 * names verbatim (AH00111). Names containing ':' are never expanded.
 */

/**
 * A variable's value, or the length of a value too long to hold (a Define
 * that doubled itself: fcgi-doctor keeps only its size).
 */
export type VarLookup = (name: string) => string | number | undefined;

export interface Expansion {
  /** The expanded line; '' when it was too long to build (see `tooLong`). */
  text: string;
  /** Length of the expanded line, in UTF-16 units (built or not). */
  length: number;
  /** The expansion is longer than the limit it was asked for: `text` was not built. */
  tooLong: boolean;
  /** Names that were not defined anywhere, in order of appearance. */
  undefinedNames: string[];
}

/**
 * ${NAME} replaced as httpd does. httpd itself has no limit (a Define that
 * doubles itself 40 times makes it allocate until it aborts): the length is
 * computed first, and the text built only when it is at most `maxLength`.
 */
export function expandVars(line: string, lookup: VarLookup, maxLength = Infinity): Expansion {
  if (line.indexOf('${') === -1)
    return { text: line, length: line.length, tooLong: line.length > maxLength, undefinedNames: [] };
  const pieces: (string | number)[] = [];
  const undefinedNames: string[] = [];
  let length = 0;
  let i = 0;
  while (i < line.length) {
    const start = line.indexOf('${', i);
    if (start === -1) break;
    const end = line.indexOf('}', start + 2);
    if (end === -1) break;
    pieces.push(line.slice(i, start));
    const name = line.slice(start + 2, end);
    const value = name.includes(':') ? undefined : lookup(name);
    if (value !== undefined) pieces.push(value);
    else {
      pieces.push(line.slice(start, end + 1));
      if (!name.includes(':')) undefinedNames.push(name);
    }
    i = end + 1;
  }
  pieces.push(line.slice(i));
  for (const p of pieces) length += typeof p === 'number' ? p : p.length;
  if (length > maxLength || pieces.some((p) => typeof p === 'number'))
    return { text: '', length, tooLong: true, undefinedNames };
  return { text: pieces.join(''), length, tooLong: false, undefinedNames };
}

/**
 * Reads Debian's /etc/apache2/envvars as data, without running it: every
 * `export NAME=value` or `NAME=value` line, with $NAME / ${NAME} expanded from
 * what was read so far. SUFFIX comes from the configuration directory name
 * (/etc/apache2-www → "-www"), which is what the shell code in envvars computes.
 */
export function parseEnvvars(content: string, configDir: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const base = configDir.replace(/\/+$/, '').split('/').pop() ?? '';
  vars['SUFFIX'] = base.startsWith('apache2-') ? `-${base.slice('apache2-'.length)}` : '';
  vars['APACHE_CONFDIR'] = configDir;
  const lookup = (n: string): string => vars[n] ?? '';
  for (const raw of content.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    if (m[1] === 'SUFFIX') continue;
    vars[m[1]] = shellValue(m[2], lookup);
  }
  return vars;
}

/** The value of a simple shell assignment: quotes removed, $VAR expanded, comments dropped. */
function shellValue(v: string, lookup: (n: string) => string): string {
  let out = '';
  let i = 0;
  let quote: string | null = null;
  while (i < v.length) {
    const c = v[i] ?? '';
    if (quote === null && /\s/.test(c)) break;
    if (quote === null && (c === '"' || c === "'")) {
      quote = c;
      i++;
      continue;
    }
    if (quote !== null && c === quote) {
      quote = null;
      i++;
      continue;
    }
    if (c === '$' && quote !== "'") {
      const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(v.slice(i));
      if (m) {
        out += lookup(m[1] ?? m[2] ?? '');
        i += m[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}
