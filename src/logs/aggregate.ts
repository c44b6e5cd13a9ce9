import { SEVERITY_RANK, type Finding } from '../findings/finding.js';
import { causeOf } from './cause.js';
import type { Envelope } from './envelope.js';
import type { RuleMatch } from './matcher.js';
import type { Rule } from './rule.js';

const MAX_SAMPLES = 3;
/**
 * A scanner probing random URLs leaves millions of lines that differ only in the script:
 * memory must not grow with them. Per rule at most this many values of its group_by get a
 * finding of their own; the lines with further values share one finding …
 */
export const MAX_GROUPS_PER_RULE = 20;
/** … and per finding at most this many distinct values of a capture are listed. */
export const MAX_EXAMPLES = 5;
// An example value is shown, never a whole 4 KB capture.
const MAX_EXAMPLE_CHARS = 200;
/** A consequence folds under a cause logged at most this many matched lines … */
const FOLD_WINDOW_LINES = 20;
/** … and this many milliseconds before it (when both lines carry a time). */
const FOLD_WINDOW_MS = 5_000;
// Two keys per cause within the window are live; the rest are swept when the map passes this.
const MAX_REMEMBERED_CAUSES = 256;

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
  sources: Map<string, { count: number; firstLine: number | undefined }>;
  /** Consequence lines folded under this cause, by rule id. */
  folded: Map<string, { title: string; count: number }>;
  /**
   * Per capture the message or group_by names: up to MAX_EXAMPLES distinct values, and
   * how many lines carried yet another value (folded into this finding, not listed).
   */
  values: Map<string, { examples: Set<string>; otherLines: number }>;
  /** Lines with a value not listed (of a capture, or a group_by past MAX_GROUPS_PER_RULE). */
  foldedLines: number;
  /** The group of the lines whose group_by values came after MAX_GROUPS_PER_RULE others. */
  overflow?: true;
}

interface RecentCause {
  group: MatchGroup;
  at?: Date;
  seq: number;
}

/** Groups matches into findings; folds `End of script output before headers` under its cause. */
export class Aggregator {
  private readonly groups = new Map<string, MatchGroup>();
  private readonly groupsPerRule = new Map<string, number>();
  private recent = new Map<string, RecentCause>();
  private seq = 0;
  /** Matched lines whose values are folded into a finding rather than listed. */
  foldedLines = 0;

  /** Causes do not carry over from one log to the next. */
  startSource(): void {
    this.recent = new Map();
  }

  add(match: RuleMatch, env: Envelope, line: string, source: string, lineNo: number | undefined): void {
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
    if (this.noteValues(group, match.groups)) {
      group.foldedLines += 1;
      this.foldedLines += 1;
    }
    const s = group.sources.get(source);
    if (s) s.count += 1;
    else group.sources.set(source, { count: 1, firstLine: lineNo });
    if (!rule.consequence && causeOf(rule, match.groups).severity !== 'info') this.rememberCause(group, env);
  }

  matchGroups(): MatchGroup[] {
    return [...this.groups.values()].sort(
      (a, b) =>
        SEVERITY_RANK[causeOf(a.rule, a.groups).severity] - SEVERITY_RANK[causeOf(b.rule, b.groups).severity] ||
        b.count - a.count ||
        a.rule.id.localeCompare(b.rule.id),
    );
  }

  findings(): Finding[] {
    return this.matchGroups().map(toFinding);
  }

  private groupFor(match: RuleMatch): MatchGroup {
    const { rule, groups } = match;
    const key = [rule.id, ...rule.groupBy.map((g) => groups[g] ?? '')].join('\u0000');
    let group = this.groups.get(key);
    if (group) return group;
    const made = this.groupsPerRule.get(rule.id) ?? 0;
    if (made >= MAX_GROUPS_PER_RULE) {
      // '\u0001' never ends a key of real values: they are joined with '\u0000'.
      const overflowKey = `${rule.id}\u0001`;
      group = this.groups.get(overflowKey);
      if (!group) {
        group = newGroup(match);
        group.overflow = true;
        this.groups.set(overflowKey, group);
      }
      return group;
    }
    group = newGroup(match);
    this.groups.set(key, group);
    this.groupsPerRule.set(rule.id, made + 1);
    return group;
  }

  /** Keeps the first distinct values of the captures shown; true when this line's are not among them. */
  private noteValues(group: MatchGroup, groups: Record<string, string>): boolean {
    let folded = false;
    for (const [name, tally] of group.values) {
      const value = groups[name];
      if (value === undefined || tally.examples.has(value)) continue;
      if (tally.examples.size < MAX_EXAMPLES) {
        tally.examples.add(value);
      } else {
        tally.otherLines += 1;
        folded = true;
      }
    }
    return folded;
  }

