/**
 * Argument splitting as httpd's ap_getword_conf / substring_conf (server/util.c):
 * a word starting with a quote runs to the matching quote (or the end of the
 * line: an unclosed quote is not an error), only \\ and \<quote> are escapes,
 * and a closing quote ends the word even if text follows ("a"b is two words).
 *
 * The parser calls these for every line of every file: they scan char codes
 * and allocate nothing but the words themselves.
 */
import { isSpace } from './lines.js';

const BACKSLASH = 0x5c;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

function substringConf(s: string, start: number, end: number, quote: number): string {
  const bs = s.indexOf('\\', start);
  if (bs === -1 || bs >= end) return s.slice(start, end);
  let out = s.slice(start, bs);
  let from = bs;
  for (let i = bs; i < end; i++) {
    if (s.charCodeAt(i) !== BACKSLASH || i + 1 >= end) continue;
    const n = s.charCodeAt(i + 1);
    if (n === BACKSLASH || (quote !== 0 && n === quote)) {
      out += s.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + s.slice(from, end);
}

/** Where the word last read by readWord ends (the next word starts there). */
let wordEnd = 0;

/** Reads one word from `s` at `pos`; `wordEnd` is then where the next one starts. */
function readWord(s: string, pos: number): string {
  const n = s.length;
  let i = pos;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  if (i >= n) {
    wordEnd = i;
    return '';
  }
  const q = s.charCodeAt(i);
  let end: number;
  let word: string;
  if (q === DQUOTE || q === SQUOTE) {
    end = i + 1;
    while (end < n) {
      const c = s.charCodeAt(end);
      if (c === q) break;
      if (c === BACKSLASH && end + 1 < n) {
        const c2 = s.charCodeAt(end + 1);
        if (c2 === q || c2 === BACKSLASH) {
          end += 2;
          continue;
        }
      }
      end++;
    }
    word = substringConf(s, i + 1, Math.min(end, n), q);
    if (end < n && s.charCodeAt(end) === q) end++;
  } else {
    end = i;
    while (end < n && !isSpace(s.charCodeAt(end))) end++;
    word = substringConf(s, i, end, 0);
  }
  while (end < n && isSpace(s.charCodeAt(end))) end++;
  wordEnd = end;
  return word;
}

/** Reads one word from `s` at `pos`; returns the word and where the next one starts. */
export function getWordConf(s: string, pos: number): { word: string; next: number } {
  const word = readWord(s, pos);
  return { word, next: wordEnd };
}

/** The first word of `s` only, without an object (the parser's hot path); see firstWordEnd. */
export function firstWordOf(s: string): string {
  return readWord(s, 0);
}

/** Where the rest starts after the word firstWordOf last returned. */
export function firstWordEnd(): number {
  return wordEnd;
}

/** Words of the line being split, before they are copied out at their exact count. */
const scratch: string[] = [];

/**
 * All words of a line (an empty quoted word "" is kept, as httpd keeps it).
 * Returned at its exact size: an array grown by push keeps room for 17
 * elements, and the parsed tree holds one of these per directive.
 */
export function splitWords(s: string): string[] {
  if (s.length === 0) return [];
  let count = 0;
  let pos = 0;
  while (pos < s.length) {
    const before = pos;
    const word = readWord(s, pos);
    const next = wordEnd;
    if (next === before) break;
    // Only whitespace was left: not a word.
    if (word === '' && !hasQuote(s, before, next)) break;
    scratch[count++] = word;
    pos = next;
  }
  return scratch.slice(0, count);
}

function hasQuote(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === DQUOTE || c === SQUOTE) return true;
  }
  return false;
}
