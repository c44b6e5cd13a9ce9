import type { Catalog } from './catalog.js';
import { escapeRegExp, minimizeLiterals } from './literals.js';
import type { Rule } from './rule.js';

/** One line recognised by one rule. */
export interface RuleMatch {
  rule: Rule;
  /** The named groups of the pattern that matched (absent groups left out). */
  groups: Record<string, string>;
}

/**
 * Most lines of a real error log are not about FastCGI: one pass of a regular expression
 * made of the catalog's literals finds the few lines worth a closer look, and only the
 * rules whose literals occur in such a line run their patterns.
 */
export class Matcher {
  /** Global: finds candidate lines in a block of many lines. */
  readonly prefilter: RegExp;
  private readonly literalScan: RegExp;
  private readonly rulesByLiteral = new Map<string, number[]>();
  private readonly rules: readonly Rule[];

  constructor(catalog: Catalog) {
    this.rules = catalog.rules;
    const literals = minimizeLiterals(this.rules.flatMap((r) => r.literals));
    // Longest first, so that the alternation prefers the most specific literal.
    const alternation = [...literals]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|');
    this.prefilter = new RegExp(alternation, 'g');
    this.literalScan = new RegExp(alternation, 'g');
    // Each rule is filed under the kept literals its own literals contain: a line holding
    // the rule's literal holds the kept one, so the rule is never missed.
    this.rules.forEach((rule, index) => {
      for (const kept of literals) {
        if (rule.literals.some((l) => l.includes(kept))) {
          const list = this.rulesByLiteral.get(kept) ?? [];
          if (!list.includes(index)) list.push(index);
          this.rulesByLiteral.set(kept, list);
        }
      }
    });
  }

  /**
   * The winning rule for one message: highest priority, then by id. `requires_any` is
   * checked against the whole line, envelope included (a syslog tag names the program).
   */
  match(message: string, line: string = message): RuleMatch | undefined {
    const candidates = this.candidates(message);
    for (const index of candidates) {
      const rule = this.rules[index];
      if (!rule) continue;
      if (rule.requiresAny.length > 0 && !rule.requiresAny.some((r) => line.includes(r))) continue;
      for (const re of rule.patterns) {
        const m = re.exec(message);
        if (m) return { rule, groups: namedGroups(m) };
      }
    }
    return undefined;
  }

  /** Rule indexes worth trying, in catalog order (which is priority order). */
  private candidates(message: string): number[] {
    const found = new Set<number>();
    const re = this.literalScan;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(message)) !== null) {
      for (const i of this.rulesByLiteral.get(m[0]) ?? []) found.add(i);
      // Restart one character later: literals may overlap.
      re.lastIndex = m.index + 1;
    }
    return [...found].sort((a, b) => a - b);
  }
}

function namedGroups(m: RegExpExecArray): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
