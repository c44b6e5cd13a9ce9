import type { Readable } from 'node:stream';
import type { Finding } from '../findings/finding.js';
import { Aggregator, type MatchGroup } from './aggregate.js';
import { loadCatalog, type Catalog } from './catalog.js';
import { parseEnvelope, type Envelope } from './envelope.js';
import { Matcher } from './matcher.js';
import { noticeForError, type LogNotice } from './notices.js';
import { DEFAULT_MAX_LINE_BYTES, openLogFile, readBlocks } from './reader.js';
import { SourceScan, emptyStats, type ScanStats } from './scanner.js';
import { sourceName, type LogSource } from './sources.js';

export interface ScanOptions {
  /** Defaults to the catalog in rules/. */
  catalog?: Catalog;
  /** Lines whose envelope time is earlier are skipped; lines without a time are kept. */
  since?: Date;
  maxLineBytes?: number;
  /**
   * Stops reading at this time (Date.now() ms): findings then cover what was read, and a
   * notice says so. A clock, not an AbortSignal: reading a buffered stream never yields
   * to timers, so a timer-driven signal would fire only after the scan.
   */
  deadline?: number;
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

  for (const source of sources) {
    const name = sourceName(source);
    let input: AsyncIterable<Buffer | string>;
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
    try {
      for await (const block of readBlocks(countBytes(input, stats), { maxLineBytes: maxLine })) {
        truncated += block.truncatedLines;
        scan.scanBlock(block.text);
        if (options.deadline !== undefined && Date.now() >= options.deadline) break;
      }
    } catch (e) {
      notices.push(await noticeForError(name, e));
    }
    stats.lines += scan.end();
    if (options.deadline !== undefined && Date.now() >= options.deadline) {
      notices.push({ source: name, code: 'deadline', message: `stopped reading ${name} at the deadline (--timeout): findings cover the part read so far` });
      break;
    }
    if (truncated > 0) {
      stats.truncatedLines += truncated;
      notices.push({ source: name, code: 'long-lines', message: `${truncated} line(s) of ${name} were longer than ${maxLine} bytes; only their start was read` });
    }
  }
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

async function openSource(source: LogSource): Promise<AsyncIterable<Buffer | string>> {
  if ('stream' in source) return source.stream;
  if (source.path === '-') return process.stdin as Readable;
  return openLogFile(source.path);
}

async function* countBytes(input: AsyncIterable<Buffer | string>, stats: ScanStats): AsyncGenerator<Buffer | string> {
  for await (const chunk of input) {
    stats.bytes += chunk.length;
    yield chunk;
  }
}
