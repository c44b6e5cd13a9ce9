/**
 * Derives prefilter literals from a regular expression source: the longest run of
 * characters that every match must contain. Only top-level text counts (anything in a
 * group, a class or under an optional quantifier may be absent), so the result is
 * always safe: a line without the literal cannot match the pattern.
 */
export function deriveLiteral(source: string): string | undefined {
  if (hasTopLevelAlternation(source)) return undefined;
  const runs: string[] = [];
  let run = '';
  const flush = (): void => {
    if (run.length > 0) runs.push(run);
    run = '';
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    let literal: string | undefined;
    let next = i + 1;
    if (c === '\\') {
      const e = source[i + 1] ?? '';
      next = i + 2;
      if (/[dDwWsSbBnrtfv0-9pPuxck]/.test(e)) literal = undefined;
      else literal = e;
    } else if (c === '(' || c === '[') {
      next = skipBracketed(source, i);
      literal = undefined;
    } else if ('.^$|'.includes(c)) {
      literal = undefined;
    } else if ('*+?{'.includes(c)) {
      // A quantifier after a literal: `+` keeps one copy but ends the run; `*`, `?` and
      // `{0,…}` make the last character optional.
      next = c === '{' ? source.indexOf('}', i) + 1 || source.length : i + 1;
      if (source[next] === '?') next += 1;
      if (c !== '+' && !(c === '{' && /^\{[1-9]/.test(source.slice(i)))) run = run.slice(0, -1);
      flush();
      i = next;
      continue;
    } else {
      literal = c;
    }
    if (literal === undefined) {
      flush();
    } else {
      // Look ahead: a quantifier that may drop this character ends the run before it.
      const q = source[next];
      if (q === '*' || q === '?' || (q === '{' && /^\{0/.test(source.slice(next)))) {
        flush();
      } else {
        run += literal;
      }
    }
    i = next;
  }
  flush();
  let best: string | undefined;
  for (const r of runs) if (best === undefined || r.length > best.length) best = r;
  return best !== undefined && best.length >= 4 ? best : undefined;
}

/** Index just past the group or class that starts at `start`. */
function skipBracketed(source: string, start: number): number {
  if (source[start] === '[') {
    let i = start + 1;
    if (source[i] === '^') i += 1;
    if (source[i] === ']') i += 1;
    while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    return i + 1;
  }
  let depth = 0;
  let i = start;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '[') {
      i = skipBracketed(source, i);
      continue;
    }
    if (c === '(') depth += 1;
    if (c === ')') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  return source.length;
}

function hasTopLevelAlternation(source: string): boolean {
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === '(' || c === '[') i = skipBracketed(source, i);
    else if (c === '|') return true;
    else i += 1;
  }
  return false;
}

/**
 * Drops every literal that contains a shorter one of the set: a line holding the longer
 * one holds the shorter too, so the shorter alone finds the same lines.
 */
export function minimizeLiterals(literals: Iterable<string>): string[] {
  const unique = [...new Set(literals)].sort((a, b) => a.length - b.length || a.localeCompare(b));
  const kept: string[] = [];
  for (const l of unique) if (!kept.some((k) => l.includes(k))) kept.push(l);
  return kept;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
