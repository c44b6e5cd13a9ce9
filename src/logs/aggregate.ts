import { SEVERITY_RANK, type Finding } from '../findings/finding.js';
import type { Envelope } from './envelope.js';
import type { RuleMatch } from './matcher.js';
import type { Rule } from './rule.js';

const MAX_SAMPLES = 3;
/** A consequence folds under a cause logged at most this many matched lines … */
const FOLD_WINDOW_LINES = 20;
/** … and this many milliseconds before it (when both lines carry a time). */
const FOLD_WINDOW_MS = 5_000;

/** Repeated matches of one rule (and one value of its group_by captures). */
export interface MatchGroup {
  rule: Rule;
  /** Named groups of the first match. */
  groups: Record<string, string>;
  count: number;
  firstSeen?: Date;
  lastSeen?: Date;
  samples: string[];
  /** Per log: how many lines, and the line number of the first. */
  sources: Map<string, { count: number; firstLine: number }>;
  /** Consequence lines folded under this cause, by rule id. */
  folded: Map<string, { title: string; count: number }>;
}

interface RecentCause {
  group: MatchGroup;
  at?: Date;
  seq: number;
}

/** Groups matches into findings; folds `End of script output before headers` under its cause. */
export class Aggregator {
  private readonly groups = new Map<string, MatchGroup>();
  private recent = new Map<string, RecentCause>();
  private seq = 0;

  /** Causes do not carry over from one log to the next. */
  startSource(): void {
    this.recent = new Map();
  }

  add(match: RuleMatch, env: Envelope, line: string, source: string, lineNo: number): void {
    this.seq += 1;
    const { rule } = match;
    if (rule.consequence) {
      const cause = this.causeFor(env);
      if (cause) {
        const f = cause.group.folded.get(rule.id) ?? { title: rule.title, count: 0 };
        f.count += 1;
        cause.group.folded.set(rule.id, f);
        return;
      }
    }
    const group = this.groupFor(match);
    group.count += 1;
    if (env.timestamp) {
      if (!group.firstSeen || env.timestamp < group.firstSeen) group.firstSeen = env.timestamp;
      if (!group.lastSeen || env.timestamp > group.lastSeen) group.lastSeen = env.timestamp;
    }
    if (group.samples.length < MAX_SAMPLES && !group.samples.includes(line)) group.samples.push(line);
    const s = group.sources.get(source);
    if (s) s.count += 1;
    else group.sources.set(source, { count: 1, firstLine: lineNo });
    if (!rule.consequence && rule.severity !== 'info') this.rememberCause(group, env);
  }

  matchGroups(): MatchGroup[] {
    return [...this.groups.values()].sort(
      (a, b) => SEVERITY_RANK[a.rule.severity] - SEVERITY_RANK[b.rule.severity] || b.count - a.count || a.rule.id.localeCompare(b.rule.id),
    );
  }

  findings(): Finding[] {
    return this.matchGroups().map(toFinding);
  }

  private groupFor(match: RuleMatch): MatchGroup {
    const { rule, groups } = match;
    const key = [rule.id, ...rule.groupBy.map((g) => groups[g] ?? '')].join('\u0000');
    let group = this.groups.get(key);
    if (!group) {
      group = { rule, groups, count: 0, samples: [], sources: new Map(), folded: new Map() };
      this.groups.set(key, group);
    }
    return group;
  }

  // One request is one pid (with tid) and one client: the key ties a consequence to its
  // cause. Proxy lines about the backend carry no client, hence the pid-only key too.
  private rememberCause(group: MatchGroup, env: Envelope): void {
    if (env.pid === undefined && env.client === undefined) return;
    const entry: RecentCause = { group, seq: this.seq };
    if (env.timestamp) entry.at = env.timestamp;
    this.recent.set(`${env.pid ?? ''}|${env.client ?? ''}`, entry);
    if (env.pid !== undefined) this.recent.set(`${env.pid}|`, entry);
  }

  private causeFor(env: Envelope): RecentCause | undefined {
    if (env.pid === undefined && env.client === undefined) return undefined;
    const keys = [`${env.pid ?? ''}|${env.client ?? ''}`];
    if (env.pid !== undefined) keys.push(`${env.pid}|`);
    for (const key of keys) {
      const c = this.recent.get(key);
      if (!c || this.seq - c.seq > FOLD_WINDOW_LINES) continue;
      if (c.at && env.timestamp && Math.abs(env.timestamp.getTime() - c.at.getTime()) > FOLD_WINDOW_MS) continue;
      return c;
    }
    return undefined;
  }
}

export function toFinding(group: MatchGroup): Finding {
  const { rule } = group;
  const evidence: Finding['evidence'] = [{ kind: 'log', text: summaryText(group) }];
  for (const sample of group.samples) evidence.push({ kind: 'log', text: sample });
  const finding: Finding = {
    id: rule.finding,
    severity: rule.severity,
    title: rule.title,
    message: interpolate(rule.message, group.groups),
    evidence,
    fix: rule.fix,
  };
  const first = group.sources.entries().next();
  if (!first.done) finding.location = { file: first.value[0], line: first.value[1].firstLine };
  return finding;
}

function summaryText(group: MatchGroup): string {
  const where = [...group.sources].map(([file, s]) => (group.sources.size > 1 ? `${file} (${s.count})` : file)).join(', ');
  const times = group.count === 1 ? 'line' : 'lines';
  let text = `${group.count} matching ${times} in ${where}`;
  if (group.firstSeen && group.lastSeen) {
    text += group.count === 1 || group.firstSeen.getTime() === group.lastSeen.getTime()
      ? `, at ${formatTime(group.firstSeen)}`
      : `, first seen ${formatTime(group.firstSeen)}, last seen ${formatTime(group.lastSeen)}`;
  }
  for (const [id, f] of group.folded) text += `; followed ${f.count}× by "${f.title}" (${id}) for the same request`;
  return `${text} [rule ${group.rule.id}]`;
}

/** `{socket}` → the captured value; a placeholder with nothing captured goes away. */
export function interpolate(template: string, groups: Record<string, string>): string {
  return template
    .replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) => groups[name] ?? '')
    .replace(/ {2,}/g, ' ')
    .replace(/ ([,.:;)])/g, '$1')
    .replace(/\(\s*\)/g, '')
    .trim();
}

function formatTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
