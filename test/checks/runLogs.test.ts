import { truncateSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { makeTempDir } from '../client/support.js';

/** Issue 12 item 14: check's reading of the ErrorLogs has its own budget, enforced. */
describe('runCheck reads the error logs within a budget', () => {
  it('stops reading a huge ErrorLog at the budget, says so, and finishes the report', async () => {
    const dir = makeTempDir('check-budget');
    try {
      const log = dir.join('error.log');
      writeFileSync(log, '');
      truncateSync(log, 50 * 1024 ** 3);
      const vhost = dir.join('site.conf');
      writeFileSync(
        vhost,
        `<VirtualHost *:80>\nServerName budget.test\nDocumentRoot ${dir.path}\nErrorLog ${log}\n</VirtualHost>\n`,
      );
      const started = Date.now();
      const report = await runCheck({
        target: vhost,
        env: {},
        offline: false,
        timeoutMs: 1000,
        logsBudgetMs: 1500,
        toolVersion: 'test',
      });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(1400);
      expect(took).toBeLessThan(6000);
      expect(report.steps.logs).toBe(true);
      expect(report.logsScanned).toEqual([log]);
      expect(
        report.notices.filter((n) =>
          n.startsWith(`stopped reading ${log} when the time was up (check reads the logs for 1.5 s at most)`),
        ),
      ).toHaveLength(1);
    } finally {
      dir.remove();
    }
  }, 20_000);
});
