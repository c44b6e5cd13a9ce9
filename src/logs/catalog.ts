import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { isFindingId } from '../findings/ids.js';
import { deriveLiteral } from './literals.js';
import { defaultRulesDir } from './rulesDir.js';
import type { Rule, RuleExplanation, RuleFile, RuleSummary } from './rule.js';

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

const cache = new Map<string, Catalog>();

/**
 * Loads and validates every rules/*.yaml. Throws a RuleError naming the first file and
 * field that is wrong. The default catalog is loaded once per process.
 */
export function loadCatalog(dir: string = defaultRulesDir()): Catalog {
  const cached = cache.get(dir);
  if (cached) return cached;
  const validate = compileSchema(dir);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (const name of files) {
    const file = join(dir, name);
    const raw = readRuleFile(file);
    if (!validate(raw)) throw schemaError(file, validate.errors ?? []);
    const rule = compileRule(file, raw as RuleFile);
    if (seen.has(rule.id)) throw new RuleError(file, 'id', `duplicate rule id "${rule.id}"`);
    seen.add(rule.id);
    rules.push(rule);
  }
  rules.sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));
  const byId = new Map(rules.map((r) => [r.id, r]));
  const catalog: Catalog = { dir, rules, get: (id) => byId.get(id) };
  cache.set(dir, catalog);
  return catalog;
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

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

function compileSchema(dir: string): Validator {
  const schemaFile = join(dir, 'schema.json');
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  } catch (e) {
    throw new RuleError(schemaFile, '(file)', (e as Error).message);
  }
  const ajv = new Ajv({ allErrors: false, strict: true });
  return ajv.compile(schema as object);
}

function readRuleFile(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RuleError(file, '(file)', `not valid YAML: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
}

function schemaError(file: string, errors: readonly ErrorObject[]): RuleError {
  const e = errors[0];
  if (!e) return new RuleError(file, '(file)', 'does not match rules/schema.json');
  const missing = e.keyword === 'required' ? String((e.params as { missingProperty?: string }).missingProperty) : undefined;
  const extra = e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty?: string }).additionalProperty) : undefined;
  const path = e.instancePath.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.');
  const field = missing ?? extra ?? (path || '(file)');
  const detail = missing ? 'is required' : extra ? 'is not a known field' : (e.message ?? 'is invalid');
  return new RuleError(file, field, detail);
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
    if (m[1] && !groups.has(m[1])) throw new RuleError(file, 'message', `{${m[1]}} is not a named group of any pattern`);
  }
  const literals = raw.literals ?? raw.patterns.map((source, i) => {
    const l = deriveLiteral(source);
    if (l === undefined) {
      throw new RuleError(file, `patterns[${i}]`, 'no literal text of 4+ characters can be derived: add `literals`');
    }
    return l;
  });
  // The build checks the catalog with this code too, so a rule naming an unregistered finding id fails the build.
  const finding = raw.finding;
  if (!isFindingId(finding)) throw new RuleError(file, 'finding', `"${finding}" is not a registered finding id (src/findings/registry.ts)`);
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
    groupBy: raw.group_by ?? [],
    explanation: raw.explanation.trim(),
    fix: raw.fix.trim(),
    links: raw.links,
    examples: raw.examples,
    nearMisses: raw.near_misses,
    file,
  };
}
