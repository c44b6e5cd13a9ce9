/**
 * The one class of PCRE error we can tell without PCRE: parentheses and
 * brackets that do not balance. nginx compiles every regular expression while
 * reading (src/core/ngx_regex.c ngx_regex_compile) and reports pcre2_compile's
 * message; the structure scan below follows PCRE2's syntax for escapes,
 * \Q…\E, character classes (a `]` first is literal, [:name:] inside) and
 * (?#…) comments, and gives up (no error) on the extended mode, where `#`
 * starts a comment. Other PCRE errors are not checked.
 */

/** Verdicts by pattern: a generated tree writes the same PHP location in each of its 5,000 servers. */
const regexVerdicts = new Map<string, string | undefined>();
const MAX_REMEMBERED = 10_000;

export function regexError(pattern: string): string | undefined {
  if (regexVerdicts.has(pattern)) return regexVerdicts.get(pattern);
  const verdict = checkRegex(pattern);
  if (regexVerdicts.size < MAX_REMEMBERED) regexVerdicts.set(pattern, verdict);
  return verdict;
}

function checkRegex(pattern: string): string | undefined {
  if (/\(\?[a-zA-Z^-]*x/.test(pattern)) return undefined;
  let depth = 0;
  const n = pattern.length;
  for (let i = 0; i < n; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        if (end === -1) return undefined;
        i = end + 1;
      } else i++;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      for (; j < n; j++) {
        const d = pattern[j];
        if (d === '\\') {
          j++;
          continue;
        }
        if (d === '[' && pattern[j + 1] === ':') {
          const close = pattern.indexOf(':]', j + 2);
          if (close !== -1) {
            j = close + 1;
            continue;
          }
        }
        if (d === ']') break;
      }
      if (j >= n) return `pcre2_compile() failed: missing terminating ] for character class in "${pattern}"`;
      i = j;
      continue;
    }
    if (c === '(') {
      if (pattern.startsWith('(?#', i)) {
        const close = pattern.indexOf(')', i);
        if (close === -1) return undefined;
        i = close;
        continue;
      }
      depth++;
      continue;
    }
    if (c === ')') {
      if (depth === 0)
        return `pcre2_compile() failed: unmatched closing parenthesis in "${pattern}" at "${pattern.slice(i)}"`;
      depth--;
    }
  }
  if (depth > 0) return `pcre2_compile() failed: missing closing parenthesis in "${pattern}"`;
  return undefined;
}
