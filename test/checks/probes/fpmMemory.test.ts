import { describe, expect, it } from 'vitest';
import { fpmMemoryCheck } from '../../../src/checks/probes/fpmMemory.js';
import type { FixtureProcess } from '../../../src/system/fixture.js';
import type { MachineMemory } from '../../../src/system/index.js';
import { DEBIAN_POOL, PHP_HANDLER, probe, probeText, type Machine } from './helpers.js';

const SOCK = '/run/php/php8.2-fpm.sock';
const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';
const MIB = 1024;
const GIB = 1024 * MIB;

const site = `<VirtualHost *:80>
ServerName shop.example.org
DocumentRoot /var/www/html
${PHP_HANDLER(SOCK)}
</VirtualHost>`;

const master: FixtureProcess = {
  pid: 200,
  comm: 'php-fpm8.2',
  cmdline: ['php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)'],
  memory: { kb: 20 * MIB },
};
const worker = (pid: number, kb: number, extra: Partial<FixtureProcess> = {}): FixtureProcess => ({
  pid,
  ppid: 200,
  comm: 'php-fpm8.2',
  cmdline: ['php-fpm: pool www'],
  uid: 33,
  gid: 33,
  memory: { kb },
  ...extra,
});

const poolWith = (maxChildren: number, more = '') =>
  DEBIAN_POOL[POOL_FILE].replace('pm.max_children = 5', `pm.max_children = ${maxChildren}`) + more;

function run(opts: {
  maxChildren: number;
  workers: FixtureProcess[];
  memory?: MachineMemory | 'hidden';
  files?: Record<string, string>;
  processes?: FixtureProcess[];
}) {
  const machine: Machine = {
    files: { ...DEBIAN_POOL, [POOL_FILE]: poolWith(opts.maxChildren), ...(opts.files ?? {}) },
    processes: [master, ...opts.workers, ...(opts.processes ?? [])],
  };
  if (opts.memory) machine.memory = opts.memory;
  return probe(site, machine, { checks: [fpmMemoryCheck] });
}

const FOUR_GIB: MachineMemory = { totalKb: 4 * GIB, availableKb: 3 * GIB };

