import type { Aggregator } from './aggregate.js';
import { DatedAbove } from './datedAbove.js';
import {
  closesMultiline,
  endsSlowlogEntry,
  opensMultiline,
  parseEnvelope,
  startsRecord,
  type Envelope,
  type MultilineKind,
} from './envelope.js';
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
  return {
    sources: 0,
    bytes: 0,
    lines: 0,
    candidateLines: 0,
    matchedLines: 0,
    skippedBySince: 0,
    truncatedLines: 0,
    foldedLines: 0,
  };
}

interface Pending {
  kind: MultilineKind;
  env: Envelope;
  parts: string[];
  chars: number;
  lineNo: number;
}

/** Multi-line records (nginx's stderr, a slowlog's stack) stop joining after this many physical lines. */
const MAX_RECORD_LINES = 200;

/**
 * Scans the blocks of one log: the prefilter finds candidate lines, each is unwrapped
 * and matched; nginx's `FastCGI sent in stderr` records are joined across physical
 * lines (and across blocks) before matching.
 */
export class SourceScan {
  private lineNo = 0;
  private pending: Pending | undefined;
  private readonly datedAbove = new DatedAbove();

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
    if (this.since) this.datedAbove.endBlock(text);
  }

  /** Flushes a record still open at the end of the log; returns the lines counted. */
  end(): number {
    if (this.pending) this.finishRecord();
    return this.lineNo;
  }

  private handleLine(line: string, lineNo: number, text: string, start: number): void {
    const env = parseEnvelope(line);
    const kind = opensMultiline(env);
    if (kind) {
      this.pending = { kind, env, parts: [line], chars: line.length, lineNo };
      return;
    }
    let time = env.timestamp;
    if (this.since && time) this.datedAbove.dated(start, time);
    else if (this.since) time = this.datedAbove.above(text, start);
    this.matchRecord(env, line, lineNo, time);
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
      if (pending.kind === 'fpm-slowlog' && endsSlowlogEntry(line)) {
        this.finishRecord();
        return end + 1;
      }
      if (startsRecord(line) || pending.parts.length >= MAX_RECORD_LINES || pending.chars >= this.maxLine) {
        this.finishRecord();
        return pos;
      }
      lineAt(pos);
      pending.parts.push(line);
      pending.chars += line.length + 1;
      pos = end + 1;
      if (pending.kind === 'nginx-stderr' && closesMultiline(line)) {
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
