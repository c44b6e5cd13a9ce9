import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultRulesDir,
  explainFinding,
  explainRule,
  listRules,
  loadCatalog,
  RuleError,
} from '../../src/logs/index.js';
import { deriveLiteral } from '../../src/logs/literals.js';
import { loadRulesDir } from '../../src/logs/ruleSource.js';

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A private copy of rules/ with one file replaced (removed after the file's tests). */
function catalogWith(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fcgi-rules-'));
  copies.push(dir);
  cpSync(defaultRulesDir(), dir, { recursive: true });
  writeFileSync(join(dir, name), text);
  return dir;
}
const good = readFileSync(join(defaultRulesDir(), 'fpm-max-children.yaml'), 'utf8');

describe('loading rules', () => {
  it('names the file and the field of a rule that breaks the schema', () => {
    const cases: [string, RegExp][] = [
      [good.replace(/^severity: warning$/m, 'severity: fatal'), /fpm-max-children\.yaml: severity: /],
      [good.replace(/^finding: .*$/m, ''), /fpm-max-children\.yaml: finding: is required/],
      [`${good}colour: red\n`, /fpm-max-children\.yaml: colour: is not a known field/],
      [good.replace(/^examples:\n {2}- .*\n/m, 'examples:\n'), /fpm-max-children\.yaml: examples: /],
      [good.replace(/\\\[pool/, '(?<broken'), /fpm-max-children\.yaml: patterns\[0\]: invalid regular expression/],
      [
        good.replace(/^id: .*$/m, 'id: something-else'),
        /fpm-max-children\.yaml: id: "something-else" must equal the file name/,
      ],
      [good.replace(/^ {2}- pool$/m, '  - socket'), /fpm-max-children\.yaml: group_by: "socket" is not a named group/],
      ['id: [unclosed\n', /fpm-max-children\.yaml: \(file\): not valid YAML/],
      [
        good.replace(/^finding: .*$/m, 'finding: max-children-hit'),
        /fpm-max-children\.yaml: finding: "max-children-hit" is not a registered finding id/,
      ],
    ];
    for (const [text, error] of cases) {
      const dir = catalogWith('fpm-max-children.yaml', text);
      expect(() => loadRulesDir(dir)).toThrow(RuleError);
      expect(() => loadRulesDir(dir)).toThrow(error);
    }
  });

  it('explains a rule by rule id or finding id, and lists the catalog', () => {
    const e = explainRule('fpm-max-children');
    expect(e?.finding).toBe('max-children-reached');
    expect(e?.fix).toContain('pm.max_children');
    expect(e?.links.length).toBeGreaterThan(0);
    expect(explainRule('primary-script-unknown')).toBeUndefined();
    expect(explainFinding('primary-script-unknown').map((r) => r.id)).toEqual([
      'fastcgi-primary-script-unknown',
      'fcgiwrap-no-script',
      'fpm-primary-script-unknown',
      'proxy-fcgi-primary-script-unknown',
    ]);
    expect(explainRule('no-such-rule')).toBeUndefined();
    const rows = listRules();
    expect(rows.length).toBe(loadCatalog().rules.length);
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort());
  });
});

describe('deriveLiteral', () => {
  it('takes the longest run every match must contain', () => {
    expect(deriveLiteral(String.raw`mod_fcgid: read data timeout in (?<s>\d+) seconds`)).toBe(
      'mod_fcgid: read data timeout in ',
    );
    expect(deriveLiteral(String.raw`\(13\)Permission denied: AH02454: x`)).toBe('(13)Permission denied: AH02454: x');
    expect(deriveLiteral('abcdefgh?ij')).toBe('abcdefg');
    expect(deriveLiteral('xx(?:long optional text)?yy')).toBeUndefined();
    expect(deriveLiteral('one|two')).toBeUndefined();
    expect(deriveLiteral('[abc]{2} server reached')).toBe(' server reached');
  });
});