describe('fpm-max-children-exceeds-memory (fpmMemoryCheck)', () => {
  it('200 children of 60 MiB on a 4 GiB machine: fires at the pm.max_children line, with the arithmetic and a value that fits', async () => {
    const r = await run({
      maxChildren: 200,
      workers: [worker(201, 40 * MIB), worker(202, 60 * MIB)],
      memory: FOUR_GIB,
    });
    expect(r.findings.map((f) => [f.id, f.severity, f.location?.file, f.location?.line])).toEqual([
      ['fpm-max-children-exceeds-memory', 'warning', POOL_FILE, 8],
    ]);
    const f = r.findings[0]!;
    // The largest worker, not the smallest: 200 × 60 MiB.
    expect(f.message).toContain('its largest live worker takes 60 MiB (PSS)');
    expect(f.message).toContain('11.7 GiB');
    const evidence = probeText(f);
    expect(evidence).toContain(`${POOL_FILE}:8: pm.max_children = 200`);
    expect(evidence).toContain('the largest pid 202 at 60 MiB (PSS, /proc/PID/smaps_rollup');
    expect(evidence).toContain('200 × 60 MiB = 11.7 GiB');
    expect(evidence).toContain('MemTotal 4 GiB, MemAvailable 3 GiB');
    // 3 GiB available + 100 MiB the workers hold = 3172 MiB; ÷ 60 MiB = 52.
    expect(f.fix).toContain('set "pm.max_children = 52"');
    expect(f.fix).toContain(
      '3.1 GiB for PHP = 3 GiB available now + 100 MiB its workers already use; 3.1 GiB ÷ 60 MiB per worker = 52',
    );
    expect(f.setup).toBeDefined();
  });

  it('quiet: the Debian default pool (5 children of 30 MiB) on the same machine', async () => {
    const r = await run({ maxChildren: 5, workers: [worker(201, 30 * MIB), worker(202, 28 * MIB)], memory: FOUR_GIB });
    expect(r.findings).toEqual([]);
    expect(r.notices.join('\n')).not.toContain('not measured');
  });

  it('quiet, "not measured": no worker running (ondemand at rest)', async () => {
    const r = await run({ maxChildren: 100000, workers: [], memory: FOUR_GIB });
    expect(r.findings).toEqual([]);
    expect(r.notices.join('\n')).toContain(
      'PHP-FPM pool [www] (/etc/php/8.2/fpm/pool.d/www.conf): no worker running, so its memory was not measured.',
    );
  });

  it('quiet, "not measured": /proc/meminfo is not readable', async () => {
    const r = await run({ maxChildren: 100000, workers: [worker(201, 60 * MIB)], memory: 'hidden' });
    expect(r.findings).toEqual([]);
    expect(r.notices.join('\n')).toContain("The machine's memory is not readable");
  });

  it('quiet, "not measured": the workers\' /proc entries are hidden', async () => {
    const r = await run({ maxChildren: 100000, workers: [worker(201, 0, { memory: 'hidden' })], memory: FOUR_GIB });
    expect(r.findings).toEqual([]);
    expect(r.notices.join('\n')).toContain("its workers' memory is not readable");
  });

  it('quiet: no master runs with this configuration (the pool file alone says nothing of its workers)', async () => {
    const r = await run({
      maxChildren: 100000,
      workers: [],
      memory: FOUR_GIB,
      // A worker of another master, same pool name.
      processes: [worker(301, 60 * MIB, { ppid: 300 })],
    });
    expect(r.findings).toEqual([]);
  });

  it('RSS only: a figure just past the memory stays quiet (RSS counts shared pages in full); far past it fires, saying RSS', async () => {
    const rss = (kb: number) => worker(201, kb, { memory: { kb, measure: 'rss' } });
    // 80 × 60 MiB = 4.7 GiB on 4 GiB: past it, but not by half again.
    const near = await run({ maxChildren: 80, workers: [rss(60 * MIB)], memory: FOUR_GIB });
    expect(near.findings).toEqual([]);
    const far = await run({ maxChildren: 200, workers: [rss(60 * MIB)], memory: FOUR_GIB });
    expect(far.findings).toHaveLength(1);
    expect(probeText(far.findings[0]!)).toContain('RSS, VmRSS of /proc/PID/status: shared pages counted in full');
  });

  it('two pools serving the checked sites that each fit but not together: the sum fires, and each pool gets its share', async () => {
    const second = '/etc/php/8.2/fpm/pool.d/api.conf';
    const api = (max: number) =>
      `[api]\nuser = www-data\ngroup = www-data\nlisten = /run/php/api.sock\npm = static\npm.max_children = ${max}\n`;
    const twoSites = `${site}\n<VirtualHost *:80>\nServerName api.example.org\nDocumentRoot /var/www/api\n${PHP_HANDLER('/run/php/api.sock')}\n</VirtualHost>`;
    const runTwo = (max: number) =>
      probe(
        twoSites,
        {
          files: { ...DEBIAN_POOL, [POOL_FILE]: poolWith(max), [second]: api(max) },
          processes: [master, worker(201, 50 * MIB), worker(211, 50 * MIB, { cmdline: ['php-fpm: pool api'] })],
          memory: FOUR_GIB,
        },
        { checks: [fpmMemoryCheck] },
      );
    // 40 × 50 MiB = 2 GiB each: 3.9 GiB together on a machine of 4 GiB, not past it.
    expect((await runTwo(40)).findings).toEqual([]);
    // 60 × 50 MiB = 2.9 GiB each, 5.9 GiB together: each pool gets a finding at its own line.
    const big = await runTwo(60);
    expect(big.findings.map((f) => f.location?.file)).toEqual([POOL_FILE, second]);
    const f = big.findings[0]!;
    expect(f.message).toContain(
      'Together with the other pools serving these sites ([api] 60 × 50 MiB) PHP-FPM may take 5.9 GiB',
    );
    expect(probeText(f)).toContain(`${second}:6: pm.max_children = 60 (pool [api])`);
    // (3 GiB + 100 MiB) / 2 = 1586 MiB for each ÷ 50 MiB = 31.
    expect(f.fix).toContain('set "pm.max_children = 31"');
    expect(f.fix).toContain('[api] 31');
  });

  it("scope: a huge pool no checked site uses does not make the served pool's check fire", async () => {
    const other = '/etc/php/8.2/fpm/pool.d/other.conf';
    const r = await run({
      maxChildren: 5,
      workers: [worker(201, 50 * MIB)],
      memory: FOUR_GIB,
      files: {
        [other]:
          '[other]\nuser = www-data\ngroup = www-data\nlisten = /run/php/other.sock\npm = static\npm.max_children = 100000\n',
      },
      processes: [worker(221, 50 * MIB, { cmdline: ['php-fpm: pool other'] })],
    });
    expect(r.findings).toEqual([]);
  });
});
