import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog, matchLine } from '../../src/logs/index.js';
import {
  INVENTORY,
  TABLE,
  inventoryProblems,
  readInventory,
  readRuleFindings,
  renderCoverage,
} from '../../scripts/log-coverage.mjs';

// The catalog against the sources (issue 15 §5): every message of docs/log-inventory.yaml has a rule that
// wins on its sample line, or a reason it has none; docs/log-coverage.md is what the script generates.
const root = join(import.meta.dirname, '..', '..');
const entries = readInventory(root);
const catalog = loadCatalog();

describe('log coverage', () => {
  it('gives every inventoried message a rule of rules/ or a reason', () => {
    expect(inventoryProblems(entries, readRuleFindings(root))).toEqual([]);
    expect(entries.length).toBeGreaterThan(300);
  });

  it.each(entries.filter((e) => e.rule).map((e) => [e.rule, e.message, e] as const))(
    '%s recognises %s',
    (_rule, _message, e) => {
      expect(matchLine(e.sample ?? '', catalog)?.ruleId, e.sample).toBe(e.rule);
    },
  );

  it('has the committed table current (node scripts/log-coverage.mjs)', () => {
    expect(readFileSync(join(root, TABLE), 'utf8')).toBe(renderCoverage(root));
  });

  it('reports an entry with neither a rule nor a reason, and a rule that does not exist', () => {
    const findings = new Map([['fpm-max-children', 'max-children-reached']]);
    const base = { software: 'php-fpm', source: 'fpm_process_ctl.c', level: 'WARNING', message: 'm' };
    expect(inventoryProblems([base], findings)[0]).toContain(`${INVENTORY} entry 1`);
    expect(inventoryProblems([{ ...base, rule: 'no-such-rule', sample: 's' }], findings)[0]).toContain('not in rules/');
    expect(inventoryProblems([{ ...base, rule: 'fpm-max-children', sample: 's' }], findings)).toEqual([]);
    expect(inventoryProblems([{ ...base, omitted: 'below warning level' }], findings)).toEqual([]);
  });
});
