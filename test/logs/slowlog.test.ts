/**
 * A pool's slowlog is made of multi-line entries (sapi/fpm/fpm/fpm_php_trace.c:
 * a blank line, the head "[date]  [pool NAME] pid PID", script_filename, one line
 * per frame): the scanner joins each entry so that fpm-slowlog-entry names the
 * script and the innermost frame, and bounds what one entry may hold.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/logs/aggregate.js';
import { loadCatalog, parseEnvelope, scanLogs } from '../../src/logs/index.js';

const catalog = loadCatalog();

/** Two entries as a real PHP-FPM 8.2 wrote them (request_slowlog_timeout = 1s), then one whose stack could not be read. */
const SLOWLOG = [
  '',
  '[06-Dec-2026 17:39:33]  [pool www] pid 17939',
  'script_filename = /srv/www/slow.php',
  '[0x00007f228ea150e0] sleep() /srv/www/slow.php:3',
  '[0x00007f228ea15080] wait_a_bit() /srv/www/slow.php:5',
  '',
  '[06-Dec-2026 17:39:35]  [pool www] pid 17939',
  'script_filename = /srv/www/slow.php',
  '[0x00007f228ea130c0] sleep() /srv/www/slow.php:3',
  '[0x00007f228ea13070] wait_a_bit() /srv/www/slow.php:5',
  '',
  '[06-Dec-2026 17:40:01]  [pool api] pid 18001',
  'script_filename = /srv/api/index.php',
  '+++ dump failed',
  '',
].join('\n');

async function scan(text: string, blocks = 1) {
  // Split across blocks at arbitrary places: an entry may straddle two reads.
  const size = Math.ceil(text.length / blocks);
  const chunks: Buffer[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)));
  return scanLogs([{ name: 'www.slow.log', stream: Readable.from(chunks) }], { catalog });
}

describe('slowlog entries (fpm-slowlog-entry)', () => {
  it('the head line alone is a php-fpm envelope with its time and pid', () => {
    const env = parseEnvelope('[06-Dec-2026 17:39:33]  [pool www] pid 17939');
    expect(env).toMatchObject({ format: 'php-fpm', level: 'slowlog', pid: '17939', message: '[pool www] pid 17939' });
    expect(env.timestamp?.getDate()).toBe(6);
  });

  it.each([1, 3, 7])(
    'joins each entry (read in %i blocks): one finding per pool and script, naming the top frame',
    async (blocks) => {
      const { findings, groups, stats } = await scan(SLOWLOG, blocks);
      const mine = groups.filter((g) => g.rule.id === 'fpm-slowlog-entry');
      expect(mine.map((g) => [g.groups['pool'], g.groups['script'], g.groups['frame'], g.count])).toEqual([
        ['www', '/srv/www/slow.php', 'sleep() /srv/www/slow.php:3', 2],
        ['api', '/srv/api/index.php', '+++ dump failed', 1],
      ]);
      expect(findings.map((f) => [f.id, f.message])).toEqual([
        ['slow-request', 'Slow request in pool www: /srv/www/slow.php, at sleep() /srv/www/slow.php:3'],
        ['slow-request', 'Slow request in pool api: /srv/api/index.php, at +++ dump failed'],
      ]);
      expect(stats.matchedLines).toBe(3);
    },
  );

  it('--since: an entry is dated by its head, and older entries are left out whole', async () => {
    const since = new Date(2026, 11, 6, 17, 39, 34);
    const { groups, stats } = await scanLogs(
      [{ name: 'www.slow.log', stream: Readable.from([Buffer.from(SLOWLOG)]) }],
      {
        catalog,
        since,
      },
    );
    const mine = groups.filter((g) => g.rule.id === 'fpm-slowlog-entry');
    expect(mine.map((g) => [g.groups['pool'], g.count])).toEqual([
      ['www', 1],
      ['api', 1],
    ]);
    expect(stats.skippedBySince).toBe(1);
  });

  it('a head without script_filename (FPM could not read the worker) matches nothing', async () => {
    const { groups } = await scan('\n[06-Dec-2026 17:39:33]  [pool www] pid 1\n+++ dump failed\n');
    expect(groups.filter((g) => g.rule.id === 'fpm-slowlog-entry')).toEqual([]);
  });

  it('an entry of thousands of frames is cut (bounded), and the entries after it are still read', async () => {
    const frames = Array.from(
      { length: 5000 },
      (_, i) => `[0x00007f228ea1${String(i).padStart(4, '0')}] f${i}() /srv/deep.php:${i}`,
    );
    const text = `\n[06-Dec-2026 17:39:33]  [pool www] pid 1\nscript_filename = /srv/deep.php\n${frames.join('\n')}\n${SLOWLOG}`;
    const { groups } = await scan(text, 4);
    const mine = groups.filter((g) => g.rule.id === 'fpm-slowlog-entry');
    const seen = mine.map((g) => [g.groups['script'], g.groups['frame'], g.count]);
    expect(seen).toHaveLength(3);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['/srv/deep.php', 'f0() /srv/deep.php:0', 1],
        ['/srv/www/slow.php', 'sleep() /srv/www/slow.php:3', 2],
        ['/srv/api/index.php', '+++ dump failed', 1],
      ]),
    );
  });

  it('the error_log line "executing too slow" stays fpm-slow-request', async () => {
    const line =
      '[06-Dec-2026 17:39:33] WARNING: [pool www] child 17939, script \'/srv/www/slow.php\' (request: "GET /slow.php") executing too slow (1.323862 sec), logging\n';
    const { groups } = await scan(line);
    expect(groups.map((g) => g.rule.id)).toEqual(['fpm-slow-request']);
  });
});

describe('interpolate', () => {
  it('tidies what an absent placeholder leaves, never a captured value', () => {
    expect(interpolate('Pool {pool} reached ({limit})', { pool: 'www' })).toBe('Pool www reached');
    expect(interpolate('at {frame}', { frame: 'sleep() /srv/x.php:3' })).toBe('at sleep() /srv/x.php:3');
    expect(interpolate('{a} ({b})', { a: 'x  ( )', b: '' })).toBe('x  ( )');
  });
});
