/**
 * nginx's regular expressions (PCRE2, compiled by ngx_regex_compile in
 * src/core/ngx_regex.c with no option but CASELESS for `~*`) run as
 * JavaScript RegExps. The two dialects agree on what configurations use,
 * except a few points this module translates:
 *  - `$` and `\Z` match at the end or before a final "\n" in PCRE (the
 *    CVE-2019-11043 PATH_INFO trick relies on it), only at the end in JS;
 *  - `.` excludes only "\n" in PCRE (NEWLINE is LF), also "\r" in JS;
 *  - `(?P<name>…)` is PCRE's other spelling of a named group.
 * What has no JS equivalent (possessive quantifiers, atomic groups, \Q…\E,
 * POSIX classes, inline flags past the start…) is refused with a reason: the
 * caller says `uncertain` rather than matching differently from nginx.
 *
 * Strings here hold one byte per character (latin1), as nginx's URIs are
 * bytes: the regexes run without the `u` flag, character = byte.
 */

export interface NginxRegex {
  source: string;
  re: RegExp;
  /** Names of the named groups, in order (nginx sets a variable for each). */
  names: string[];
}

export type RegexResult = NginxRegex | { error: string };

/**
 * Translations made so far: thousands of sites write the same `location ~ \.php$`.
 * The results are shared, so no caller may change one (the RegExps have no g or
 * y flag: no lastIndex state). Bounded: past the limit, regexes are translated each time.
 */
const translated = new Map<string, RegexResult>();
const translatedCaseless = new Map<string, RegexResult>();
const MAX_TRANSLATED = 10_000;

/** Translates one nginx (PCRE) regex; `caseless` for `~*` and server names with capitals. */
export function compileNginxRegex(written: string, caseless = false): RegexResult {
  const made = caseless ? translatedCaseless : translated;
  let r = made.get(written);
  if (r === undefined) {
    r = translateNginxRegex(written, caseless);
    if (made.size < MAX_TRANSLATED) made.set(written, r);
  }
  return r;
}

function translateNginxRegex(written: string, caseless: boolean): RegexResult {
  // PCRE without the UTF flag: a non-ASCII character of the pattern is its UTF-8 bytes.
  const source = Buffer.from(written, 'utf8').toString('latin1');
  // JavaScript's caseless matching folds Latin-1 letters too, PCRE in nginx's C locale only ASCII.
  if (caseless && /[\x80-\xff]/.test(source))
    return { error: 'a caseless regex with non-ASCII text is not matched as nginx matches it' };
  let out = '';
  let flags = caseless ? 'i' : '';
  const names: string[] = [];
  let i = 0;
  let inClass = false;
  if (source.startsWith('(?i)')) {
    flags = 'i';
    i = 4;
  }
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) return { error: 'the regex ends in a lone backslash' };
      if (!inClass && n === 'A') out += '^';
      else if (!inClass && n === 'z') out += '$';
      else if (!inClass && n === 'Z') out += '(?=\\n?$)';
      else if (n === 'Q' || n === 'E' || n === 'G' || n === 'K' || n === 'R' || n === 'X' || n === 'C')
        return { error: `PCRE's \\${n} has no JavaScript equivalent` };
      else if (n === 'h' || n === 'H' || n === 'v' || n === 'V' || n === 'N' || n === 'p' || n === 'P')
        return { error: `PCRE's \\${n} is not translated` };
      else out += `\\${n}`;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && source[i + 1] === ':')
        return { error: 'POSIX character classes ([:alpha:]) are not translated' };
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      // A ']' right after '[' or '[^' is a literal in both dialects.
      if (source[i] === '^') {
        out += '^';
        i++;
      }
      if (source[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '$') {
      out += '(?=\\n?$)';
      i++;
      continue;
    }
    if (c === '.') {
      out += '[^\\n]';
      i++;
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2);
      const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        names.push(named[1] as string);
        out += `(?<${named[1]}>`;
        i += 2 + named[0].length;
        continue;
      }
      if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!') || /^<[=!]/.test(rest)) {
        out += '(?';
        i += 2;
        continue;
      }
      return { error: `the group "(?${rest.slice(0, 3)}" has no JavaScript equivalent` };
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && source[i + 1] === '+')
      return { error: 'possessive quantifiers have no JavaScript equivalent' };
    out += c;
    i++;
  }
  try {
    return { source: written, re: new RegExp(out, flags), names };
  } catch (e) {
    return { error: `not a regex JavaScript accepts: ${(e as Error).message}` };
  }
}

/**
 * The captures of a match as nginx numbers them ($1…), and the named ones. Every match replaces
 * r->captures, even one of a regex without groups (ngx_http_regex_exec sets r->ncaptures = rc * 2):
 * after "rewrite ^ …", $1 is empty.
 */
export interface Captures {
  numbered: string[];
  named: Record<string, string>;
}

export function execNginxRegex(rx: NginxRegex, subject: string): Captures | null {
  const m = rx.re.exec(subject);
  if (!m) return null;
  const numbered = Array.from(m, (v) => v ?? '');
  const named: Record<string, string> = {};
  for (const n of rx.names) named[n] = m.groups?.[n] ?? '';
  return { numbered, named };
}
