import type { Readable } from 'node:stream';
import type { Finding } from '../findings/finding.js';
import { Aggregator, type MatchGroup } from './aggregate.js';
import { causeOf } from './cause.js';
import { loadCatalog, type Catalog } from './catalog.js';
import { parseEnvelope, type Envelope } from './envelope.js';
import { Matcher } from './matcher.js';
import { noticeForError, type LogNotice } from './notices.js';
import { Deadline, untilDeadline } from './deadline.js';
import { DEFAULT_MAX_LINE_BYTES, openLogFile, readBlocks, type LogInput } from './reader.js';
import { SourceScan, emptyStats, type ScanStats } from './scanner.js';
import { sourceName, type LogSource } from './sources.js';
import { formatBytes } from '../util/bytes.js';

export interface ScanOptions {
  /** Defaults to the catalog in rules/. */
  catalog?: Catalog;
  /**
   * Lines whose envelope time is earlier are skipped, and so are lines without a time below
   * such a line (they were written after it); a plain file is entered at its first line
   * since then. Other lines without a time are kept.
   */
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
  const ran: ScanRun = {
    matcher,
    aggregator,
    stats,
    notices,
    maxLine,
    since: options.since,
    deadline,
    deadlineName: options.deadlineName ?? 'the deadline',
  };
  try {
    for (const [index, source] of sources.entries()) {
      if (deadline?.passed()) {
        const unread = sources.slice(index).map(sourceName).join(', ');
        notices.push({
          source: sourceName(source),
          code: 'deadline',
          message: `not read, the time was up (${ran.deadlineName}): ${unread}`,
        });
        break;
      }
      await scanSource(source, ran);
    }
  } finally {
    deadline?.dispose();
  }
  stats.foldedLines = aggregator.foldedLines;
  return { findings: aggregator.findings(), groups: aggregator.matchGroups(), notices, stats };
}

/** What every source of one scan shares. */
interface ScanRun {
  matcher: Matcher;
  aggregator: Aggregator;
  stats: ScanStats;
  notices: LogNotice[];
  maxLine: number;
  since: Date | undefined;
  deadline: Deadline | undefined;
  deadlineName: string;
}

/** Reads one log into the run: its matches, its counts, and a notice for anything not read. */
async function scanSource(source: LogSource, run: ScanRun): Promise<void> {
  const { stats, notices, maxLine } = run;
  const name = sourceName(source);
  let input: LogInput;
  try {
    input = await openSource(source, 'path' in source && source.whole ? undefined : run.since);
  } catch (e) {
    notices.push(await noticeForError(name, e));
    return;
  }
  stats.sources += 1;
  run.aggregator.startSource();
  if (input.skippedBytes) stats.bytesSkippedBySince = (stats.bytesSkippedBySince ?? 0) + input.skippedBytes;
  // Past a seek the line numbers are unknown: findings then name the file alone.
  const scan = new SourceScan(name, run.matcher, run.aggregator, stats, maxLine, run.since, !input.skippedBytes);
  let truncated = 0;
  const reading = { cut: false };
  const bytesBefore = stats.bytes;
  const linesBefore = stats.lines;
  try {
    for await (const block of readBlocks(countBytes(untilDeadline(input, run.deadline, reading), stats), {
      maxLineBytes: maxLine,
    })) {
      truncated += block.truncatedLines;
      scan.scanBlock(block.text);
    }
  } catch (e) {
    notices.push(await noticeForError(name, e));
  }
  stats.lines += scan.end();
  const linesRead = stats.lines - linesBefore;
  if (truncated > 0) {
    stats.truncatedLines += truncated;
    notices.push({
      source: name,
      code: 'long-lines',
      message: `${truncated} line(s) of ${name} were longer than ${maxLine} bytes; only their start was read`,
    });
  }
  for (const damage of input.damage)
    notices.push({ source: name, code: 'damaged', message: `${name}: ${damage} (${linesRead} lines read)` });
  if (reading.cut) {
    const bytesRead = stats.bytes - bytesBefore;
    const read = `${linesRead} lines, ${formatBytes(bytesRead)}`;
    notices.push({
      source: name,
      code: 'deadline',
      message: `stopped reading ${name} when the time was up (${run.deadlineName}): findings cover the part read so far (${read})${undatedCut(name, input, bytesRead)}`,
    });
  }
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
  const cause = causeOf(m.rule, m.groups);
  return {
    ruleId: m.rule.id,
    finding: cause.finding,
    severity: cause.severity,
    title: cause.title,
    groups: m.groups,
    envelope,
  };
}

/**
 * A log whose times could not be read was read from its start: when the time ran out, its
 * newest lines — the ones `since` asks for — were not read at all. Say so: no finding from
 * it does not mean no error.
 */
function undatedCut(name: string, input: LogInput, bytesRead: number): string {
  if (!input.undated || input.size === undefined) return '';
  const unread = Math.max(0, input.size - bytesRead);
  return `; the line times in ${name} could not be read, so it was read from its start and its newest ${formatBytes(unread)} (of ${formatBytes(input.size)}) were not read: recent errors may be missing (read it with \`fcgi-doctor logs ${name}\` and a longer --timeout, or \`tail -n 100000 ${name} | fcgi-doctor logs -\`)`;
}

async function openSource(source: LogSource, since: Date | undefined): Promise<LogInput> {
  if ('path' in source && source.path !== '-') return openLogFile(source.path, { since });
  const stream = 'stream' in source ? source.stream : (process.stdin as Readable);
  const destroy = (stream as Partial<Readable>).destroy;
  return { chunks: stream, damage: [], stop: destroy ? () => destroy.call(stream) : undefined };
}

async function* countBytes(input: AsyncIterable<Buffer | string>, stats: ScanStats): AsyncGenerator<Buffer | string> {
  for await (const chunk of input) {
    stats.bytes += chunk.length;
    yield chunk;
  }
}
