/** Small builders so every check words its findings the same way. */
import { render, type Directive, type ParseIssue } from '../../apache/index.js';
import type { Finding, Location, Severity } from '../../findings/finding.js';
import type { FindingId } from '../../findings/registry.js';
import type { SourceRef } from '../../setups/index.js';

export function locationOf(at: { file: string; line?: number; includedFrom?: readonly string[] }): Location {
  const loc: Location = { file: at.file };
  if (at.line !== undefined) loc.line = at.line;
  if (at.includedFrom && at.includedFrom.length > 0) loc.includedFrom = [...at.includedFrom];
  return loc;
}

export interface FindingInput {
  id: FindingId;
  severity: Severity;
  title: string;
  message: string;
  at?: SourceRef | Directive | ParseIssue | { file: string; line?: number; includedFrom?: readonly string[] };
  evidence?: (string | Directive)[];
  fix?: string;
}

export function finding(f: FindingInput): Finding {
  const out: Finding = {
    id: f.id,
    severity: f.severity,
    title: f.title,
    message: f.message,
    evidence: (f.evidence ?? []).map((e) => ({
      kind: 'config' as const,
      text: typeof e === 'string' ? e : `${e.file}:${e.line}: ${render(e)}`,
    })),
  };
  if (f.at) out.location = locationOf(f.at);
  if (f.fix) out.fix = f.fix;
  return out;
}

export function at(s: SourceRef): string {
  return `${s.file}:${s.line}`;
}
