import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../client/support.js';

/**
 * Issue 12 item 20: what a scanner probing random URLs leaves, a million and a half
 * `Unable to open primary script` lines that all differ (script, client), must not make
 * memory grow with the number of distinct messages (before: 2.4 GB for 4 million).
 */

const LINES = 1_500_000;
const MAX_RSS_KB = 200 * 1024;
const TIME = '/usr/bin/time';

function scannerLine(i: number): string {
  const client = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${10000 + (i % 50000)}`;
  return `[Tue Mar 05 10:12:01.482913 2024] [proxy_fcgi:error] [pid ${1000 + (i % 5000)}:tid 140523] [client ${client}] AH01071: Got error 'Unable to open primary script: /var/www/s${i}.php (No such file or directory)\\n'\n`;
}

/** Runs `logs - --format json` under /usr/bin/time, writing the lines as the child reads them. */
function runUnderTime(
  lineAt: (i: number) => string,
  count: number,
): Promise<{ code: number | null; json: string; maxRssKb: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(TIME, ['-f', 'maxrss=%M', process.execPath, BIN, 'logs', '-', '--format', 'json'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /maxrss=(\d+)/.exec(err);
      resolve({
        code,
        json: Buffer.concat(out).toString(),
        maxRssKb: rss ? Number(rss[1]) : Number.NaN,
        ms: Date.now() - started,
      });
    });
    let i = 0;
    const write = (): void => {
      while (i < count) {
        let batch = '';
        for (let k = 0; k < 2000 && i < count; k++, i++) batch += lineAt(i);
        if (!child.stdin.write(batch)) {
          child.stdin.once('drain', write);
          return;
        }
      }
      child.stdin.end();
    };
    child.stdin.on('error', reject);
    write();
  });
}

describe.skipIf(!existsSync(TIME) && !process.env['CI'])('logs memory with millions of distinct messages', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('1.5 million distinct lines: peak RSS under 200 MB, one finding that says how many were folded', async () => {
    const r = await runUnderTime(scannerLine, LINES);
    expect(r.code).toBe(1);
    expect(r.maxRssKb).toBeLessThan(MAX_RSS_KB);
    // Generous for a loaded 2-core machine; before the fix it took minutes and gigabytes.
    expect(r.ms).toBeLessThan(150_000);
    const json = JSON.parse(r.json);
    expect(json.stats.matchedLines).toBe(LINES);
    expect(json.stats.foldedLines).toBe(LINES - 5);
    expect(json.findings).toHaveLength(1);
    const [finding] = json.findings;
    expect(finding.message).toBe('PHP-FPM could not open /var/www/s0.php and others: No such file or directory');
    expect(finding.evidence[0].text).toContain(`${LINES} matching lines`);
    expect(finding.evidence[0].text).toContain(
      `script: /var/www/s0.php, /var/www/s1.php, /var/www/s2.php, /var/www/s3.php, /var/www/s4.php and ${LINES - 5} more lines with other values (folded, not listed)`,
    );
  }, 200_000);
});
