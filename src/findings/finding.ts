/**
 * A finding is data: what is wrong, where, the evidence that shows it and the
 * fix. Checks produce findings; only reporters turn them into words on a screen.
 */
import type { FindingId } from './registry.js';

export type Severity = 'error' | 'warning' | 'info';

export type EvidenceKind = 'probe' | 'config' | 'log' | 'request';

export interface Evidence {
  kind: EvidenceKind;
  text: string;
}

export interface Location {
  file: string;
  line?: number;
  /** The include chain that brought `file` in, outermost first ("apache2.conf:225"). */
  includedFrom?: string[];
}

export interface Finding {
  /** A registered id (registry.ts): an unregistered one does not type-check. */
  id: FindingId;
  severity: Severity;
  title: string;
  message: string;
  location?: Location;
  evidence: Evidence[];
  fix?: string;
  /** the FastCGI setup this finding is about (FastcgiSetup.id), so reports can group by setup */
  setup?: string;
}

export const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function summarize(findings: readonly Finding[]): Record<Severity, number> {
  const summary: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) summary[f.severity] += 1;
  return summary;
}
