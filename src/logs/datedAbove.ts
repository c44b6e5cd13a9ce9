import { parseEnvelope } from './envelope.js';

/**
 * A line without a time of its own (a program's raw stderr) was written after the dated
 * line above it: with `since`, it takes that line's time if one starts this close above;
 * past it, the line is kept. The bisection of a log for `since` relies on this: a line it
 * passes over is never one a full read would keep.
 */
export const UNDATED_LOOKBACK_CHARS = 64 * 1024;

/**
 * The nearest dated line above a point of one log, found by looking back through the text
 * scanned so far. Each line is examined at most once (a log of undated lines costs one
 * envelope parse per line, not one per line per line above), and the answer does not
 * depend on where the blocks were cut.
 */
export class DatedAbove {
  /** Chars of the log before the current block. */
  private base = 0;
  /** Lines starting before this offset were examined (or are out of reach). */
  private examinedTo = 0;
  /** The nearest dated line found before `examinedTo`. */
  private last: { at: number; time: Date } | undefined;

  /** The time of the nearest dated line above the line at `start` of the current block. */
  above(text: string, start: number): Date | undefined {
    this.examine(text, start);
    const last = this.last;
    return last && this.base + start - last.at <= UNDATED_LOOKBACK_CHARS ? last.time : undefined;
  }

  /** The line at `start` has a time of its own: it is the nearest dated line for what follows. */
  dated(start: number, time: Date): void {
    const at = this.base + start;
    if (at < this.examinedTo) return;
    this.last = { at, time };
    this.examinedTo = at + 1;
  }

  /** The end of a block: its last lines are examined, for the lines of the next block. */
  endBlock(text: string): void {
    this.examine(text, text.length);
    this.base += text.length;
    this.examinedTo = Math.max(this.examinedTo, this.base);
  }

  /** Looks back from `start` to what was examined before, at most the lookback. */
  private examine(text: string, start: number): void {
    const from = this.base + start;
    let end = start - 1;
    while (end >= 0) {
      const lineStart = end > 0 ? text.lastIndexOf('\n', end - 1) + 1 : 0;
      const at = this.base + lineStart;
      if (at < this.examinedTo || from - at > UNDATED_LOOKBACK_CHARS) break;
      const time = parseEnvelope(text.slice(lineStart, end)).timestamp;
      if (time) {
        this.last = { at, time };
        break;
      }
      end = lineStart - 1;
    }
    this.examinedTo = Math.max(this.examinedTo, from);
  }
}
