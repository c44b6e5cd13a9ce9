import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CONTRACT_FINDING_IDS, findingEntry } from '../../src/findings/ids.js';
import { loadCatalog, matchLine, scanLogs } from '../../src/logs/index.js';

// Every rule file carries its own test cases: examples that must match it (and it must
// win over every other rule), and near misses that must not yield it.
const catalog = loadCatalog();

describe('rule catalog', () => {
  it('loads every rule file', () => {
    expect(catalog.rules.length).toBeGreaterThan(50);
  });

  it('uses contract ids wherever a rule names one of the contract causes', () => {
    const contract = new Set<string>(CONTRACT_FINDING_IDS);
    const own = catalog.rules.filter((r) => !contract.has(r.finding)).map((r) => r.finding);
    // Ids of our own must not shadow a contract id with a near spelling.
    for (const id of own) expect(contract.has(id)).toBe(false);
    expect(catalog.rules.some((r) => contract.has(r.finding))).toBe(true);
  });

  it('names only registered finding ids, each registered as emitted by the logs', () => {
    for (const r of catalog.rules)
      expect(findingEntry(r.finding)?.parts, `${r.file}: finding ${r.finding}`).toContain('logs');
  });
});

describe.each(catalog.rules.map((r) => [r.id, r] as const))('rule %s', (id, rule) => {
  it.each(rule.examples.map((e) => [e]))('matches example %s', (example) => {
    const verdict = matchLine(example, catalog);
    expect(verdict?.ruleId, example).toBe(id);
    // A rule with by_errno yields the finding its errno names (test/logs/byErrno.test.ts pins which).
    const errnoCause = verdict?.groups.errno === undefined ? undefined : rule.byErrno.get(verdict.groups.errno);
    expect(verdict?.finding).toBe(errnoCause?.finding ?? rule.finding);
  });

  it.each(rule.nearMisses.map((e) => [e]))('does not yield near miss %s', (nearMiss) => {
    expect(matchLine(nearMiss, catalog)?.ruleId).not.toBe(id);
  });

  it('finds its examples through the prefilter of a streamed log', async () => {
    const text = `${rule.examples.join('\n')}\n`;
    const { findings, groups } = await scanLogs([{ name: `${id}.log`, stream: Readable.from([Buffer.from(text)]) }], {
      catalog,
    });
    const mine = groups.filter((g) => g.rule.id === id);
    const total =
      mine.reduce((n, g) => n + g.count, 0) + groups.reduce((n, g) => n + (g.folded.get(id)?.count ?? 0), 0);
    expect(total).toBe(rule.examples.length);
    expect(findings.every((f) => f.evidence.length >= 2 && f.evidence.every((e) => e.kind === 'log'))).toBe(true);
  });
});
