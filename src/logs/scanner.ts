import type { Aggregator } from './aggregate.js';
import { closesMultiline, opensMultiline, parseEnvelope, startsRecord, type Envelope } from './envelope.js';
import type { Matcher } from './matcher.js';

/** Counters of one scan, for `--verbose` and the benchmark. */
export interface ScanStats {
  sources: number;
  bytes: number;
  lines: number;
  /** Lines that passed the literal prefilter. */
  candidateLines: number;
  /** Lines (or multi-line records) recognised by a rule, within `since`. */
  matchedLines: number;
  skippedBySince: number;
  /** Bytes of plain logs not read at all: their lines are older than `since` (found by bisection). */
  bytesSkippedBySince?: number;
  truncatedLines: number;
  /**
   * Matched lines counted in a finding whose values they carry are not listed one by one
   * (past the examples kept per finding, or the findings kept per rule): memory stays flat.
   */
  foldedLines: number;
}

export function emptyStats(): ScanStats {
  return { sources: 0, bytes: 0, lines: 0, candidateLines: 0, matchedLines: 0, skippedBySince: 0, truncatedLines: 0, foldedLines: 0 };
}

interface Pending {
  env: Envelope;
  parts: string[];
  chars: number;
  lineNo: number;
}

/** nginx's multi-line stderr records stop joining after this many physical lines. */
const MAX_RECORD_LINES = 200;
/**
 * A line without a time of its own (a program's raw stderr) was written after the dated
 * line above it: with `since`, it takes that line's time if one starts this close above.
 * Bounded so that a long run of undated text costs bounded work; past it, the line is kept.
 * The bisection of a log for `since` relies on this: a line it passes over is never one
 * a full read would keep.
 */
export const UNDATED_LOOKBACK_CHARS = 64 * 1024;

/** The last dated line at the end of the text scanned so far: its time, and how far back it starts. */
interface Tail {
  time: Date | undefined;
  chars: number;
}

/**
 * Scans the blocks of one log: the prefilter finds candidate lines, each is unwrapped
 * and matched; nginx's `FastCGI sent in stderr` records are joined across physical
 * lines (and across blocks) before matching.
 */
export class SourceScan {
  private lineNo = 0;
  private pending: Pending | undefined;
  private tail: Tail = { time: undefined, chars: 0 };

  constructor(
    private readonly source: string,
    private readonly matcher: Matcher,
    private readonly aggregator: Aggregator,
    private readonly stats: ScanStats,
    private readonly maxLine: number,
    private readonly since: Date | undefined,
    /** False once lines were passed over (a seek): a line number would then be wrong. */
    private readonly countsLines = true,
  ) {}

  scanBlock(text: string): void {
    let counted = 0;
    // Line numbers are counted lazily, only up to where a match needs one.
    const lineAt = (start: number): number => {
      this.lineNo += countNewlines(text, counted, start);
      counted = start;
      return this.lineNo + 1;
    };
    let pos = this.pending ? this.continueRecord(text, 0, lineAt) : 0;
    const re = this.matcher.prefilter;
    while (pos < text.length) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (!m) break;
      const start = text.lastIndexOf('\n', m.index) + 1;
      let end = text.indexOf('\n', m.index);
      if (end < 0) end = text.length;
      this.stats.candidateLines += 1;
      const lineNo = lineAt(start);
      this.handleLine(this.cap(text.slice(start, end)), lineNo, text, start);
      pos = end + 1;
      if (this.pending) pos = this.continueRecord(text, pos, lineAt);
    }
    lineAt(text.length);
    if (this.since) this.tail = this.tailAfter(text);
  }

  /** Flushes a record still open at the end of the log; returns the lines counted. */
  end(): number {
    if (this.pending) this.finishRecord();
    return this.lineNo;
  }

  private handleLine(line: string, lineNo: number, text: string, start: number): void {
    const env = parseEnvelope(line);
    if (opensMultiline(env)) {
      this.pending = { env, parts: [line], chars: line.length, lineNo };
      return;
    }
    const time = env.timestamp ?? (this.since ? this.timeAbove(text, start) : undefined);
    this.matchRecord(env, line, lineNo, time);
  }

  /** The time of the nearest dated line above `start`, within the lookback. */
  private timeAbove(text: string, start: number): Date | undefined {
    let end = start - 1;
    while (end >= 0) {
      const lineStart = end > 0 ? text.lastIndexOf('\n', end - 1) + 1 : 0;
      if (start - lineStart > UNDATED_LOOKBACK_CHARS) return undefined;
      const time = parseEnvelope(text.slice(lineStart, end)).timestamp;
      if (time) return time;
      end = lineStart - 1;
    }
    return this.tail.time && this.tail.chars + start <= UNDATED_LOOKBACK_CHARS ? this.tail.time : undefined;
  }

  /** The tail after `text`: its last dated line within the lookback, or the previous tail moved back. */
  private tailAfter(text: string): Tail {
    let end = text.endsWith('\n') ? text.length - 1 : text.length;
    while (end >= 0) {
      const lineStart = end > 0 ? text.lastIndexOf('\n', end - 1) + 1 : 0;
      if (text.length - lineStart > UNDATED_LOOKBACK_CHARS) return { time: undefined, chars: 0 };
      const time = parseEnvelope(text.slice(lineStart, end)).timestamp;
      if (time) return { time, chars: text.length - lineStart };
      end = lineStart - 1;
    }
    const chars = this.tail.chars + text.length;
    return this.tail.time && chars <= UNDATED_LOOKBACK_CHARS ? { time: this.tail.time, chars } : { time: undefined, chars: 0 };
  }

  private continueRecord(text: string, from: number, lineAt: (start: number) => number): number {
    const pending = this.pending;
    if (!pending) return from;
    let pos = from;
    while (pos < text.length) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      let line = this.cap(text.slice(pos, end));
      const prefix = pending.env.prefix;
      if (prefix !== undefined && line.startsWith(prefix)) line = line.slice(prefix.length);
      if (startsRecord(line) || pending.parts.length >= MAX_RECORD_LINES || pending.chars >= this.maxLine) {
        this.finishRecord();
        return pos;
      }
      lineAt(pos);
      pending.parts.push(line);
      pending.chars += line.length + 1;
      pos = end + 1;
      if (closesMultiline(line)) {
        this.finishRecord();
        return pos;
      }
    }
    return pos;
  }

  private finishRecord(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    const [first = '', ...more] = pending.parts;
    const env: Envelope = { ...pending.env, message: [pending.env.message, ...more].join('\n') };
    this.matchRecord(env, [first, ...more].join('\n'), pending.lineNo, env.timestamp);
  }

  private matchRecord(env: Envelope, text: string, lineNo: number, time: Date | undefined): void {
    if (this.since && time && time < this.since) {
      this.stats.skippedBySince += 1;
      return;
    }
    const match = this.matcher.match(env.message, text);
    if (!match) return;
    this.stats.matchedLines += 1;
    this.aggregator.add(match, env, text, this.source, this.countsLines ? lineNo : undefined);
  }

  private cap(line: string): string {
    return line.length > this.maxLine ? line.slice(0, this.maxLine) : line;
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  let i = text.indexOf('\n', from);
  while (i >= 0 && i < to) {
    n += 1;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}
