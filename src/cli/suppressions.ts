/**
 * Where suppressions come from, for every command that reports findings:
 * `--ignore ID[,ID]`, the project file (`--config FILE`, or `.fcgi-doctor.yaml`
 * found upward from the working directory) and, for `check`, the
 * `# fcgi-doctor: ignore …` comments of the Apache files read. The YAML reader
 * is loaded only when a project file exists: `ping` pays a few stat calls.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../findings/finding.js';
import {
  applySuppressions,
  parseInlineSuppression,
  unusedSuppressionFinding,
  type GlobMatcher,
  type SuppressedFinding,
  type SuppressionEntry,
} from '../findings/suppress.js';
import { UsageError } from './io.js';

export const PROJECT_FILE = '.fcgi-doctor.yaml';

export interface SuppressionOptions {
  ignore?: string[];
  config?: string;
}

/**
 * The project file: the nearest `.fcgi-doctor.yaml` from `start` upward. The
 * search stops at the top of a repository (a directory holding .git), as a
 * linter's does, so a file in a parent project never applies by surprise.
 */
export function findProjectFile(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, PROJECT_FILE);
    if (existsSync(candidate)) return candidate;
    if (existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) return undefined;
  }
}

/** `--ignore a,b --ignore c` → the entries; an id is a word of letters, digits, dots, dashes and underscores. */
export function ignoreEntries(values: readonly string[] = [], reportUnused = true): SuppressionEntry[] {
  const out: SuppressionEntry[] = [];
  for (const id of values.flatMap((v) => v.split(',')).map((v) => v.trim())) {
    if (!/^[A-Za-z0-9][\w.-]*$/.test(id)) throw new UsageError(`--ignore takes finding ids (comma list), not "${id}"`);
    out.push({ id, reason: 'given with --ignore', source: '--ignore', kind: 'external', reportUnused });
  }
  return out;
}

export interface LoadedSuppressions {
  entries: SuppressionEntry[];
  matchGlob: GlobMatcher;
}

/** A glob matcher that no entry needs: only project-file entries carry globs, and they bring their own. */
const noGlobs: GlobMatcher = () => false;

/** Which entries that matched nothing are reported (see `reported`). */
export interface UnusedPolicy {
  ignore: boolean;
  file: boolean;
}

/**
 * What a command reports of the entries that matched nothing: `check` (not
 * offline) could have produced any finding, so every such entry is stale;
 * the other commands report only their own `--ignore`, since the project file
 * is shared by every command and most of its entries are about other commands.
 */
export function reported(command: 'check' | 'ping' | 'logs' | 'status', offline = false): UnusedPolicy {
  return command === 'check' ? { ignore: !offline, file: !offline } : { ignore: true, file: false };
}

/** The command line's and the project file's entries. */
export async function loadSuppressions(
  opts: SuppressionOptions,
  policy: UnusedPolicy,
  cwd = process.cwd(),
): Promise<LoadedSuppressions> {
  const entries = ignoreEntries(opts.ignore, policy.ignore);
  let file: string | undefined;
  if (opts.config !== undefined) {
    file = path.resolve(cwd, opts.config);
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new UsageError(`--config ${opts.config}: no such file`);
    }
    if (!isFile) throw new UsageError(`--config ${opts.config} is not a file`);
  } else {
    file = findProjectFile(cwd);
  }
  if (file === undefined) return { entries, matchGlob: noGlobs };
  const { readProjectFile, matchGlob } = await import('./projectFile.js');
  entries.push(...readProjectFile(file).map((e) => ({ ...e, reportUnused: policy.file })));
  return { entries, matchGlob };
}

/** What a marker comment looks like to the suppression logic. */
export interface MarkerCommentLike {
  file: string;
  line: number;
  text: string;
  directiveLine?: number;
}

/** The `# fcgi-doctor: …` comments of the files read, as entries; each comment once (a file included twice). */
export function inlineEntries(markers: readonly MarkerCommentLike[], fullRun: boolean): SuppressionEntry[] {
  const out: SuppressionEntry[] = [];
  const seen = new Set<string>();
  for (const m of markers) {
    const key = `${m.file}:${m.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const parsed = parseInlineSuppression(m.text);
    if (parsed === undefined) continue;
    const base = { source: key, kind: 'inSource' as const, file: m.file };
    if ('error' in parsed) {
      // A malformed marker suppresses nothing, and says so whatever the run.
      out.push({
        ...base,
        id: m.text.replace(/^#\s*/, ''),
        reason: '',
        inert: `The comment is not a suppression: it ${parsed.error}. Write "# fcgi-doctor: ignore ID reason".`,
        reportUnused: true,
      });
      continue;
    }
    for (const id of parsed.ids) {
      if (parsed.scope === 'file') out.push({ ...base, id, reason: parsed.reason, reportUnused: fullRun });
      else if (m.directiveLine === undefined) {
        out.push({
          ...base,
          id,
          reason: parsed.reason,
          line: m.line + 1,
          inert:
            'The comment is not directly above a directive, so it applies to nothing: put it on the line right above the directive the finding is located at.',
          reportUnused: true,
        });
      } else out.push({ ...base, id, reason: parsed.reason, line: m.directiveLine, reportUnused: fullRun });
    }
  }
  return out;
}

export interface Suppressed {
  /** The findings that count, with an info finding for each unused entry that is to be reported. */
  findings: Finding[];
  suppressed: SuppressedFinding[];
}

export function suppress(findings: readonly Finding[], loaded: LoadedSuppressions): Suppressed {
  const r = applySuppressions(findings, loaded.entries, loaded.matchGlob);
  return {
    findings: [...r.findings, ...r.unused.filter((e) => e.reportUnused).map(unusedSuppressionFinding)],
    suppressed: r.suppressed,
  };
}
