/**
 * `check --format openmetrics`: the run's findings counted by id and severity,
 * whether the check could run at all (fcgi_doctor_up, 0 on exit status 2: an
 * unreadable configuration or a crashed step), and how many setups it checked.
 */
import type { Finding } from '../findings/finding.js';
import { type Exposition, findingFamilies, formatMetrics, runFamilies } from './metrics.js';

export interface CheckMetricsInput {
  target: string;
  findings: readonly Finding[];
  suppressed: number;
  /** the contract's exit status: 2 means the check could not do its job */
  exitCode: number;
  /** setups the check covered */
  setups: number;
  atMs: number;
}

export function formatCheckMetrics(input: CheckMetricsInput, exposition: Exposition = 'openmetrics'): string {
  const labels = { command: 'check', target: input.target };
  return formatMetrics(
    [
      ...runFamilies({ up: [{ labels, up: input.exitCode !== 2 }], runLabels: labels, atMs: input.atMs }),
      ...findingFamilies(labels, input.findings, input.suppressed),
      {
        name: 'fcgi_doctor_check_setups',
        type: 'gauge',
        help: 'FastCGI setups the check covered',
        samples: [{ labels, value: input.setups }],
      },
    ],
    exposition,
  );
}
