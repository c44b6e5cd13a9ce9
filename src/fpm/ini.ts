/**
 * One file's text as PHP's INI scanner in ZEND_INI_SCANNER_NORMAL mode hands it to
 * FPM (Zend/zend_ini_scanner.l, sapi/fpm/fpm/fpm_conf.c: fpm_conf_load_ini_file):
 * sections, `key = value`, `key[offset] = value`, a bare `key` (no value), and the
 * syntax errors that stop the parse. Line-based: the forms pool files use.
 */

export type IniEvent =
  | { kind: 'section'; name: string; line: number }
  | { kind: 'entry'; key: string; offset?: string; value: string | null; raw: string; line: number }
  | { kind: 'syntax'; message: string; line: number };

/** Words the scanner turns into booleans when unquoted (zend_ini_scanner.l: BOOL_TRUE / BOOL_FALSE / NULL). */
const TRUE_WORDS = new Set(['yes', 'on', 'true']);
const FALSE_WORDS = new Set(['no', 'off', 'false', 'none', 'null']);

/** A value: "…" (with ${VAR}), '…' (raw), bare text up to ';', joined as the scanner concatenates them. */
function scanValue(text: string, env: Readonly<Record<string, string>>): { value: string } | { error: string } {
  let out = '';
  let i = 0;
  let onlyBare = true;
  const expand = (s: string) => s.replace(/\$\{([^}]*)\}/g, (_m, name: string) => env[name] ?? '');
  while (i < text.length) {
    const c = text[i];
    if (c === ';') break; // a comment to the end of the line
    if (c === '"') {
      onlyBare = false;
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        s += text[j];
        j++;
      }
      if (j >= text.length) return { error: 'unterminated double-quoted string' };
      out += expand(s);
      i = j + 1;
      continue;
    }
    if (c === "'") {
      onlyBare = false;
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated single-quoted string' };
      out += text.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    // An unquoted '=' is a syntax error to the scanner ("unexpected '='"): such values need quotes.
    if (c === '=') return { error: "unexpected '=' in an unquoted value (quote the value)" };
    out += c;
    i++;
  }
  if (onlyBare) {
    const bare = out.trim();
    const word = bare.toLowerCase();
    if (TRUE_WORDS.has(word)) return { value: '1' };
    if (FALSE_WORDS.has(word)) return { value: '' };
    return { value: expand(bare) };
  }
  return { value: out.trim() };
}

export function scanIni(text: string, env: Readonly<Record<string, string>> = {}): IniEvent[] {
  const events: IniEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const s = (lines[i] ?? '').replace(/\r$/, '').trim();
    // Only ';' starts a comment: PHP 7 dropped '#', so "# note" is a key without a value to FPM.
    if (s === '' || s.startsWith(';')) continue;
    if (s.startsWith('[')) {
      const close = s.indexOf(']');
      if (close < 0) {
        events.push({ kind: 'syntax', message: `section "${s}" has no closing "]"`, line });
        return events; // the scanner stops at a syntax error
      }
      const name = s
        .slice(1, close)
        .trim()
        .replace(/\$\{([^}]*)\}/g, (_m, v: string) => env[v] ?? '');
      events.push({ kind: 'section', name, line });
      continue;
    }
    const eq = s.indexOf('=');
    const lhs = (eq < 0 ? s : s.slice(0, eq)).trim();
    const keyMatch = /^([^[\]]+?)\s*(?:\[([^\]]*)\])?$/.exec(lhs);
    if (!keyMatch?.[1]) {
      events.push({ kind: 'syntax', message: `cannot read "${lhs}" as a key`, line });
      return events;
    }
    const key = keyMatch[1].trim();
    const offset = keyMatch[2];
    if (eq < 0) {
      events.push({ kind: 'entry', key, ...(offset !== undefined ? { offset } : {}), value: null, raw: '', line });
      continue;
    }
    const raw = s.slice(eq + 1).trim();
    const scanned = scanValue(raw, env);
    if ('error' in scanned) {
      events.push({ kind: 'syntax', message: scanned.error, line });
      return events;
    }
    events.push({ kind: 'entry', key, ...(offset !== undefined ? { offset } : {}), value: scanned.value, raw, line });
  }
  return events;
}