  // One request is one pid (with tid) and one client: the key ties a consequence to its
  // cause. Proxy lines about the backend carry no client, hence the pid-only key too.
  private rememberCause(group: MatchGroup, env: Envelope): void {
    if (env.pid === undefined && env.client === undefined) return;
    const entry: RecentCause = { group, seq: this.seq };
    if (env.timestamp) entry.at = env.timestamp;
    this.remember(`${env.pid ?? ''}|${env.client ?? ''}`, entry);
    if (env.pid !== undefined) this.remember(`${env.pid}|`, entry);
  }

  /**
   * Causes older than FOLD_WINDOW_LINES fold nothing: now and then the map is rebuilt with
   * the recent ones only, so it holds a few dozen causes, not one per client a scanner used.
   */
  private remember(key: string, entry: RecentCause): void {
    this.recent.set(key, entry);
    if (this.recent.size <= MAX_REMEMBERED_CAUSES) return;
    const fresh = new Map<string, RecentCause>();
    for (const [k, c] of this.recent) if (this.seq - c.seq <= FOLD_WINDOW_LINES) fresh.set(k, c);
    this.recent = fresh;
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

function newGroup(match: RuleMatch): MatchGroup {
  const { rule, groups } = match;
  const values = new Map<string, { examples: Set<string>; otherLines: number }>();
  for (const name of [...rule.groupBy, ...placeholders(causeOf(rule, groups).message)])
    values.set(name, { examples: new Set(), otherLines: 0 });
  return { rule, groups, count: 0, samples: [], sources: new Map(), folded: new Map(), values, foldedLines: 0 };
}

function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((m) => m[1] ?? '');
}

export function toFinding(group: MatchGroup): Finding {
  const cause = causeOf(group.rule, group.groups);
  const evidence: Finding['evidence'] = [{ kind: 'log', text: summaryText(group) }];
  for (const sample of group.samples) evidence.push({ kind: 'log', text: sample });
  // A value that differs from line to line is named as the first one "and others".
  const shown = { ...group.groups };
  for (const [name, tally] of group.values) {
    const first = shown[name];
    if (first !== undefined && (tally.examples.size > 1 || tally.otherLines > 0)) shown[name] = `${first} and others`;
  }
  const finding: Finding = {
    id: cause.finding,
    severity: cause.severity,
    title: cause.title,
    message: interpolate(cause.message, shown),
    evidence,
    fix: cause.fix,
  };
  const first = group.sources.entries().next();
  if (!first.done) {
    const line = first.value[1].firstLine;
    finding.location = line === undefined ? { file: first.value[0] } : { file: first.value[0], line };
  }
  return finding;
}

function summaryText(group: MatchGroup): string {
  const where = [...group.sources]
    .map(([file, s]) => (group.sources.size > 1 ? `${file} (${s.count})` : file))
    .join(', ');
  const times = group.count === 1 ? 'line' : 'lines';
  let text = `${group.count} matching ${times} in ${where}`;
  if (group.firstSeen && group.lastSeen) {
    text +=
      group.count === 1 || group.firstSeen.getTime() === group.lastSeen.getTime()
        ? `, at ${formatTime(group.firstSeen)}`
        : `, first seen ${formatTime(group.firstSeen)}, last seen ${formatTime(group.lastSeen)}`;
  }
  for (const [id, f] of group.folded) text += `; followed ${f.count}× by "${f.title}" (${id}) for the same request`;
  if (group.overflow)
    text += `; these lines are about more ${group.rule.groupBy.join(', ')} values than are listed one by one (${MAX_GROUPS_PER_RULE} have a finding of their own)`;
  for (const [name, tally] of group.values) {
    if (tally.examples.size < 2 && tally.otherLines === 0) continue;
    const examples = [...tally.examples].map((v) =>
      v.length > MAX_EXAMPLE_CHARS ? `${v.slice(0, MAX_EXAMPLE_CHARS)}…` : v,
    );
    text += `; ${name}: ${examples.join(', ')}`;
    if (tally.otherLines > 0)
      text += ` and ${tally.otherLines} more ${tally.otherLines === 1 ? 'line' : 'lines'} with other values (folded, not listed)`;
  }
  return `${text} [rule ${group.rule.id}]`;
}

/**
 * `{socket}` → the captured value; a placeholder with nothing captured goes away, and so
 * do the spaces and brackets it leaves behind. Only the template is tidied: a captured
 * value stays as logged (a slowlog frame `sleep() /srv/x.php:3` keeps its brackets).
 */
export function interpolate(template: string, groups: Record<string, string>): string {
  const values: string[] = [];
  const marked = template.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) => {
    const v = groups[name];
    if (v === undefined || v === '') return '';
    values.push(v);
    return `\u0000${values.length - 1}\u0000`;
  });
  return marked
    .replace(/ {2,}/g, ' ')
    .replace(/ ([,.:;)])/g, '$1')
    .replace(/\(\s*\)/g, '')
    .trim()
    .replace(/\u0000(\d+)\u0000/g, (_, i: string) => values[Number(i)] ?? '');
}

function formatTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
