import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { scanLogs } from '../../src/logs/index.js';
import { MAX_EXAMPLES, MAX_GROUPS_PER_RULE } from '../../src/logs/aggregate.js';

/**
 * Issue 12 item 20: findings per rule and examples per finding are bounded, and the
 * report says how many lines were folded without their values listed.
 */

const stamp = '[Tue Mar 05 10:12:01.482913 2024]';
const endOfOutput = (i: number, pid = 2000 + i): string =>
  `${stamp} [core:error] [pid ${pid}:tid 1] [client 192.0.2.${i % 250}:${40000 + i}] End of script output before headers: s${i}.php\n`;
const openFailed = (script: string, i: number): string =>
  `${stamp} [proxy_fcgi:error] [pid ${3000 + i}:tid 1] [client 198.51.100.${i % 250}:${30000 + i}] AH01071: Got error 'Unable to open primary script: ${script} (No such file or directory)\\n'\n`;
const fcgidTimeout = (pid: number, client: string): string =>
  `${stamp} [fcgid:warn] [pid ${pid}:tid 1] [client ${client}] mod_fcgid: read data timeout in 40 seconds\n`;
const endOf = (pid: number, client: string): string =>
  `${stamp} [core:error] [pid ${pid}:tid 1] [client ${client}] End of script output before headers: slow.php\n`;

const source = (lines: string[]) => ({ name: 'test.log', stream: Readable.from([Buffer.from(lines.join(''))]) });

describe('bounded findings and examples', () => {
  it(`gives at most ${MAX_GROUPS_PER_RULE} group_by values a finding each, and folds the others into one that says so`, async () => {
    const n = 500;
    const { groups, findings, stats } = await scanLogs([source(Array.from({ length: n }, (_, i) => endOfOutput(i)))]);
    expect(groups).toHaveLength(MAX_GROUPS_PER_RULE + 1);
    const overflow = groups.find((g) => g.overflow);
    expect(overflow?.count).toBe(n - MAX_GROUPS_PER_RULE);
    expect(groups.filter((g) => !g.overflow).every((g) => g.count === 1)).toBe(true);
    // The overflow's first MAX_EXAMPLES scripts are listed; the lines of the rest are folded.
    expect(stats.foldedLines).toBe(n - MAX_GROUPS_PER_RULE - MAX_EXAMPLES);
    const folded = findings.find((f) => f.message.includes('and others'));
    expect(folded?.message).toBe(`The script s${MAX_GROUPS_PER_RULE}.php and others ended before sending headers`);
    expect(folded?.evidence[0]?.text).toContain(`${n - MAX_GROUPS_PER_RULE} matching lines`);
    expect(folded?.evidence[0]?.text).toContain('more script values than are listed one by one');
    expect(folded?.evidence[0]?.text).toContain(
      `script: s20.php, s21.php, s22.php, s23.php, s24.php and ${n - MAX_GROUPS_PER_RULE - MAX_EXAMPLES} more lines with other values (folded, not listed)`,
    );
  });

  it('lists up to MAX_EXAMPLES distinct values of a varying capture, and names the first "and others" in the message', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => openFailed(`/var/www/s${i % 7}.php`, i));
    const { findings, stats } = await scanLogs([source(lines)]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toBe('PHP-FPM could not open /var/www/s0.php and others: No such file or directory');
    // s5 and s6 come after five other scripts: their lines are counted, not listed.
    const past = Array.from({ length: 12 }, (_, i) => i % 7).filter((k) => k >= MAX_EXAMPLES).length;
    expect(stats.foldedLines).toBe(past);
    expect(findings[0]?.evidence[0]?.text).toContain(
      `script: /var/www/s0.php, /var/www/s1.php, /var/www/s2.php, /var/www/s3.php, /var/www/s4.php and ${past} more lines with other values`,
    );
  });

  it('keeps the exact message, and folds nothing, when every line carries the same value', async () => {
    const { findings, stats } = await scanLogs([
      source([openFailed('/srv/app/index.php', 1), openFailed('/srv/app/index.php', 2)]),
    ]);
    expect(findings[0]?.message).toBe('PHP-FPM could not open /srv/app/index.php: No such file or directory');
    expect(findings[0]?.evidence[0]?.text).not.toMatch(/folded|script:/);
    expect(stats.foldedLines).toBe(0);
  });

  it('still folds a consequence under its cause after thousands of distinct clients went by', async () => {
    const noise = Array.from({ length: 3000 }, (_, i) => fcgidTimeout(5000 + i, `203.0.113.${i % 250}:${20000 + i}`));
    const lines = [
      ...noise,
      fcgidTimeout(77, '192.0.2.7:5555'),
      endOf(77, '192.0.2.7:5555'),
      ...noise.slice(0, 30),
      endOf(5000, '203.0.113.0:20000'),
    ];
    const { groups } = await scanLogs([source(lines)]);
    const timeout = groups.find((g) => g.rule.id === 'fcgid-read-timeout');
    // The consequence right after its cause folds; one whose cause is 30 lines back does not.
    expect(timeout?.folded.get('script-end-of-output')?.count).toBe(1);
    expect(groups.find((g) => g.rule.id === 'script-end-of-output')?.count).toBe(1);
  });
});
