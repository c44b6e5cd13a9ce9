/** One way to build a probe finding: location from the setup's config line, probe evidence, config evidence of every setup that shares the cause. */
import type { Evidence, Finding, Location, Severity } from '../../findings/finding.js';
import type { FindingId } from '../../findings/registry.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { configText } from './evidence.js';

export interface ProbeFindingInput {
  id: FindingId;
  severity: Severity;
  title: string;
  message: string;
  /** Setups the finding is about: the first gives the location. */
  setups?: readonly FastcgiSetup[];
  /** Where, when no setup is the place (the root configuration). */
  location?: Location;
  probe: string[];
  fix?: string;
}

export function probeFinding(f: ProbeFindingInput): Finding {
  const evidence: Evidence[] = [];
  for (const s of f.setups ?? []) evidence.push({ kind: 'config', text: configText(s) });
  for (const p of f.probe) evidence.push({ kind: 'probe', text: p });
  const out: Finding = { id: f.id, severity: f.severity, title: f.title, message: f.message, evidence };
  const first = f.setups?.[0];
  if (first) {
    const loc: Location = { file: first.definedAt.file, line: first.definedAt.line };
    if (first.definedAt.includedFrom.length > 0) loc.includedFrom = [...first.definedAt.includedFrom];
    out.location = loc;
  } else if (f.location) out.location = f.location;
  if (f.fix) out.fix = f.fix;
  return out;
}

/** Pieces of advice joined into one text, each sentence once (two sources may give the same advice). */
export function joinSentences(parts: readonly string[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of parts) {
    for (const sentence of part.split(/(?<=[.!?])\s+(?=[A-Z(])/)) {
      const key = sentence.trim().replace(/\s+/g, ' ');
      if (key === '' || seen.has(key)) continue;
      seen.add(key);
      out.push(sentence.trim());
    }
  }
  return out.join(' ');
}
