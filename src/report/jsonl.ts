/**
 * `--format jsonl`: one JSON object per line, for log pipelines (Loki,
 * Elasticsearch, Splunk, `jq -c`). Every line carries the envelope's `tool`,
 * `command`, `target`, the `host` it ran on and the `time` it was written, and
 * a `kind` saying which of the shapes of schema/fcgi-doctor.jsonl.schema.json
 * it is: `finding` (the finding's own fields, as `--format json` lists them),
 * `pool` (a PHP-FPM pool of `status`), `interval` (one interval of a `ping
 * --count` load test) and, last of every run, `summary` (counts, exit status,
 * internal errors), so a pipeline tells "no findings" from "did not run".
 */
import type { LoadInterval } from '../client/load.js';
import type { InternalError } from '../checks/internalError.js';
import { summarize, type Finding } from '../findings/finding.js';
import type { SuppressedFinding } from '../findings/suppress.js';
import { escapeJsonText } from './escape.js';

/** What every line of one run shares. */
export interface JsonlHead {
  toolVersion: string;
  command: string;
  target: string;
  host: string;
  /** the clock, so a test can fix it */
  now?: () => Date;
}

export type JsonlKind = 'finding' | 'pool' | 'interval' | 'summary';

/**
 * One object on one line. JSON.stringify (without indentation) escapes every
 * C0 control, so no raw newline can split a line; it leaves U+2028 and U+2029
 * raw, which some line readers (Python's splitlines, older JavaScript) also
 * take as ends of line, so they are escaped too, with what escapeJsonText
 * escapes for terminals. The parsed data is unchanged.
 */
export function jsonLine(value: unknown): string {
  return `${escapeJsonText(JSON.stringify(value)).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}\n`;
}

function line(head: JsonlHead, kind: JsonlKind, fields: Record<string, unknown>): string {
  return jsonLine({
    kind,
    tool: { name: 'fcgi-doctor', version: head.toolVersion },
    command: head.command,
    target: head.target,
    host: head.host,
    time: (head.now?.() ?? new Date()).toISOString(),
    ...fields,
  });
}

/** One line per finding: the envelope's fields, then the finding's own (id, severity, title, message, location, evidence, fix). */
export function findingLines(head: JsonlHead, findings: readonly Finding[]): string {
  return findings.map((f) => line(head, 'finding', { ...f })).join('');
}

/**
 * A pool of `status`: the fields `status --all --format json` gives each pool,
 * but for the list of its workers (`pool.processes`), which would make a line
 * of a pool of hundreds of workers hundreds of kilobytes; `--format json` has it.
 */
export function poolLine(head: JsonlHead, pool: Record<string, unknown>): string {
  const figures = pool.pool as Record<string, unknown> | null | undefined;
  if (!figures || !('processes' in figures)) return line(head, 'pool', pool);
  const { processes: _workers, ...rest } = figures;
  return line(head, 'pool', { ...pool, pool: rest });
}

/** One interval of a load test, as the client measured it. */
export type LoadIntervalFields = LoadInterval;

export function intervalLine(head: JsonlHead, fields: LoadIntervalFields): string {
  return line(head, 'interval', { ...fields });
}

export interface JsonlSummary {
  findings: readonly Finding[];
  suppressed?: readonly SuppressedFinding[];
  /** the contract's exit status: 0, 1, or 2 when the tool could not do its job */
  exitStatus: number;
  internalErrors?: readonly InternalError[];
  /** the command's own members (ping's load, logs' notices, status's healthy…) */
  extra?: Record<string, unknown>;
}

/** The last line of every run. */
export function summaryLine(head: JsonlHead, s: JsonlSummary): string {
  const suppressed = s.suppressed ?? [];
  return line(head, 'summary', {
    summary: { ...summarize(s.findings), suppressed: suppressed.length },
    exitStatus: s.exitStatus,
    internalErrors: s.internalErrors ?? [],
    suppressed: suppressed.map((x) => ({ id: x.finding.id, reason: x.entry.reason, source: x.entry.source })),
    ...s.extra,
  });
}

/** The head with its clock stopped: the lines written at once, at the end of a run, share one time. */
export function atOneTime(head: JsonlHead): JsonlHead {
  const at = head.now?.() ?? new Date();
  return { ...head, now: () => at };
}

/** Findings, then the summary: what check, logs and ping write. */
export function formatFindingsJsonl(head: JsonlHead, s: JsonlSummary): string {
  const h = atOneTime(head);
  return findingLines(h, s.findings) + summaryLine(h, s);
}

/**
 * The one line of a run that failed before it began (bad arguments, an
 * unreadable project file): a summary with exit status 2 and the reason, so a
 * pipeline sees the run, not a silence.
 */
export function failureLine(head: JsonlHead, reason: string): string {
  return summaryLine(head, { findings: [], exitStatus: 2, extra: { failure: reason } });
}
