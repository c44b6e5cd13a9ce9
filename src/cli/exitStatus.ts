import type { Finding, Severity } from '../findings/finding.js';
import { UsageError } from './io.js';

/**
 * The exit status of the contract, shared by every command. Its own small
 * module so `ping` can use it without loading `check` and what check needs.
 */
export function parseFailOn(value: string | undefined): Severity {
  const v = value ?? 'error';
  if (v !== 'error' && v !== 'warning') throw new UsageError(`--fail-on takes error or warning, not "${v}"`);
  return v;
}

export function exitStatusFor(findings: readonly Finding[], failOn: Severity): number {
  return findings.some((f) => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning')) ? 1 : 0;
}

/**
 * `trace`: 1 when the URL ends in an error status (Apache's own 4xx/5xx, or
 * the backend's answer as a browser would get it) or the backend fails (an
 * error finding); 0 for a working backend, a static file or a redirect.
 * (2, the tool could not work, is decided before: bad URL, unreadable config.)
 */
export function traceExitStatus(
  route: { outcome: string; status?: number },
  findings: readonly Finding[],
  failOn: Severity,
  browserStatus?: number,
): number {
  if (route.outcome === 'status' && (route.status ?? 500) >= 400) return 1;
  if (browserStatus !== undefined && browserStatus >= 400) return 1;
  return exitStatusFor(findings, failOn);
}
