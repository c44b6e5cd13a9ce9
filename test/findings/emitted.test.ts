/**
 * What the tool really emits, run over the repository's fixtures: every
 * finding must carry a registered id, at the id's default severity or one the
 * registry names for a case (`also`). This catches what the static scan of
 * registry.test.ts cannot see: ids and severities set at run time.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { findingEntry } from '../../src/findings/ids.js';
import { captureIO, ROOT } from '../client/support.js';

interface Emitted {
  id: string;
  severity: 'error' | 'warning' | 'info';
}

async function findingsOf(args: string[]): Promise<Emitted[]> {
  const io = captureIO();
  await main([...args, '--format', 'json'], io);
  return (JSON.parse(io.stdoutText) as { findings: Emitted[] }).findings;
}

/** Why a finding breaks the registry, or undefined. */
function problem(f: Emitted): string | undefined {
  const e = findingEntry(f.id);
  if (!e) return `${f.id}: not registered`;
  if (f.severity !== e.severity && !e.also?.[f.severity])
    return `${f.id}: ${f.severity}, the registry says ${e.severity}`;
  return undefined;
}

describe('findings emitted over the fixtures', () => {
  it('carry registered ids at registered severities', { timeout: 120_000 }, async () => {
    const emitted: Array<Emitted & { from: string }> = [];
    const apache = join(ROOT, 'fixtures', 'apache');
    for (const name of readdirSync(apache)) {
      const conf = join(apache, name, 'httpd.conf');
      if (existsSync(conf))
        for (const f of await findingsOf(['check', '--offline', conf])) emitted.push({ ...f, from: conf });
    }
    for (const name of readdirSync(join(ROOT, 'fixtures', 'seed'))) {
      const vhost = join(ROOT, 'fixtures', 'seed', name);
      if (name.endsWith('-vhost'))
        for (const f of await findingsOf(['check', '--offline', vhost])) emitted.push({ ...f, from: vhost });
    }
    const logs = join(ROOT, 'fixtures', 'logs');
    for (const name of readdirSync(logs).filter((n) => n !== 'README.md')) {
      for (const f of await findingsOf(['logs', join(logs, name)])) emitted.push({ ...f, from: name });
    }
    // The run must see a fair share of ids, or this test checks nothing.
    expect(new Set(emitted.map((f) => f.id)).size).toBeGreaterThan(10);
    expect(emitted.flatMap((f) => (problem(f) ? [`${f.from}: ${problem(f)}`] : []))).toEqual([]);
  });

  it('tells a bad finding from a good one', () => {
    expect(problem({ id: 'socket-missing', severity: 'error' })).toBeUndefined();
    expect(problem({ id: 'proxy-url-invalid', severity: 'warning' })).toBeUndefined();
    expect(problem({ id: 'socket-missing', severity: 'info' })).toMatch(/registry says error/);
    expect(problem({ id: 'made-up', severity: 'error' })).toMatch(/not registered/);
  });
});
