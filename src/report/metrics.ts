/**
 * The metric expositions shared by every `--format openmetrics` reporter and
 * by `status --serve-metrics`: a list of metric families written either as
 * OpenMetrics 1.0 text (github:OpenObservability/OpenMetrics
 * specification/OpenMetrics.md, "Text format": `# TYPE`, `# HELP`, `# UNIT`,
 * counters sampled as NAME_total, `# EOF` last) or as the Prometheus text
 * format 0.0.4 (prometheus/docs content/docs/instrumenting/exposition_formats.md),
 * which node_exporter's textfile collector and `promtool check metrics` read.
 *
 * Label values come from backends and configuration files: untrusted. They
 * are escaped as both formats require (backslash, double quote, newline), and
 * the other control characters are replaced, so a pool name cannot end a line,
 * forge a sample or act on the terminal of whoever runs `cat` on the file.
 */

import type { Finding, Severity } from '../findings/finding.js';

export type MetricType = 'gauge' | 'counter';
export type Exposition = 'openmetrics' | 'prometheus';

/** Base units only (seconds, bytes): the name of a family with a unit ends in it. */
export type MetricUnit = 'seconds' | 'bytes';

export interface MetricSample {
  labels: Readonly<Record<string, string | undefined>>;
  value: number;
}

export interface MetricFamily {
  /** fcgi_doctor_…, without _total for a counter (OpenMetrics names the family, _total the sample) */
  name: string;
  type: MetricType;
  /** our own words: no backslash, double quote or newline (the two formats escape them differently) */
  help: string;
  unit?: MetricUnit;
  samples: MetricSample[];
}

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Every name the tool exports starts so; a family is never exported twice under two prefixes. */
export const METRIC_PREFIX = 'fcgi_doctor_';

/**
 * A label value longer than this is cut: Prometheus can be told to refuse a
 * whole scrape over one long value (label_value_length_limit), and no pool
 * name, address or finding id of ours needs more.
 */
