import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * A log to scan: a file (`-` is standard input), or any byte stream with a name for the
 * report (tests, `journalctl | …` wired by the caller). `whole`: read a file from its start even
 * with `since` (a rotated sibling, read as it always was).
 */
export type LogSource =
  | { path: string; whole?: boolean }
  | { name: string; stream: AsyncIterable<Buffer | string> | Readable };

export function sourceName(source: LogSource): string {
  if ('path' in source) return source.path === '-' ? '(standard input)' : source.path;
  return source.name;
}

/**
 * The rotated siblings of a log, oldest first and the live file last, so that matches
 * come in time order: `error.log.3.gz`, `error.log.2.gz`, `error.log.1`, `error.log`
 * (logrotate's numbered and dateext names both).
 */
export async function rotatedLogPaths(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [path];
  }
  const rotated: { name: string; order: number; date: string }[] = [];
  for (const name of names) {
    if (!name.startsWith(base) || name === base) continue;
    const suffix = name.slice(base.length).replace(/\.gz$/, '');
    const numbered = /^\.(\d+)$/.exec(suffix);
    const dated = /^-(\d{8,10})$/.exec(suffix);
    if (numbered) rotated.push({ name, order: Number(numbered[1]), date: '' });
    else if (dated) rotated.push({ name, order: 0, date: dated[1] ?? '' });
  }
  // Dated files sort by date ascending; numbered ones by number descending (higher = older).
  rotated.sort((a, b) => (a.date && b.date ? a.date.localeCompare(b.date) : b.order - a.order));
  return [...rotated.map((r) => join(dir, r.name)), path];
}

/** The log and its rotated siblings as sources: the siblings are read whole, the live file from its lines since `since`. */
export async function rotatedLogSources(path: string): Promise<LogSource[]> {
  return (await rotatedLogPaths(path)).map((p) => (p === path ? { path: p } : { path: p, whole: true }));
}
