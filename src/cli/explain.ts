import { loadFindingDoc } from '../findings/docs.js';
import { FINDINGS, type FindingEntry } from '../findings/registry.js';
import { explainFinding, explainRule, listRules } from '../logs/index.js';
import { buildEnvelope, formatJson } from '../report/envelope.js';
import { formatExplainText, formatRulesText, type Explanation } from '../report/explainText.js';
import { loadStyle } from '../report/style.js';
import { colorEnabled, UsageError, type CliIO } from './io.js';
import { parseFormat } from './parse.js';
import { TOOL_VERSION } from './version.js';

interface FormatOptions {
  format?: string;
  color?: boolean;
}

/** Ids that look like what was typed, for "did you mean". */
function closest(id: string, candidates: string[]): string[] {
  const parts = id
    .toLowerCase()
    .split(/[-_ ]+/)
    .filter(Boolean);
  return candidates
    .map((c) => ({ c, score: parts.filter((p) => c.includes(p)).length }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.c.localeCompare(b.c))
    .slice(0, 5)
    .map((x) => x.c);
}

/** `explain ID`: a finding id's page and the log rules that prove it, or one log rule. */
export async function runExplain(id: string, opts: FormatOptions, io: CliIO): Promise<number> {
  const format = parseFormat(opts.format ?? 'text', ['text', 'json'] as const);
  const doc = loadFindingDoc(id);
  const explanation: Explanation | undefined = doc
    ? { kind: 'finding', doc, rules: explainFinding(id) }
    : (() => {
        const rule = explainRule(id);
        return rule ? { kind: 'rule' as const, rule, doc: loadFindingDoc(rule.finding) } : undefined;
      })();
  if (!explanation) {
    const known = [...FINDINGS.map((f) => f.id), ...listRules().map((r) => r.id)];
    const near = closest(id, known);
    throw new UsageError(
      `no finding id or log rule "${id}"${near.length ? `; did you mean ${near.join(', ')}?` : ''} (fcgi-doctor rules lists them)`,
    );
  }
  if (format === 'json') {
    io.stdout(formatJson(buildEnvelope(TOOL_VERSION, 'explain', id, [], { explanation })));
  } else {
    io.stdout(formatExplainText(await loadStyle(colorEnabled(io, opts.color)), explanation));
  }
  return 0;
}

/** `rules`: the log catalog and the finding ids (the registry's, with what each page says it applies to), as a table. */
export async function runRules(opts: FormatOptions, io: CliIO): Promise<number> {
  const format = parseFormat(opts.format ?? 'text', ['text', 'json'] as const);
  const rules = listRules();
  const findings = FINDINGS.map(({ id, severity, title, parts, contract }: FindingEntry) => ({
    id,
    severity,
    title,
    parts,
    contract: contract === true,
    appliesTo: loadFindingDoc(id)?.appliesTo ?? [],
  }));
  if (format === 'json') {
    io.stdout(formatJson(buildEnvelope(TOOL_VERSION, 'rules', 'catalog', [], { rules, findingIds: findings })));
  } else {
    io.stdout(formatRulesText(await loadStyle(colorEnabled(io, opts.color)), rules, findings));
  }
  return 0;
}
