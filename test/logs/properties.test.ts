import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog, matchLine, parseEnvelope, scanLogs } from '../../src/logs/index.js';

const catalog = loadCatalog();
const examples = catalog.rules.flatMap((r) => r.examples);

describe('the matcher never crashes', () => {
  it('on random lines, mutated examples included', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc
        .tuple(fc.constantFrom(...examples), fc.nat(), fc.string({ maxLength: 20 }))
        .map(([e, at, s]) => e.slice(0, at % (e.length + 1)) + s + e.slice(at % (e.length + 1))),
    );
    fc.assert(
      fc.property(line, (l) => {
        parseEnvelope(l);
        const v = matchLine(l, catalog);
        if (v) expect(catalog.get(v.ruleId)).toBeDefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('on random bytes in random chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 8 }),
        fc.constantFrom(...examples),
        async (chunks, example) => {
          const pieces = [...chunks.map((c) => Buffer.from(c)), Buffer.from(`\n${example}\n`)];
          const { stats, notices } = await scanLogs([{ name: 'random', stream: Readable.from(pieces) }], {
            catalog,
            maxLineBytes: 1024,
          });
          expect(notices.every((n) => n.code === 'long-lines')).toBe(true);
          // The catalog example on its own line matches whatever noise came before it.
          expect(stats.matchedLines).toBeGreaterThanOrEqual(1);
          expect(stats.matchedLines).toBeLessThanOrEqual(stats.lines);
        },
      ),
      { numRuns: 150 },
    );
  });
});

// A safety property, not a benchmark: no pattern may go quadratic (or worse) on a long
// line built from near-matching text.
describe('no pattern is catastrophic', () => {
  const MB = 1024 * 1024;
  const nearMisses = (example: string): string[] => {
    const head = example.slice(0, Math.max(1, Math.floor(example.length * 0.8)));
    const repeat = (unit: string): string => unit.repeat(Math.ceil(MB / Math.max(1, unit.length))).slice(0, MB);
    return [
      repeat(head),
      repeat(head.replace(/\s/g, 'x')),
      head + repeat('a'),
      head + repeat(' '),
      repeat(example.slice(0, -1)),
    ];
  };
  it.each(catalog.rules.map((r) => [r.id, r] as const))('%s on 1 MB lines', (_, rule) => {
    for (const line of rule.examples.flatMap(nearMisses)) {
      for (const re of rule.patterns) {
        const start = performance.now();
        re.exec(line);
        const ms = performance.now() - start;
        expect(ms, `${re.source} on a line starting ${JSON.stringify(line.slice(0, 60))}`).toBeLessThan(1000);
      }
    }
  });
});
