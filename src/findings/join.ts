import { SEVERITY_RANK, type Finding } from './finding.js';

/**
 * One finding per cause. The configuration, a probe, a request and a log line
 * may each see the same cause (the socket is root's: the probe sees the mode,
 * the request gets EACCES, the log says "(13)Permission denied"); the report
 * shows it once, with all the evidence.
 *
 * Findings join when they share an id and a subject: the same setup, or the
 * same config location. A log finding (which knows no setup) joins the
 * finding of its id when exactly one such finding exists; otherwise it stays
 * on its own rather than be pinned to the wrong setup.
 */
export function joinFindings(findings: readonly Finding[]): Finding[] {
  const out: Finding[] = [];
  // Index into `out` by subject. A finding is copied only when another is merged
  // into it: the input is never changed, and the usual finding (alone on its
  // subject) costs no copy.
  const byKey = new Map<string, number>();
  const copied = new Set<number>();
  const mergeInto = (i: number, from: Finding) => {
    if (!copied.has(i)) {
      const f = out[i] as Finding;
      out[i] = { ...f, evidence: [...f.evidence] };
      copied.add(i);
    }
    merge(out[i] as Finding, from);
  };
  const logs: Finding[] = [];
  for (const f of findings) {
    if (isLogFinding(f)) {
      logs.push(f);
      continue;
    }
    const key = subjectKey(f);
    const existing = key ? byKey.get(key) : undefined;
    if (existing !== undefined) {
      mergeInto(existing, f);
      continue;
    }
    if (key) byKey.set(key, out.length);
    out.push(f);
  }
  for (const f of logs) {
    let only = -1;
    let count = 0;
    for (let i = 0; i < out.length && count < 2; i++) {
      const o = out[i] as Finding;
      if (o.id === f.id && !isLogFinding(o)) {
        only = i;
        count++;
      }
    }
    if (count === 1) mergeInto(only, f);
    else out.push(f);
  }
  return out;
}

function isLogFinding(f: Finding): boolean {
  return f.evidence.length > 0 && f.evidence.every((e) => e.kind === 'log');
}

function subjectKey(f: Finding): string | undefined {
  if (f.setup) return `${f.id}\u0000setup:${f.setup}`;
  if (f.location) return `${f.id}\u0000at:${f.location.file}:${f.location.line ?? ''}`;
  return undefined;
}

function merge(into: Finding, from: Finding): void {
  const seen = new Set(into.evidence.map((e) => `${e.kind}\u0000${e.text}`));
  for (const e of from.evidence) if (!seen.has(`${e.kind}\u0000${e.text}`)) into.evidence.push(e);
  if (SEVERITY_RANK[from.severity] < SEVERITY_RANK[into.severity]) into.severity = from.severity;
  into.location ??= from.location;
  into.fix ??= from.fix;
}
