import { basename, join } from 'node:path';
import { catalogData } from '../catalog/data.js';
import { isFindingId } from '../findings/ids.js';
import { deriveLiteral } from './literals.js';
import { defaultRulesDir } from './rulesDir.js';
import type { Rule, RuleCause, RuleExplanation, RuleFile, RuleSummary } from './rule.js';

/** A rule file that does not load: names the file and the field at fault. */
export class RuleError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: ${field}: ${detail}`);
    this.name = 'RuleError';
  }
}

export interface Catalog {
  readonly dir: string;
  /** Highest priority first, then by id: the order in which rules are tried. */
  readonly rules: readonly Rule[];
  get(id: string): Rule | undefined;
}

let shipped: Catalog | undefined;

/**
 * The rules the package ships, compiled and validated by the build (rules/*.yaml →
 * the catalog data, src/catalog): here only the regular expressions are built, once
 * per process. Reading and validating a directory of YAML files is the build's and
 * the tests' job (loadRulesDir in src/logs/ruleSource.ts), never a command's.
 */
export function loadCatalog(): Catalog {
  if (!shipped) {
    const dir = defaultRulesDir();
    shipped = catalogFromFiles(
      dir,
      catalogData().rules.map((raw) => ({ file: join(dir, `${raw.id}.yaml`), raw })),
    );
  }
  return shipped;
}

/** Compiles validated rule files into a catalog; throws a RuleError for a rule that cannot work (a bad pattern, a duplicate id). */
export function catalogFromFiles(dir: string, files: ReadonlyArray<{ file: string; raw: RuleFile }>): Catalog {
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (const { file, raw } of files) {
    const rule = compileRule(file, raw);
    if (seen.has(rule.id)) throw new RuleError(file, 'id', `duplicate rule id "${rule.id}"`);
    seen.add(rule.id);
    rules.push(rule);
  }
  rules.sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));
  const byId = new Map(rules.map((r) => [r.id, r]));
  return { dir, rules, get: (id) => byId.get(id) };
}

/** `fcgi-doctor explain ID` for a rule id; see explainFinding for a finding id. */
export function explainRule(id: string, catalog: Catalog = loadCatalog()): RuleExplanation | undefined {
  const r = catalog.get(id);
  return r ? toExplanation(r) : undefined;
}

/** Every rule that yields a finding id (several software write the same cause), by rule id. */
export function explainFinding(findingId: string, catalog: Catalog = loadCatalog()): RuleExplanation[] {
  return catalog.rules
    .filter((r) => r.finding === findingId)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(toExplanation);
}

function toExplanation(r: Rule): RuleExplanation {
  const { id, finding, severity, software, title, explanation, fix, links, examples } = r;
  return { id, finding, severity, software, title, explanation, fix, links, examples };
}

export function listRules(catalog: Catalog = loadCatalog()): RuleSummary[] {
  return [...catalog.rules]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(({ id, finding, severity, software, title }) => ({ id, finding, severity, software, title }));
}

function compileRule(file: string, raw: RuleFile): Rule {
  const expectedId = basename(file).replace(/\.ya?ml$/, '');
  if (raw.id !== expectedId) throw new RuleError(file, 'id', `"${raw.id}" must equal the file name "${expectedId}"`);
  const groups = new Set<string>();
  const patterns = raw.patterns.map((source, i) => {
    let re: RegExp;
    try {
      re = new RegExp(source);
    } catch (e) {
      throw new RuleError(file, `patterns[${i}]`, `invalid regular expression: ${(e as Error).message}`);
    }
    for (const m of source.matchAll(/\(\?<([A-Za-z][A-Za-z0-9]*)>/g)) if (m[1]) groups.add(m[1]);
    return re;
  });
  for (const g of raw.group_by ?? []) {
    if (!groups.has(g)) throw new RuleError(file, 'group_by', `"${g}" is not a named group of any pattern`);
  }
  for (const m of (raw.message ?? '').matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)) {
    if (m[1] && !groups.has(m[1]))
      throw new RuleError(file, 'message', `{${m[1]}} is not a named group of any pattern`);
  }
  const literals =
    raw.literals ??
    raw.patterns.map((source, i) => {
      const l = deriveLiteral(source);
      if (l === undefined) {
        throw new RuleError(file, `patterns[${i}]`, 'no literal text of 4+ characters can be derived: add `literals`');
      }
      return l;
    });
  // The build checks the catalog with this code too, so a rule naming an unregistered finding id fails the build.
  const finding = raw.finding;
  if (!isFindingId(finding))
    throw new RuleError(file, 'finding', `"${finding}" is not a registered finding id (src/findings/registry.ts)`);
  const byErrno = compileByErrno(file, raw, groups);
  const groupBy = raw.group_by ?? [];
  return {
    id: raw.id,
    finding,
    severity: raw.severity,
    software: raw.software,
    title: raw.title,
    message: raw.message ?? raw.title,
    patterns,
    literals,
    requiresAny: raw.requires_any ?? [],
    priority: raw.priority ?? 0,
    consequence: raw.consequence ?? false,
    // Lines of one rule with different errnos are different causes: never one finding.
    groupBy: byErrno.size > 0 && !groupBy.includes('errno') ? [...groupBy, 'errno'] : groupBy,
    byErrno,
    explanation: raw.explanation.trim(),
    fix: raw.fix.trim(),
    links: raw.links,
    examples: raw.examples,
    nearMisses: raw.near_misses,
    file,
  };
}

function compileByErrno(file: string, raw: RuleFile, groups: ReadonlySet<string>): Map<string, RuleCause> {
  const out = new Map<string, RuleCause>();
  if (!raw.by_errno) return out;
  if (!groups.has('errno')) throw new RuleError(file, 'by_errno', 'needs a pattern with a named group `errno`');
  for (const [errno, cause] of Object.entries(raw.by_errno)) {
    if (!isFindingId(cause.finding))
      throw new RuleError(file, `by_errno.${errno}.finding`, `"${cause.finding}" is not a registered finding id`);
    for (const m of (cause.message ?? '').matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)) {
      if (m[1] && !groups.has(m[1]))
        throw new RuleError(file, `by_errno.${errno}.message`, `{${m[1]}} is not a named group of any pattern`);
    }
    out.set(errno, {
      finding: cause.finding,
      severity: cause.severity ?? raw.severity,
      title: cause.title ?? raw.title,
      message: cause.message ?? cause.title ?? raw.message ?? raw.title,
      fix: (cause.fix ?? raw.fix).trim(),
    });
  }
  return out;
}
