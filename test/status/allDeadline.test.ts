/**
 * status --all's deadline (src/status/all.ts): twenty stuck pools (servers that
 * accept and never answer, as a pool whose every worker is busy) are read at
 * once, so the whole read costs one --timeout, not one per pool nor one per
 * batch of them, and each is failed alone.
 */
import { describe, expect, it } from 'vitest';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import { memoryFpmFileReader } from '../../src/fpm/index.js';
import { readAllPools } from '../../src/status/all.js';
import { fpmSources, machinePools } from '../../src/status/machine.js';
import { hostileServer } from '../client/support.js';

describe('status --all on twenty stuck pools', () => {
  it('costs one timeout, and every pool is failing with its own read', async () => {
    const servers = await Promise.all(Array.from({ length: 20 }, () => hostileServer({ tcp: true }, () => undefined)));
    try {
      const files: Record<string, string> = { '/a/fpm.conf': '[global]\ninclude = /a/pools/*.conf\n' };
      servers.forEach((s, i) => {
        files[`/a/pools/p${String(i).padStart(2, '0')}.conf`] =
          `[p${i}]\nuser = www-data\nlisten = ${s.address}\npm = static\npm.max_children = 2\npm.status_path = /status\n`;
      });
      const reader = memoryFpmFileReader(files);
      const { pools } = machinePools(reader, fpmSources(reader, [], ['/a/fpm.conf']));
      expect(pools).toHaveLength(20);
      const started = Date.now();
      const rows = await readAllPools(
        pools,
        { timeoutMs: 500, thresholds: {} },
        { describeClientError: findingForClientError },
      );
      // In batches of 16 this took two timeouts (1000 ms); one by one, ten seconds.
      expect(Date.now() - started).toBeLessThan(950);
      expect(rows.every((r) => r.state === 'failing')).toBe(true);
      expect(new Set(rows.map((r) => r.pool.name)).size).toBe(20);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
