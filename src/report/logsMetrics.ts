/**
 * `logs --format openmetrics`: the findings of the lines read, by id and
 * severity, whether every log named could be read (fcgi_doctor_up, 0 on exit
 * status 2), and how much was read. The counts are of this run (gauges): a
 * log read again with another --since counts afresh.
 */
import type { Finding } from '../findings/finding.js';
import type { ScanStats } from '../logs/scanner.js';
import { type Exposition, findingFamilies, formatMetrics, runFamilies } from './metrics.js';

export interface LogsMetricsInput {
  target: string;
  findings: readonly Finding[];
  suppressed: number;
  exitCode: number;
  stats: ScanStats;
  atMs: number;
}

export function formatLogsMetrics(input: LogsMetricsInput, exposition: Exposition = 'openmetrics'): string {
  const labels = { command: 'logs', target: input.target };
  const s = input.stats;
  return formatMetrics(
    [
      ...runFamilies({ up: [{ labels, up: input.exitCode !== 2 }], runLabels: labels, atMs: input.atMs }),
      ...findingFamilies(labels, input.findings, input.suppressed),
      {
        name: 'fcgi_doctor_logs_read_lines',
        type: 'gauge',
        help: 'Log lines read by this run',
        samples: [{ labels, value: s.lines }],
      },
      {
        name: 'fcgi_doctor_logs_matched_lines',
        type: 'gauge',
        help: 'Log lines of this run recognised by a rule of the catalog',
        samples: [{ labels, value: s.matchedLines }],
      },
      {
        name: 'fcgi_doctor_logs_read_bytes',
        type: 'gauge',
        unit: 'bytes',
        help: 'Bytes of log read by this run',
        samples: [{ labels, value: s.bytes }],
      },
    ],
    exposition,
  );
}
