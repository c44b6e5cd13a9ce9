/**
 * One finding per cause, however many lines show it. 100,000 `SetEnv` lines
 * without env_module are one problem (load the module), and Apache itself
 * stops at the first of them: the finding sits on that first line, says how
 * many lines there are in all, and lists only the first few. Two handlers in
 * one directory without ExecCGI are one problem too, but Apache starts and
 * answers 403 for each: `stopsAtFirst: false` says so.
 *
 * The first finding's evidence after its own line (evidence[0]) is what the
 * whole cause shares (the Options lines of the directory): a folded finding
 * keeps it after the lines of the cause.
 *
 * The check that finds a problem folds it, not a step after all checks: only
 * the check knows what "the same cause" is (its messages quote each line, so
 * they differ line by line), and a finding never built costs no memory, where
 * 100,000 built and folded afterwards would already have cost it all.
 */
import type { Finding } from '../../findings/finding.js';

/** Lines of one cause quoted in its evidence; the rest are counted. */
export const FOLD_EVIDENCE_LINES = 10;

interface Group {
  first: Finding;
  lines: string[];
  count: number;
}

export interface FoldOptions {
  /**
   * Apache refuses to start at the first line of a cause (a configuration
   * error). Default: so for errors. False where Apache starts and each line
   * fails on its own, per request.
   */
  stopsAtFirst?: boolean;
}

export class FoldByCause {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly options: FoldOptions = {}) {}

  /**
   * Another line showing `cause`. `build` makes the finding of the first line
   * and is called only for it; `line` ("file:line: text") is its evidence,
   * called only while the evidence has room.
   */
  add(cause: string, line: () => string, build: () => Finding): void {
    const g = this.groups.get(cause);
    if (!g) {
      this.groups.set(cause, { first: build(), lines: [line()], count: 1 });
      return;
    }
    g.count++;
    if (g.lines.length < FOLD_EVIDENCE_LINES) g.lines.push(line());
  }

  /** The findings, one per cause, in the order each cause was first seen. */
  findings(): Finding[] {
    const out: Finding[] = [];
    for (const g of this.groups.values()) out.push(g.count === 1 ? g.first : this.folded(g));
    return out;
  }

  private folded(g: Group): Finding {
    const kind = g.first.evidence[0]?.kind ?? 'config';
    const evidence = g.lines.map((text) => ({ kind, text }));
    const more = g.count - g.lines.length;
    if (more > 0) evidence.push({ kind, text: `… and ${more} more line${more === 1 ? '' : 's'}` });
    evidence.push(...g.first.evidence.slice(1));
    const stops = this.options.stopsAtFirst ?? g.first.severity === 'error';
    return {
      ...g.first,
      message: `${g.first.message} ${g.count} lines in all have this problem${stops ? '; Apache stops at the first' : ''}.`,
      evidence,
    };
  }
}
