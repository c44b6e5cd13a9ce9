/**
 * `ping --format openmetrics`: the request's figures (how long it took, its
 * status, the body's size), or with --count the load's (requests completed
 * and failed, requests per second, latency), the findings by id and
 * severity, fcgi_doctor_up (0 when no answer came back: the backend could not
 * be reached or did not answer) and fcgi_doctor_ping_success (0 when the
 * command fails: an error, or an expectation that did not hold).
 */
import type { Exposition, MetricFamily } from './metrics.js';
import { findingFamilies, formatMetrics, msToSeconds, runFamilies } from './metrics.js';
import type { PingReport } from './pingText.js';

export interface PingMetricsInput {
  report: PingReport;
  suppressed: number;
  exitCode: number;
  atMs: number;
}

export function formatPingMetrics(input: PingMetricsInput, exposition: Exposition = 'openmetrics'): string {
  const { report } = input;
  const labels = { command: 'ping', target: report.target };
  const r = report.response;
  const load = report.load;
  const gauge = (name: string, help: string, value: number | undefined, unit?: 'seconds' | 'bytes'): MetricFamily => ({
    name,
    type: 'gauge',
    help,
    ...(unit ? { unit } : {}),
    samples: value === undefined ? [] : [{ labels, value }],
  });
  const answered = r !== undefined || (load !== undefined && load.completed > 0);
  return formatMetrics(
    [
      ...runFamilies({ up: [{ labels, up: answered }], runLabels: labels, atMs: input.atMs }),
      gauge(
        'fcgi_doctor_ping_success',
        '1 when the request succeeded and every expectation held (exit status 0), else 0',
        input.exitCode === 0 ? 1 : 0,
      ),
      gauge(
        'fcgi_doctor_ping_duration_seconds',
        'The whole request, connect to last record',
        r && msToSeconds(r.timings.totalMs),
        'seconds',
      ),
      gauge(
        'fcgi_doctor_ping_connect_duration_seconds',
        'Connecting to the backend',
        r && msToSeconds(r.timings.connectMs),
        'seconds',
      ),
      gauge(
        'fcgi_doctor_ping_first_byte_duration_seconds',
        'From connecting to the first byte of the answer',
        r && msToSeconds(r.timings.firstByteMs),
        'seconds',
      ),
      gauge('fcgi_doctor_ping_response_status', 'The HTTP status the backend answered', r?.status),
      gauge('fcgi_doctor_ping_response_body_bytes', 'Size of the response body', r?.body.length, 'bytes'),
      {
        name: 'fcgi_doctor_ping_load_requests',
        type: 'gauge',
        help: 'Requests of the --count run by result: completed or failed',
        samples: load
          ? [
              { labels: { ...labels, result: 'completed' }, value: load.completed },
              { labels: { ...labels, result: 'failed' }, value: load.failed },
            ]
          : [],
      },
      gauge(
        'fcgi_doctor_ping_load_requests_per_second',
        'Requests per second of the --count run',
        load?.requestsPerSecond,
      ),
      {
        name: 'fcgi_doctor_ping_load_latency_seconds',
        type: 'gauge',
        unit: 'seconds',
        help: 'Latency of the --count run: min, median, p99 and max',
        samples: load
          ? (['min', 'median', 'p99', 'max'] as const).map((stat) => ({
              labels: { ...labels, stat },
              value: msToSeconds(load.latencyMs[stat]),
            }))
          : [],
      },
      ...findingFamilies(labels, report.findings, input.suppressed),
    ],
    exposition,
  );
}
