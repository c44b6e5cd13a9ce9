import { summarize, type Finding } from '../findings/finding.js';
import type { SuppressedFinding } from '../findings/suppress.js';
import { escapeJsonText } from './escape.js';

/** The JSON document of the contract: one object, the same shape for every command. */
export interface JsonEnvelope {
  version: 1;
  tool: { name: 'fcgi-doctor'; version: string };
  command: string;
  target: string;
  findings: Finding[];
  summary: { error: number; warning: number; info: number; suppressed: number };
  /** Findings taken out by a suppression: never dropped silently. */
  suppressed: Array<{ id: string; reason: string; source: string }>;
  [extra: string]: unknown;
}

export function buildEnvelope(
  toolVersion: string,
  command: string,
  target: string,
  findings: Finding[],
  extra: Record<string, unknown> = {},
  suppressed: readonly SuppressedFinding[] = [],
): JsonEnvelope {
  return {
    version: 1,
    tool: { name: 'fcgi-doctor', version: toolVersion },
    command,
    target,
    findings,
    summary: { ...summarize(findings), suppressed: suppressed.length },
    suppressed: suppressed.map((s) => ({ id: s.finding.id, reason: s.entry.reason, source: s.entry.source })),
    ...extra,
  };
}

export function formatJson(envelope: JsonEnvelope): string {
  return `${escapeJsonText(JSON.stringify(envelope, null, 2))}\n`;
}
