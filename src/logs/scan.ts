import type { Readable } from 'node:stream';
import type { Finding } from '../findings/finding.js';
import { Aggregator, type MatchGroup } from './aggregate.js';
import { loadCatalog, type Catalog } from './catalog.js';
import { parseEnvelope, type Envelope } from './envelope.js';
import { Matcher } from './matcher.js';
import { noticeForError, type LogNotice } from './notices.js';
import { Deadline, EXPIRED } from './deadline.js';
import { DEFAULT_MAX_LINE_BYTES, openLogFile, readBlocks, type LogInput } from './reader.js';
import { SourceScan, emptyStats, type ScanStats } from './scanner.js';
import { sourceName, type LogSource } from './sources.js';

export interface ScanOptions {
  /** Defaults to the catalog in rules/. */
  catalog?: Catalog;
  /** Lines whose envelope time is earlier are skipped; lines without a time are kept. */
  since?: Date;
  maxLineBytes?: number;
  /**
   * Stops reading at this time (Date.now() ms), on a timer as well as between chunks: a
   * source that sends nothing or never ends a line stops too. Findings then cover what
   * was read, and a notice says so.
   */
  deadline?: number;
  /** What set the deadline, for the notice: `--timeout` for `logs`. */
  deadlineName?: string;
}

export interface ScanResult {
  /** One per rule (and group_by value), most severe first. */
  findings: Finding[];
  /** The same, with counts and dates as data, for callers that join findings. */
  groups: MatchGroup[];
  notices: LogNotice[];
  stats: ScanStats;
}

const matchers = new WeakMap<Catalog, Matcher>();

function matcherFor(catalog: Catalog): Matcher {
  let m = matchers.get(catalog);
  if (!m) {
    m = new Matcher(catalog);
    matchers.set(catalog, m);
  }
  return m;
}

/**
 * Scans logs against the catalog. Unreadable logs become notices; nothing throws for a
 * log's sake (a broken catalog still throws, from loadCatalog).
 */
export async function scanLogs(sources: readonly LogSource[], options: ScanOptions = {}): Promise<ScanResult> {
  const catalog = options.catalog ?? loadCatalog();
  const matcher = matcherFor(catalog);
  const aggregator = new Aggregator();
  const stats = emptyStats();
  const notices: LogNotice[] = [];
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;

  const deadline = options.deadline === undefined ? undefined : new Deadline(options.deadline);
  try {
    for (const [index, source] of sources.entries()) {
      const name = sourceName(source);
      if (deadline?.passed()) {
        const unread = sources.slice(index).map(sourceName).join(', ');
        notices.push({ source: name, code: 'deadline', message: `not read, the time was up (${options.deadlineName ?? 'the deadline'}): ${unread}` });
        break;
      }
      let input: LogInput;
      try {
        input = await openSource(source);
      } catch (e) {
        notices.push(await noticeForError(name, e));
        continue;
      }
      stats.sources += 1;
      aggregator.startSource();
      const scan = new SourceScan(name, matcher, aggregator, stats, maxLine, options.since);
      let truncated = 0;
      const reading = { cut: false };
      const bytesBefore = stats.bytes;
      const linesBefore = stats.lines;
      try {
        for await (const block of readBlocks(countBytes(untilDeadline(input, deadline, reading), stats), { maxLineBytes: maxLine })) {
          truncated += block.truncatedLines;
          scan.scanBlock(block.text);
        }
      } catch (e) {
        notices.push(await noticeForError(name, e));
      }
      stats.lines += scan.end();
      if (truncated > 0) {
        stats.truncatedLines += truncated;
        notices.push({ source: name, code: 'long-lines', message: `${truncated} line(s) of ${name} were longer than ${maxLine} bytes; only their start was read` });
      }
      for (const damage of input.damage) notices.push({ source: name, code: 'damaged', message: `${name}: ${damage} (${stats.lines - linesBefore} lines)` });
      if (reading.cut) {
        const read = `${stats.lines - linesBefore} lines, ${mebibytes(stats.bytes - bytesBefore)}`;
        notices.push({ source: name, code: 'deadline', message: `stopped reading ${name} when the time was up (${options.deadlineName ?? 'the deadline'}): findings cover the part read so far (${read})` });
      }
    }
  } finally {
    deadline?.dispose();
  }
  stats.foldedLines = aggregator.foldedLines;
  return { findings: aggregator.findings(), groups: aggregator.matchGroups(), notices, stats };
}

/** What one line says, for `explain` on a pasted line and for tests. */
export interface LineVerdict {
  ruleId: string;
  finding: string;
  severity: Finding['severity'];
  title: string;
  groups: Record<string, string>;
  envelope: Envelope;
}

export function matchLine(line: string, catalog: Catalog = loadCatalog()): LineVerdict | undefined {
  const text = line.replace(/\r?\n$/, '');
  const envelope = parseEnvelope(text);
  const m = matcherFor(catalog).match(envelope.message, text);
  if (!m) return undefined;
  return { ruleId: m.rule.id, finding: m.rule.finding, severity: m.rule.severity, title: m.rule.title, groups: m.groups, envelope };
}

async function openSource(source: LogSource): Promise<LogInput> {
  if ('path' in source && source.path !== '-') return openLogFile(source.path);
  const stream = 'stream' in source ? source.stream : (process.stdin as Readable);
  const destroy = (stream as Partial<Readable>).destroy;
  return { chunks: stream, damage: [], stop: destroy ? () => destroy.call(stream) : undefined };
}

/**
 * The chunks of a log until the deadline. The clock is read at every chunk (a stream
 * with data always ready never lets a timer run) and the wait for the next chunk races
 * the timer (a pipe from `sleep` never sends one).
 */
async function* untilDeadline(input: LogInput, deadline: Deadline | undefined, reading: { cut: boolean }): AsyncGenerator<Buffer | string> {
  if (!deadline) {
    yield* input.chunks;
    return;
  }
  const iterator = input.chunks[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (!deadline.passed()) {
      const next = await deadline.race(iterator.next());
      if (next === EXPIRED) break;
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) {
      reading.cut = deadline.passed();
      input.stop?.();
      // A file closes once the read under way completes; nothing waits for that.
      iterator.return?.().catch(() => undefined);
    }
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function* countBytes(input: AsyncIterable<Buffer | string>, stats: ScanStats): AsyncGenerator<Buffer | string> {
  for await (const chunk of input) {
    stats.bytes += chunk.length;
    yield chunk;
  }
}
