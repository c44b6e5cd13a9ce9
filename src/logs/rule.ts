import type { Severity } from '../findings/finding.js';
import type { FindingId } from '../findings/registry.js';

/** A rule as written in rules/<id>.yaml (validated against rules/schema.json). */
export interface RuleFile {
  id: string;
  finding: string;
  severity: Severity;
  software: string[];
  title: string;
  message?: string;
  patterns: string[];
  literals?: string[];
  requires_any?: string[];
  priority?: number;
  consequence?: boolean;
  group_by?: string[];
  /** errno number → the cause it proves (see rules/schema.json). */
  by_errno?: Record<string, ErrnoCauseFile>;
  explanation: string;
  fix: string;
  links: string[];
  examples: string[];
  near_misses: string[];
}

/** One entry of a rule's `by_errno`: what a line carrying that errno yields instead of the rule's own finding. */
export interface ErrnoCauseFile {
  finding: string;
  severity?: Severity;
  title?: string;
  message?: string;
  fix?: string;
}

/** What a matched line yields: the rule's own cause, or the one its errno names. */
export interface RuleCause {
  finding: FindingId;
  severity: Severity;
  title: string;
  message: string;
  fix: string;
}

/** A rule ready for matching: patterns compiled, literals known, defaults filled in. */
export interface Rule {
  id: string;
  finding: FindingId;
  severity: Severity;
  software: readonly string[];
  title: string;
  message: string;
  patterns: readonly RegExp[];
  literals: readonly string[];
  requiresAny: readonly string[];
  priority: number;
  consequence: boolean;
  groupBy: readonly string[];
  /** By errno number (as written, without the parentheses); empty when the rule has no `by_errno`. */
  byErrno: ReadonlyMap<string, RuleCause>;
  explanation: string;
  fix: string;
  links: readonly string[];
  examples: readonly string[];
  nearMisses: readonly string[];
  /** The file the rule came from, for error messages and `explain`. */
  file: string;
}

/** What `fcgi-doctor explain ID` shows. */
export interface RuleExplanation {
  id: string;
  finding: FindingId;
  severity: Severity;
  software: readonly string[];
  title: string;
  explanation: string;
  fix: string;
  links: readonly string[];
  examples: readonly string[];
}

/** One row of `fcgi-doctor rules`. */
export interface RuleSummary {
  id: string;
  finding: FindingId;
  severity: Severity;
  software: readonly string[];
  title: string;
}
