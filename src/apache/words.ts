/**
 * Argument splitting as httpd's ap_getword_conf / substring_conf (server/util.c):
 * a word starting with a quote runs to the matching quote (or the end of the
 * line: an unclosed quote is not an error), only \\ and \<quote> are escapes,
 * and a closing quote ends the word even if text follows ("a"b is two words).
 */
import { isSpace } from './lines.js';

function substringConf(s: string, start: number, end: number, quote: string | null): string {
  if (s.indexOf('\\', start) === -1 || s.indexOf('\\', start) >= end) return s.slice(start, end);
  let out = '';
  for (let i = start; i < end; i++) {
    const c = s[i];
    const n = s[i + 1];
    if (c === '\\' && i + 1 < end && (n === '\\' || (quote !== null && n === quote))) {
      out += n;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** Reads one word from `s` at `pos`; returns the word and where the next one starts. */
export function getWordConf(s: string, pos: number): { word: string; next: number } {
  let i = pos;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  if (i >= s.length) return { word: '', next: i };
  const q = s[i];
  let end: number;
  let word: string;
  if (q === '"' || q === "'") {
    end = i + 1;
    while (end < s.length && s[end] !== q) {
      if (s[end] === '\\' && end + 1 < s.length && (s[end + 1] === q || s[end + 1] === '\\')) end += 2;
      else end++;
    }
    word = substringConf(s, i + 1, Math.min(end, s.length), q);
    if (s[end] === q) end++;
  } else {
    end = i;
    while (end < s.length && !isSpace(s.charCodeAt(end))) end++;
    word = substringConf(s, i, end, null);
  }
  while (end < s.length && isSpace(s.charCodeAt(end))) end++;
  return { word, next: end };
}

/** All words of a line (an empty quoted word "" is kept, as httpd keeps it). */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let pos = 0;
  while (pos < s.length) {
    const before = pos;
    const { word, next } = getWordConf(s, pos);
    if (next === before) break;
    // Only whitespace was left: not a word.
    if (word === '' && !/["']/.test(s.slice(before, next))) break;
    words.push(word);
    pos = next;
  }
  return words;
}
