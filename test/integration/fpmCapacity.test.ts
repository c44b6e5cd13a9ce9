/**
 * fpm-max-children-exceeds-memory on a real Apache and a real PHP-FPM (the
 * installed version): the workers are measured live in /proc (PSS as root,
 * else RSS) and multiplied by the pool's pm.max_children, against this
 * machine's /proc/meminfo. A pool that may start 100000 workers (pm = dynamic,
 * two started) passes any test machine's memory; the harness's default pool
 * (two workers) fits in any. Missing servers skip locally, fail on CI.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbes } from '../../src/checks/probes/index.js';
import { runCheck } from '../../src/checks/run.js';
import { liveSystem } from '../../src/system/index.js';
import { startApache } from './harness/apache.js';
import { startPhpFpm, type StartPhpFpmOptions } from './harness/phpFpm.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';
import { waitFor } from './harness/waitFor.js';

const has = (b: { name: string; path: string; pkg: string }) => requireBinary(b.name, b.path, b.pkg);
const haveFpm = has(BINARIES.apache) && has(BINARIES.modProxyFcgi) && has(BINARIES.phpFpm);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const handler = (sock: string) =>
  `<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`;

/** The master's workers ("php-fpm: pool www", children of `pid`), from /proc. */
function workersOf(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children === '' ? [] : children.split(/\s+/).map(Number);
}

async function checked(pool: StartPhpFpmOptions, workers: number) {
  const fpm = await startPhpFpm(pool);
  cleanups.push(() => fpm.stop());
  // pm.start_servers are forked once the master runs its event loop.
  await waitFor(() => workersOf(fpm.pid).length >= workers, { what: `${workers} php-fpm workers`, timeoutMs: 10_000 });
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  const apache = await startApache({ modules: ['proxy_fcgi'], config: handler(sock) });
  cleanups.push(() => apache.stop());
  const system = liveSystem({ fpmConfigs: [fpm.confPath] });
  const report = await runCheck(
    { root: apache.confPath, env: {}, offline: false, timeoutMs: 5000, toolVersion: 'test' },
    (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: 2000 }),
  );
  return { report, fpm };
}

const memTotalKb = () => Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);

describe.skipIf(!haveFpm)('fpm-max-children-exceeds-memory on a real PHP-FPM', () => {
  it('pm.max_children = 100000 with two live workers: fires at the pool line, with the figure per worker and MemTotal', async () => {
    const { report, fpm } = await checked(
      { pm: 'dynamic', maxChildren: 100000, startServers: 2, minSpareServers: 1, maxSpareServers: 2 },
      2,
    );
    expect(report.internalErrors).toEqual([]);
    const f = report.findings.filter((x) => x.id === 'fpm-max-children-exceeds-memory');
    expect(f).toHaveLength(1);
    const finding = f[0]!;
    expect(finding.severity).toBe('warning');
    expect(finding.location?.file).toBe(fpm.poolConfPath);
    const lines = readFileSync(fpm.poolConfPath, 'utf8').split('\n');
    expect(lines[(finding.location?.line ?? 0) - 1]).toBe('pm.max_children = 100000');
    const evidence = finding.evidence.map((e) => e.text).join('\n');
    expect(evidence).toContain(`${fpm.poolConfPath}:${finding.location?.line}: pm.max_children = 100000`);
    // Root reads smaps_rollup; another user reads the workers' VmRSS (they run as www-data).
    const measure = process.getuid?.() === 0 ? 'PSS' : 'RSS';
    expect(evidence).toMatch(
      new RegExp(`2 live workers under master pid ${fpm.pid}, the largest pid \\d+ at [\\d.]+ [KMG]iB \\(${measure}`),
    );
    expect(evidence).toMatch(/^\/proc\/meminfo: MemTotal [\d.]+ GiB, MemAvailable/m);
    // The value it proposes fits: fewer children than asked, at least one.
    const proposed = Number(/set "pm\.max_children = (\d+)"/.exec(finding.fix ?? '')?.[1]);
    expect(proposed).toBeGreaterThanOrEqual(1);
    expect(proposed).toBeLessThan(100000);
    expect(proposed * 1024).toBeLessThan(memTotalKb()); // at least 1 MiB a worker
  });

  it('the harness\'s default pool (pm = static, two children): quiet, and measured (no "not measured" notice)', async () => {
    const { report } = await checked({}, 2);
    expect(report.internalErrors).toEqual([]);
    expect(report.findings.filter((x) => x.id === 'fpm-max-children-exceeds-memory')).toEqual([]);
    expect(report.notices.join('\n')).not.toMatch(/memory was not measured|memory is not readable/);
  });
});
