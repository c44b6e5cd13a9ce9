/**
 * What `ping --format json` adds to the envelope, under documented names
 * (README, "ping"): `response` (status, headers as an object, the body as
 * UTF-8 or base64, stderr, the record-level statuses, timings, expectations),
 * `load` (with --count) and `values` (with --get-values).
 */
import type { PingReport } from './pingText.js';

/** Headers as an object; a repeated header is joined with ", " as HTTP allows. */
function headersObject(headers: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) out[name] = name in out ? `${out[name]}, ${value}` : value;
  return out;
}

export function pingJsonExtras(report: PingReport): Record<string, unknown> {
  const extras: Record<string, unknown> = {};
  const r = report.response;
  if (r) {
    const text = r.body.toString('utf8');
    const isUtf8 = Buffer.from(text, 'utf8').equals(r.body);
    extras.response = {
      status: r.status,
      statusText: r.statusText,
      headers: headersObject(r.headers),
      body: isUtf8 ? text : r.body.toString('base64'),
      bodyEncoding: isUtf8 ? 'utf8' : 'base64',
      stderr: r.stderr,
      appStatus: r.raw.appStatus,
      protocolStatus: r.raw.protocolStatusName,
      timings: r.timings,
      expectations: report.expectations,
    };
  }
  if (report.load) {
    const { count, concurrency, completed, failed, requestsPerSecond, latencyMs } = report.load;
    extras.load = { count, concurrency, completed, failed, requestsPerSecond, latencyMs };
  }
  if (report.managementValues) extras.values = Object.fromEntries(report.managementValues);
  return extras;
}

/**
 * What the summary line of `ping --format jsonl` adds: `load` and `values` as
 * in JSON, and of the response only its status and timings: a log line is no
 * place for a body (`--format json` has it).
 */
export function pingJsonlExtras(report: PingReport): Record<string, unknown> {
  const { response, load, values } = pingJsonExtras(report) as {
    response?: Record<string, unknown>;
    load?: unknown;
    values?: unknown;
  };
  const r = report.response;
  return {
    ...(response && r
      ? {
          response: {
            status: r.status,
            statusText: r.statusText,
            appStatus: r.raw.appStatus,
            protocolStatus: r.raw.protocolStatusName,
            bodyBytes: r.body.length,
            stderrBytes: Buffer.byteLength(r.stderr),
            timings: r.timings,
            expectations: report.expectations,
          },
        }
      : {}),
    ...(load !== undefined ? { load } : {}),
    ...(values !== undefined ? { values } : {}),
  };
}