export const MAX_LABEL_VALUE_CHARS = 512;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Control characters other than the newline (which is escaped), and lone surrogates (not UTF-8): replaced.
const UNSAFE_IN_VALUE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A label value as both formats read it: `\\`, `\"` and `\n`, nothing else raw that could break a line. */
export function escapeLabelValue(value: string): string {
  let v = value.replace(UNSAFE_IN_VALUE, '\uFFFD');
  if (v.length > MAX_LABEL_VALUE_CHARS) v = `${v.slice(0, MAX_LABEL_VALUE_CHARS - 1)}…`;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A number as both formats write it: NaN, +Inf and -Inf spelled as they require. */
export function formatMetricValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

function labelText(labels: MetricSample['labels']): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (value === undefined) continue;
    parts.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A bug of ours (a name or a help text that one of the formats would misread) stops here, not in a scrape. */
function assertWellFormed(f: MetricFamily): void {
  if (!NAME.test(f.name) || !f.name.startsWith(METRIC_PREFIX)) throw new Error(`bad metric name ${f.name}`);
  if (f.type === 'counter' && f.name.endsWith('_total')) throw new Error(`counter ${f.name}: name it without _total`);
  if (f.unit && !f.name.endsWith(`_${f.unit}`)) throw new Error(`metric ${f.name}: the name must end in _${f.unit}`);
  if (/[\\"\n]/.test(f.help)) throw new Error(`metric ${f.name}: help text with \\, " or a newline`);
  for (const s of f.samples)
    for (const l of Object.keys(s.labels))
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`bad label ${l}`);
}

/**
 * The families written out. A family without samples is left out, and a
 * sample whose labels repeat one already written in its family is dropped:
 * either would make a strict parser refuse the whole exposition.
 */
export function formatMetrics(families: readonly MetricFamily[], exposition: Exposition): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    assertWellFormed(f);
    if (!f.samples.length) continue;
    if (seen.has(f.name)) throw new Error(`metric family ${f.name} written twice`);
    seen.add(f.name);
    const sampleName = f.type === 'counter' ? `${f.name}_total` : f.name;
    // OpenMetrics names the family (without _total); the Prometheus text format names the sample.
    const described = exposition === 'openmetrics' ? f.name : sampleName;
    out.push(`# HELP ${described} ${f.help}`);
    out.push(`# TYPE ${described} ${f.type}`);
    if (f.unit && exposition === 'openmetrics') out.push(`# UNIT ${described} ${f.unit}`);
    const labelSets = new Set<string>();
    for (const s of f.samples) {
      const labels = labelText(s.labels);
      if (labelSets.has(labels)) continue;
      labelSets.add(labels);
      out.push(`${sampleName}${labels} ${formatMetricValue(s.value)}`);
    }
  }
  if (exposition === 'openmetrics') out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/** A duration measured in ms as the base unit wants it, to the microsecond (no 0.0040999999999999995). */
export function msToSeconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}

/** The time of a run as the timestamp gauges carry it: seconds since the epoch, to the millisecond. */
export function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/**
 * The families every command exports, under one help text each, so that
 * node_exporter's textfile collector can merge the files of several commands
 * (it refuses one family described two ways); the `command` label tells them apart.
 */
export const UP_HELP =
  '1 when fcgi-doctor could do its job (the pool answered, the files were read), 0 when it could not';
export const LAST_RUN_HELP = 'When fcgi-doctor last ran, seconds since the epoch: alert when it grows old';

export interface RunFamiliesInput {
  /** one sample per subject (a target, a pool) */
  up: Array<{ labels: Record<string, string | undefined>; up: boolean }>;
  /** the labels of the run's timestamp */
  runLabels: Record<string, string | undefined>;
  /** when the run happened, ms since the epoch */
  atMs: number;
}

export function runFamilies(input: RunFamiliesInput): MetricFamily[] {
  return [
    {
      name: 'fcgi_doctor_up',
      type: 'gauge',
      help: UP_HELP,
      samples: input.up.map((u) => ({ labels: u.labels, value: u.up ? 1 : 0 })),
    },
    {
      name: 'fcgi_doctor_last_run_timestamp_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: LAST_RUN_HELP,
      samples: [{ labels: input.runLabels, value: epochSeconds(input.atMs) }],
    },
  ];
}

export const FINDINGS_HELP = 'Findings of this run by finding id and severity (see fcgi-doctor explain ID)';
export const FINDINGS_BY_SEVERITY_HELP = 'Findings of this run by severity, each severity always present (0 when none)';
export const SUPPRESSED_HELP = 'Findings of this run left out by --ignore or the project file';

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/**
 * The findings of a run as counts: one gauge per id and severity (a count of
 * this run, not a counter: the next run counts afresh), and one per severity,
 * zero included, so an alert on `> 0` has a series to compare even on a healthy run.
 */
export function findingFamilies(
  labels: Record<string, string | undefined>,
  findings: readonly Finding[],
  suppressed: number,
): MetricFamily[] {
  const byId = new Map<string, { id: string; severity: Severity; n: number }>();
  for (const f of findings) {
    const key = `${f.id}\0${f.severity}`;
    const seen = byId.get(key);
    if (seen) seen.n++;
    else byId.set(key, { id: f.id, severity: f.severity, n: 1 });
  }
  return [
    {
      name: 'fcgi_doctor_findings',
      type: 'gauge',
      help: FINDINGS_HELP,
      samples: [...byId.values()].map((c) => ({ labels: { ...labels, id: c.id, severity: c.severity }, value: c.n })),
    },
    {
      name: 'fcgi_doctor_findings_by_severity',
      type: 'gauge',
      help: FINDINGS_BY_SEVERITY_HELP,
      samples: SEVERITIES.map((severity) => ({
        labels: { ...labels, severity },
        value: findings.filter((f) => f.severity === severity).length,
      })),
    },
    {
      name: 'fcgi_doctor_suppressed_findings',
      type: 'gauge',
      help: SUPPRESSED_HELP,
      samples: [{ labels, value: suppressed }],
    },
  ];
}
