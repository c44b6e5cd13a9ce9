/**
 * Look-ups on the registry of finding ids (registry.ts), where every id is
 * declared. Nothing here lists an id: add one to registry.ts.
 */
import { FINDINGS, type FindingEntry, type FindingId, type FindingPart } from './registry.js';

export type { FindingEntry, FindingId, FindingPart };

/** Every registered id, in the registry's (alphabetical) order. */
export const ALL_FINDING_IDS: readonly FindingId[] = FINDINGS.map((f) => f.id);

/** The ids of the public contract: never renamed, never removed. */
export const CONTRACT_FINDING_IDS: readonly FindingId[] = FINDINGS.filter((f: FindingEntry) => f.contract).map(
  (f) => f.id,
);

const BY_ID: ReadonlyMap<string, FindingEntry> = new Map(FINDINGS.map((f) => [f.id, f]));

export function isFindingId(id: string): id is FindingId {
  return BY_ID.has(id);
}

/** The registry's entry for `id`, or undefined for an unregistered id. */
export function findingEntry(id: string): FindingEntry | undefined {
  return BY_ID.get(id);
}

/** The ids a part of the tool emits. */
export function findingIdsOf(part: FindingPart): FindingId[] {
  return FINDINGS.filter((f: FindingEntry) => f.parts.includes(part)).map((f) => f.id);
}
