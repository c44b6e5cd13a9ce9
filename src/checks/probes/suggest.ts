/** "Did you mean": the closest listening socket to a path that is not there. */
import * as path from 'node:path';
import type { UnixListener } from '../../system/index.js';

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The listening socket most like `wanted`: the same directory and a near name
 * (php7.4-fpm.sock → php8.2-fpm.sock; fcgi.socket → fcgi.sock) beat a far
 * path. Too different a path is no suggestion at all.
 */
export function closestSocket(wanted: string, listeners: readonly UnixListener[]): UnixListener | undefined {
  const dir = path.posix.dirname(wanted);
  const base = path.posix.basename(wanted);
  let best: { l: UnixListener; score: number } | undefined;
  for (const l of listeners) {
    if (l.path.startsWith('@') || l.path === wanted || !l.path.startsWith('/')) continue;
    const sameDir = path.posix.dirname(l.path) === dir;
    const nameDist = levenshtein(base, path.posix.basename(l.path));
    const score = sameDir ? nameDist : levenshtein(wanted, l.path) + 2;
    const limit = Math.max(4, Math.floor(base.length / 2));
    if (score > limit) continue;
    if (!best || score < best.score) best = { l, score };
  }
  return best?.l;
}
