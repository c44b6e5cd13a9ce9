import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseSince, rotatedLogPaths, scanLogs, type MatchGroup } from '../../src/logs/index.js';
import { noticeForError } from '../../src/logs/notices.js';

const fixture = (name: string): string => new URL(`../../fixtures/logs/${name}`, import.meta.url).pathname;
const summary = (groups: MatchGroup[]): Record<string, number> =>
  Object.fromEntries(
    groups.map((g) => [`${g.rule.id}${g.rule.groupBy.map((k) => `:${g.groups[k] ?? ''}`).join('')}`, g.count]),
  );
const stream = (name: string, ...chunks: (string | Buffer)[]) => ({
  name,
  stream: Readable.from(chunks.map((c) => Buffer.from(c))),
});

describe('scanLogs on realistic logs', () => {
  it('finds exactly the FastCGI lines of a mostly-noise Apache log, folding consequences', async () => {
    const { findings, groups, notices, stats } = await scanLogs([{ path: fixture('mixed-noise.log') }]);
    expect(notices).toEqual([]);
    expect(stats.lines).toBe(200);
    expect(summary(groups)).toEqual({
      'proxy-fcgi-primary-script-unknown': 4,
      'proxy-fcgi-socket-missing:/run/php/php8.2-fpm.sock': 3,
      'fcgid-read-timeout': 2,
      'php-fatal-error': 1,
      // the one End of script output with no cause before it stands alone
      'script-end-of-output:cron.php': 1,
    });
    const byRule = new Map(groups.map((g) => [g.rule.id, g]));
    expect(byRule.get('proxy-fcgi-socket-missing')?.folded.get('proxy-fcgi-backend-connect-failed')?.count).toBe(3);
    expect(byRule.get('fcgid-read-timeout')?.folded.get('script-end-of-output')?.count).toBe(2);
    expect(findings.map((f) => f.id).sort()).toEqual([
      'app-stderr',
      'backend-bad-response',
      'backend-timeout',
      'primary-script-unknown',
      'socket-missing',
    ]);
    const missing = findings.find((f) => f.id === 'socket-missing');
    expect(missing?.message).toBe('The FastCGI socket /run/php/php8.2-fpm.sock does not exist');
    expect(missing?.location).toEqual({ file: fixture('mixed-noise.log'), line: 21 });
    expect(missing?.evidence[0]?.text).toMatch(
      /^3 matching lines in .*mixed-noise\.log, first seen 2024-03-05 10:00:20, last seen 2024-03-05 10:01:10; followed 3× by/,
    );
    expect(missing?.evidence).toHaveLength(4);
    expect(missing?.fix).toContain('listen');
    // Noise (AH00558, authz denials, TLS warnings, access-log lines, mod_php warnings) yields nothing.
    expect(
      findings.every((f) =>
        f.evidence.slice(1).every((e) => !/AH00558|AH01630|AH01909|authz_core|\[php:/.test(e.text)),
      ),
    ).toBe(true);
  });

  it('reads PHP-FPM master logs, one finding per pool', async () => {
    const { groups } = await scanLogs([{ path: fixture('php-fpm-max-children.log') }]);
    expect(summary(groups)).toEqual({
      'fpm-child-crashed:www': 1,
      'fpm-request-timeout:www': 1,
      'fpm-max-children:www': 3,
      'fpm-seems-busy:www': 2,
      'fpm-child-killed:www': 1,
      'fpm-max-children:api': 1,
      'fpm-slow-request:www': 1,
    });
  });

  it('joins nginx stderr records that span physical lines and matches their content', async () => {
    const { groups, stats } = await scanLogs([{ path: fixture('nginx-multiline-stderr.log') }]);
    expect(summary(groups)).toEqual({
      'php-fatal-error': 1,
      'fpm-primary-script-unknown': 1,
      'php-warning': 1,
      'nginx-fastcgi-socket-missing:unix:/run/php/php8.2-fpm.sock': 1,
    });
    const fatal = groups.find((g) => g.rule.id === 'php-fatal-error');
    expect(fatal?.samples[0]?.split('\n')).toHaveLength(7);
    expect(fatal?.groups['text']).toMatch(/^Uncaught TypeError: count\(\)/);
    expect([...(fatal?.sources.values() ?? [])][0]?.firstLine).toBe(3);
    expect(stats.lines).toBe(16);
  });

  it('strips container prefixes', async () => {
    const { groups } = await scanLogs([{ path: fixture('docker-compose.log') }]);
    expect(summary(groups)).toEqual({
      'fpm-primary-script-unknown': 1,
      'nginx-fastcgi-timeout': 1,
      'fpm-max-children:www': 1,
    });
  });

  it('reads gzip-rotated logs and merges counts across files', async () => {
    const { groups, stats } = await scanLogs([
      { path: fixture('apache-error.log.2.gz') },
      { path: fixture('mixed-noise.log') },
    ]);
    expect(stats.sources).toBe(2);
    expect(summary(groups)['proxy-fcgi-read-header-failed']).toBe(2);
  });

  it('keeps a multi-line record that straddles two chunks', async () => {
    const text = readFileSync(fixture('nginx-multiline-stderr.log'), 'utf8');
    const cut = text.indexOf('Stack trace:');
    const { groups } = await scanLogs([stream('split.log', text.slice(0, cut), text.slice(cut))]);
    expect(summary(groups)['php-fatal-error']).toBe(1);
  });
});

describe('--since', () => {
  it('parses durations and dates', () => {
    const now = new Date(2026, 10, 20, 12, 0, 0);
    expect(parseSince('2h', now)).toEqual(new Date(2026, 10, 20, 10, 0, 0));
    expect(parseSince('30m', now)).toEqual(new Date(2026, 10, 20, 11, 30, 0));
    expect(parseSince('7d', now)).toEqual(new Date(2026, 10, 13, 12, 0, 0));
    expect(parseSince('2026-11-20', now)).toEqual(new Date(2026, 10, 20));
    expect(() => parseSince('yesterday', now)).toThrow(/invalid --since/);
    // A duration past what a date holds is refused, not an invalid date that silently skips every line.
    expect(() => parseSince('99999999999d', now)).toThrow(/further back than a date can/);
  });

  it('skips lines older than since, by their envelope time', async () => {
    const { groups, stats } = await scanLogs([{ path: fixture('php-fpm-max-children.log') }], {
      since: new Date(2024, 2, 5, 10, 0, 0),
    });
    expect(summary(groups)).toEqual({
      'fpm-max-children:www': 2,
      'fpm-max-children:api': 1,
      'fpm-child-crashed:www': 1,
    });
    expect(stats.skippedBySince).toBe(6);
  });
});

describe('unreadable and hostile input', () => {
  it('turns a missing log into a notice and goes on', async () => {
    const { notices, groups } = await scanLogs([
      { path: '/nonexistent/error.log' },
      { path: fixture('docker-compose.log') },
    ]);
    expect(notices).toEqual([
      { source: '/nonexistent/error.log', code: 'missing', message: expect.stringContaining('does not exist') },
    ]);
    expect(groups.length).toBe(3);
  });

  it('says what to do about a log the user may not read', async () => {
    const n = await noticeForError(
      '/var/log/apache2/error.log',
      Object.assign(new Error('EACCES'), { code: 'EACCES' }),
    );
    expect(n.code).toBe('unreadable');
    expect(n.message).toContain('/var/log/apache2/error.log');
    expect(n.message).toMatch(/sudo/);
    expect(n.message).toMatch(/group/);
  });

  it('reads past a 10 MB line without holding it, and reports it', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const chunks = [
      '[05-Mar-2024 10:00:00] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it\n',
      ...Array(10).fill(big),
      '\n',
      '[05-Mar-2024 10:00:01] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it\n',
    ];
    const { groups, notices, stats } = await scanLogs([stream('long.log', ...chunks)]);
    expect(summary(groups)).toEqual({ 'fpm-max-children:www': 2 });
    expect(stats.truncatedLines).toBe(1);
    expect(notices[0]?.code).toBe('long-lines');
  });

  it('survives binary garbage', async () => {
    const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 2654435761) % 256));
    const { notices } = await scanLogs([{ name: 'garbage.bin', stream: Readable.from([bytes]) }]);
    expect(notices).toEqual([]);
  });
});

describe('rotatedLogPaths', () => {
  it('lists rotated siblings oldest first, live file last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fcgi-rot-'));
    try {
      for (const n of ['error.log', 'error.log.1', 'error.log.2.gz', 'error.log.10.gz', 'access.log', 'error.log.bak'])
        writeFileSync(join(dir, n), '');
      writeFileSync(join(dir, 'error.log.3.gz'), gzipSync(''));
      expect(await rotatedLogPaths(join(dir, 'error.log'))).toEqual(
        ['error.log.10.gz', 'error.log.3.gz', 'error.log.2.gz', 'error.log.1', 'error.log'].map((n) => join(dir, n)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
