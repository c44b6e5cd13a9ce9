/**
 * How much of one item a person-facing report shows. A backend or a
 * configuration can make any list or text huge (100,000 evidence lines, a
 * 7 MB header block): the text, GitHub, SARIF and Nagios reports show the
 * first part and say how much more there is; JSON keeps everything.
 */
export const SHOWN = {
  /** evidence lines per finding */
  evidence: 12,
  /** characters of a title */
  title: 300,
  /** characters of a message or a fix */
  text: 4000,
  /** characters of one evidence line, header or list entry */
  line: 1000,
  /** response headers listed by ping */
  headers: 100,
  /** entries of a list shown on one line (the directives that reach a setup) */
  listEntries: 10,
  /** bytes of output that is not a body (no end of the CGI headers) */
  unparsedBytes: 4096,
  /** findings of one kind (same id and title) in a report people read */
  findingsPerKind: 5,
  /** results of one kind in a SARIF log (code scanning shows each as an alert) */
  sarifResultsPerKind: 100,
} as const;

/** The first `max` items, and how many were left out. */
export function capList<T>(items: readonly T[], max: number): { shown: readonly T[]; more: number } {
  return items.length <= max ? { shown: items, more: 0 } : { shown: items.slice(0, max), more: items.length - max };
}

/** At most `max` characters of `text`, and a note of how many more there were. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in two.
  const cut = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return `${text.slice(0, cut)}… (${text.length - cut} more characters)`;
}

/** "… 3 more evidence lines (--format json lists them all)" */
export function moreNote(more: number, what: string): string {
  return `… ${more} more ${what} (--format json lists them all)`;
}

/** A finding's evidence as "kind: text" lines, cut as the reports show it. */
export function evidenceLines(evidence: ReadonlyArray<{ kind: string; text: string }>): string[] {
  const { shown, more } = capList(evidence, SHOWN.evidence);
  const lines = shown.map((e) => `${e.kind}: ${capText(e.text, SHOWN.line)}`);
  if (more) lines.push(moreNote(more, 'evidence lines'));
  return lines;
}

/** Findings of one kind (same id and title) beyond the first few: how many were not shown. */
export interface FoldedFindings {
  id: string;
  title: string;
  more: number;
}

/**
 * The findings to show, at most `max` of each kind (same id and title), in
 * their order, and how many of each kind were left out: 100,000 lines that
 * each need a module not loaded are one cause, not 100,000 blocks to read.
 */
export function foldRepeats<F extends { id: string; title: string }>(
  findings: readonly F[],
  max: number,
): { shown: F[]; folded: FoldedFindings[] } {
  const counts = new Map<string, FoldedFindings & { seen: number }>();
  const shown: F[] = [];
  for (const f of findings) {
    const key = `${f.id}\u0000${f.title}`;
    let kind = counts.get(key);
    if (!kind) counts.set(key, (kind = { id: f.id, title: f.title, more: 0, seen: 0 }));
    kind.seen += 1;
    if (kind.seen <= max) shown.push(f);
    else kind.more += 1;
  }
  const folded = [...counts.values()].filter((k) => k.more > 0).map(({ id, title, more }) => ({ id, title, more }));
  return { shown, folded };
}

/** "… 99995 more findings like "SetEnv needs env_module…" [config-syntax-error] (--format json lists them all)" */
export function foldedNote(f: FoldedFindings): string {
  return moreNote(f.more, `findings like "${capText(f.title, SHOWN.title)}" [${f.id}]`);
}
