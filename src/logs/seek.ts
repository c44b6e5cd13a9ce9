import type { FileHandle } from 'node:fs/promises';
import { parseEnvelope } from './envelope.js';

/**
 * Where to read a plain log from, for a scan that wants only the lines since a time: a
 * log is written in time order, so the first line that matters is found by bisecting the
 * file's bytes instead of reading from its start. On a log of weeks, `check` (which reads
 * under a budget) then reads today's lines first, not the oldest ones.
 *
 * The plan reads [0, head) — lines before the first dated one, which no date excludes —
 * then [from, size). `from` is always the start of a dated line older than the wanted time
 * (less the margin), so every line a full read would keep is read; `head === from === 0`
 * means: read it all.
 */
export interface SeekPlan {
  head: number;
  from: number;
}

/** How much is read at each probe, and how far from a probe a dated line is looked for. */
export const SEEK_WINDOW = 64 * 1024;
/**
 * Starts this much before the wanted time. Lines are not strictly ordered (processes write
 * a little out of order), and at the end of daylight saving time an hour is written twice
 * in local time (what Apache, nginx and PHP-FPM write). Reading an hour more costs little.
 */
export const SEEK_MARGIN_MS = 3_600_000;
const NL = 0x0a;

interface DatedLine {
  offset: number;
  time: number;
}

/**
 * The plan, or undefined when no dated line is found near the start of the file (a format
 * whose times cannot be read): the caller reads from the start and says so.
 */
export async function planSeek(
  handle: FileHandle,
  size: number,
  since: Date,
  window = SEEK_WINDOW,
): Promise<SeekPlan | undefined> {
  const target = since.getTime() - SEEK_MARGIN_MS;
  const buffer = Buffer.allocUnsafe(window);
  const first = await datedLineNear(handle, buffer, 0, size, true);
  if (!first) return undefined;
  if (first.time >= target) return { head: 0, from: 0 };
  // Invariant: lo is the start of a dated line older than target; the first line that may
  // matter lies after it. A probe that finds no date moves hi down: reading more is safe.
  let lo = first.offset;
  let hi = size;
  while (hi - lo > window) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const probe = await datedLineNear(handle, buffer, mid, size, false);
    if (probe && probe.time < target && probe.offset < hi) lo = probe.offset;
    else hi = mid;
  }
  return { head: first.offset, from: lo };
}

/**
 * The first complete line with an envelope time in the window at `at` (after the end of
 * the line `at` falls in, unless `at` starts a line). Memory: the one window buffer.
 */
async function datedLineNear(
  handle: FileHandle,
  buffer: Buffer,
  at: number,
  size: number,
  atLineStart: boolean,
): Promise<DatedLine | undefined> {
  const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - at), at);
  const window = buffer.subarray(0, bytesRead);
  const reachesEnd = at + bytesRead >= size;
  let start = 0;
  if (!atLineStart) {
    const nl = window.indexOf(NL);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  while (start < window.length) {
    let end = window.indexOf(NL, start);
    // A line cut by the window's end is not judged, unless the file ends there.
    if (end < 0 && !reachesEnd) return undefined;
    if (end < 0) end = window.length;
    const time = parseEnvelope(window.toString('utf8', start, end)).timestamp?.getTime();
    if (time !== undefined && !Number.isNaN(time)) return { offset: at + start, time };
    start = end + 1;
  }
  return undefined;
}
