/**
 * Suppressions, as linters have them: a finding the user has looked at and
 * accepted (a socket in /tmp on a machine without systemd) is taken out of
 * what counts for the exit status, but never dropped silently: it is kept with
 * the entry that suppressed it, and an entry that matched nothing is itself
 * reported, so stale suppressions surface. Pure: no files, no printing.
 */
import type { Finding } from './finding.js';

/** SARIF's words: written outside the analysed files (--ignore, the project file), or in them (a comment). */
export type SuppressionKind = 'external' | 'inSource';

export interface SuppressionEntry {
  /** The finding id (or log rule id) to suppress. */
  id: string;
  /** Why the finding is accepted: required, it is what the next reader needs. */
  reason: string;
  /** Where the entry is written: "--ignore", "/srv/site/.fcgi-doctor.yaml:4", "/etc/apache2/sites-enabled/app.conf:11". */
  source: string;
  kind: SuppressionKind;
  /** Only findings whose location file matches this glob (as written, for reports). */
  path?: string;
  /** Only findings about a FastCGI setup whose id matches this glob. */
  setup?: string;
  /** In-source: only findings located in this file… */
  file?: string;
  /** …at this line (the directive under the comment). With `file` and no `line`: the whole file. */
  line?: number;
  /** Why the entry can match nothing (a comment above no directive, a malformed comment): it is reported as unused. */
  inert?: string;
  /** Whether this run could have produced the finding: an entry is reported unused only then. */
  reportUnused: boolean;
}

export interface SuppressedFinding {
  finding: Finding;
  entry: SuppressionEntry;
}

export interface SuppressionResult {
  /** The findings that count: for the exit status, the summary and the list. */
  findings: Finding[];
  suppressed: SuppressedFinding[];
  /** Entries that matched no finding (whether or not they are to be reported). */
  unused: SuppressionEntry[];
}

/**
 * How globs are matched: passed in, so this module needs no glob implementation
 * of its own. A path glob's `*` stops at a slash; a setup id's does not.
 */
export type GlobMatcher = (glob: string, value: string, what: 'path' | 'setup') => boolean;

export function entryMatches(entry: SuppressionEntry, f: Finding, matchGlob: GlobMatcher): boolean {
  if (entry.id !== f.id || entry.inert !== undefined) return false;
  if (entry.file !== undefined) {
    if (f.location?.file !== entry.file) return false;
    if (entry.line !== undefined && f.location.line !== entry.line) return false;
  }
  if (entry.path !== undefined && (f.location === undefined || !matchGlob(entry.path, f.location.file, 'path')))
    return false;
  if (entry.setup !== undefined && (f.setup === undefined || !matchGlob(entry.setup, f.setup, 'setup'))) return false;
  return true;
}

/** The first entry that matches a finding suppresses it; every entry that matches one is used. */
export function applySuppressions(
  findings: readonly Finding[],
  entries: readonly SuppressionEntry[],
  matchGlob: GlobMatcher,
): SuppressionResult {
  if (entries.length === 0) return { findings: [...findings], suppressed: [], unused: [] };
  const used = new Set<SuppressionEntry>();
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const matching = entries.filter((e) => entryMatches(e, f, matchGlob));
    for (const e of matching) used.add(e);
    const first = matching[0];
    if (first) suppressed.push({ finding: f, entry: first });
    else kept.push(f);
  }
  return { findings: kept, suppressed, unused: entries.filter((e) => !used.has(e)) };
}

/** An entry that suppressed nothing, as an info finding: it is stale, misplaced or misspelt. */
export function unusedSuppressionFinding(entry: SuppressionEntry): Finding {
  const scope = [
    entry.path !== undefined ? `path ${entry.path}` : '',
    entry.setup !== undefined ? `setup ${entry.setup}` : '',
    entry.file !== undefined && entry.line !== undefined ? `the directive on line ${entry.line}` : '',
  ].filter(Boolean);
  const why =
    entry.inert ?? `No finding ${entry.id}${scope.length ? ` (${scope.join(', ')})` : ''} was reported in this run.`;
  const [file, line] = splitSource(entry.source);
  return {
    id: 'suppression-unused',
    severity: 'info',
    title:
      entry.inert !== undefined
        ? `The fcgi-doctor comment at ${entry.source} suppresses nothing`
        : `The suppression of ${entry.id} at ${entry.source} matched no finding`,
    message: `${why} The problem may be fixed, the id misspelt, or the path or setup may not match.`,
    ...(file !== undefined ? { location: line !== undefined ? { file, line } : { file } } : {}),
    evidence: [{ kind: 'config', text: `${entry.source}: ignore ${entry.id} (${entry.reason})` }],
    fix: 'Remove the entry if the problem is gone; otherwise correct its id, path or setup (`fcgi-doctor rules` lists the ids).',
  };
}

/** "/a/b.conf:12" → ["/a/b.conf", 12]; "--ignore" → []. */
function splitSource(source: string): [string?, number?] {
  if (!source.startsWith('/')) return [];
  const m = /^(.*):(\d+)$/.exec(source);
  return m ? [m[1], Number(m[2])] : [source];
}

export interface InlineSuppression {
  scope: 'line' | 'file';
  ids: string[];
  reason: string;
}

const MARKER = /^#\s*fcgi-doctor:\s*(\S+)\s*(.*)$/;

/**
 * `# fcgi-doctor: ignore ID[,ID] reason` (the directive below) or
 * `# fcgi-doctor: ignore-file ID[,ID] reason` (the whole file). Undefined for
 * a comment that is no such marker; an error text for a malformed one.
 */
export function parseInlineSuppression(comment: string): InlineSuppression | { error: string } | undefined {
  const m = MARKER.exec(comment);
  if (!m) return undefined;
  const verb = m[1] ?? '';
  if (verb !== 'ignore' && verb !== 'ignore-file') return { error: `"${verb}" is not ignore or ignore-file` };
  const rest = (m[2] ?? '').trim();
  const space = rest.search(/\s/);
  const idList = space === -1 ? rest : rest.slice(0, space);
  const reason = space === -1 ? '' : rest.slice(space).trim();
  const ids = idList.split(',').filter(Boolean);
  if (ids.length === 0) return { error: 'names no finding id' };
  if (reason === '') return { error: 'gives no reason (write it after the id)' };
  return { scope: verb === 'ignore' ? 'line' : 'file', ids, reason };
}
