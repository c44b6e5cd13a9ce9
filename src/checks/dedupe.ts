import type { Finding } from '../findings/finding.js';

/**
 * The same finding said twice by one part of `check` (two setups sharing one
 * directive, one socket reached from two vhosts): kept once, the first. Two
 * findings are the same when id, place and message agree; findings of one
 * cause with different words are joined later (src/findings/join.ts).
 */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.id}|${f.location?.file ?? ''}|${f.location?.line ?? ''}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
