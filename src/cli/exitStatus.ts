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
