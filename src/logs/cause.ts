import type { Rule, RuleCause } from './rule.js';

/**
 * The cause one matched line proves. Apache writes the errno of a failed system call in
 * front of the message (`(13)Permission denied: …`): for a rule with `by_errno` that
 * number, not the message around it, names the cause; any other errno, or none, keeps
 * the rule's own finding.
 */
export function causeOf(rule: Rule, groups: Readonly<Record<string, string>>): RuleCause {
  const errno = groups.errno;
  const byErrno = errno === undefined ? undefined : rule.byErrno.get(String(Number(errno)));
  if (byErrno) return byErrno;
  return { finding: rule.finding, severity: rule.severity, title: rule.title, message: rule.message, fix: rule.fix };
}
