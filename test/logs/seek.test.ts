import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { loadCatalog, parseEnvelope, rotatedLogSources, scanLogs, type ScanResult } from '../../src/logs/index.js';
import { planSeek, SEEK_MARGIN_MS } from '../../src/logs/seek.js';
import { makeTempDir } from '../client/support.js';
import {
  apacheNoise,
  apacheTime,
  fpmTime,
  nginxTime,
  scriptUnknown,
  socketMissing,
  writeBigLog,
} from './support/datedLog.js';

/**
 * Issue 12 item 14, the gap left: check reads each ErrorLog under a budget, and used to read
 * it from its start, so the budget cut the NEWEST part of a big log — what `--since` asks
 * for. A plain log is now entered at its first line since that time, found by bisection.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const catalog = loadCatalog();

describe('check reads the newest lines of a big ErrorLog first', () => {
  it("finds today's error at the end of a 400 MB log of old errors, within a 1 s budget", async () => {
    const dir = makeTempDir('seek-check');
    try {
      const now = Date.now();
      const log = dir.join('error.log');
      writeBigLog({
        path: log,
        bytes: 400 * 1024 * 1024,
        from: new Date(now - 60 * DAY),
        to: new Date(now - 2 * DAY),
        tail: [
          apacheNoise(new Date(now - 2 * HOUR)),
          socketMissing(new Date(now - 10 * 60_000)),
          apacheNoise(new Date(now - 60_000)),
        ],
      });
      const vhost = dir.join('site.conf');
      writeFileSync(
        vhost,
        `<VirtualHost *:80>\nServerName seek.test\nDocumentRoot ${dir.path}\nErrorLog ${log}\n</VirtualHost>\n`,
      );
      const started = Date.now();
      const report = await runCheck({
        target: vhost,
        env: {},
        offline: false,
        timeoutMs: 1000,
        logsBudgetMs: 1000,
        since: new Date(now - DAY),
        toolVersion: 'test',
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(report.steps.logs).toBe(true);
      expect(report.notices.filter((n) => n.includes(log))).toEqual([]);
      const fromLog = report.findings.filter((f) => f.location?.file === log);
      expect(fromLog.map((f) => f.id)).toEqual(['socket-missing']);
      // The lines before the one found were passed over: its line number is not known.
      expect(fromLog[0]?.location).toEqual({ file: log });
      expect(fromLog[0]?.evidence.map((e) => e.text).join('\n')).toContain('/run/php/php8.2-fpm.sock');
    } finally {
      dir.remove();
    }
  }, 120_000);
});

describe('a log whose times cannot be read', () => {
  // A time format the envelope parsers do not know; the text still passes the prefilter.
  const undated = (i: number): string => `app 06.12.2026-${i} Got error 'Primary script unknown' from the backend`;

  it('is read from its start, and when the time runs out the notice says its newest part was not read', async () => {
    const dir = makeTempDir('seek-undated');
    try {
      const log = dir.join('error.log');
      writeBigLog({
        path: log,
        bytes: 200 * 1024 * 1024,
        from: new Date(0),
        to: new Date(0),
        tail: [],
        oldLine: (_, i) => undated(i),
      });
      const result = await scanLogs([{ path: log }], {
        catalog,
        since: new Date(Date.now() - DAY),
        deadline: Date.now() + 300,
        deadlineName: 'a 0.3 s budget',
      });
      const notices = result.notices.filter((n) => n.code === 'deadline');
      expect(notices).toHaveLength(1);
      expect(notices[0]?.message).toMatch(/^stopped reading .* when the time was up \(a 0\.3 s budget\)/);
      expect(notices[0]?.message).toMatch(
        /the line times in .*error\.log could not be read, so it was read from its start and its newest [\d.]+ [KMG]iB \(of 200 MiB\) were not read: recent errors may be missing/,
      );
      expect(result.stats.bytes).toBeLessThan(200 * 1024 * 1024);
      expect(result.stats.bytesSkippedBySince).toBeUndefined();
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('read whole within the time: no notice', async () => {
    const dir = makeTempDir('seek-undated-small');
    try {
      const log = dir.join('error.log');
      writeFileSync(log, Array.from({ length: 2000 }, (_, i) => `${undated(i)}\n`).join(''));
      const result = await scanLogs([{ path: log }], {
        catalog,
        since: new Date(Date.now() - DAY),
        deadline: Date.now() + 10_000,
      });
      expect(result.notices).toEqual([]);
      expect(result.stats.lines).toBe(2000);
    } finally {
      dir.remove();
    }
  });
});

describe('logs FILE --since', () => {
  it('passes over the old part of a dated log, and finds what a full read finds', async () => {
    const dir = makeTempDir('seek-logs');
    try {
      const now = Date.now();
      const log = dir.join('error.log');
      writeBigLog({
        path: log,
        bytes: 20 * 1024 * 1024,
        from: new Date(now - 10 * DAY),
        to: new Date(now - HOUR / 2),
        tail: [socketMissing(new Date(now - 60_000))],
        oldLine: (d, i) => (i % 6 === 0 ? socketMissing(d, `/run/php/old-${i}.sock`) : scriptUnknown(d, i)),
      });
      const since = new Date(now - 2 * DAY);
      const sought = await scanLogs([{ path: log }], { catalog, since });
      const full = await scanLogs([{ name: log, stream: (await open(log)).createReadStream() }], { catalog, since });
      expect(sought.stats.bytesSkippedBySince).toBeGreaterThan(15 * 1024 * 1024);
      expect(sought.stats.bytes).toBeLessThan(5 * 1024 * 1024);
      expect(full.stats.bytesSkippedBySince).toBeUndefined();
      expect(comparable(sought)).toEqual(comparable(full));
      expect(sought.stats.matchedLines).toBe(full.stats.matchedLines);
      expect(sought.findings.map((f) => f.id).sort()).toEqual([
        'primary-script-unknown',
        'socket-missing',
        'socket-missing',
      ]);
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('reads a rotated .gz whole, as before (a compressed file cannot be entered in the middle)', async () => {
    const dir = makeTempDir('seek-gz');
    try {
      const now = Date.now();
      const lines = [
        ...Array.from({ length: 5000 }, (_, i) => scriptUnknown(new Date(now - 5 * DAY + i * 1000))),
        socketMissing(new Date(now - HOUR)),
      ];
      const text = `${lines.join('\n')}\n`;
      const gz = dir.join('error.log.2.gz');
      writeFileSync(gz, gzipSync(text));
      const result = await scanLogs([{ path: gz }], { catalog, since: new Date(now - DAY) });
      expect(result.stats.bytes).toBe(Buffer.byteLength(text));
      expect(result.stats.bytesSkippedBySince).toBeUndefined();
      expect(result.stats.skippedBySince).toBe(5000);
      expect(result.findings.map((f) => f.id)).toEqual(['socket-missing']);
    } finally {
      dir.remove();
    }
  });

  it('reads a rotated plain sibling (.1) whole, as before; the live log is entered at its lines since', async () => {
    const dir = makeTempDir('seek-rotated');
    try {
      const now = Date.now();
      const live = dir.join('error.log');
      const spec = {
        bytes: 4 * 1024 * 1024,
        from: new Date(now - 5 * DAY),
        to: new Date(now - 2 * DAY),
        tail: [socketMissing(new Date(now - HOUR))],
      };
      writeBigLog({ ...spec, path: live });
      writeBigLog({ ...spec, path: `${live}.1` });
      const sources = await rotatedLogSources(live);
      expect(sources).toEqual([{ path: `${live}.1`, whole: true }, { path: live }]);
      const [rotated, current] = await Promise.all(
        sources.map((source) => scanLogs([source], { catalog, since: new Date(now - DAY) })),
      );
      expect(rotated?.stats.bytesSkippedBySince).toBeUndefined();
      expect(rotated?.stats.bytes).toBeGreaterThan(4 * 1024 * 1024);
      expect(current?.stats.bytesSkippedBySince).toBeGreaterThan(3 * 1024 * 1024);
      expect(rotated?.findings.map((f) => f.id)).toEqual(['socket-missing']);
      expect(current?.findings.map((f) => f.id)).toEqual(['socket-missing']);
    } finally {
      dir.remove();
    }
  });
});

describe('with --since, a line without a time', () => {
  const undated = 'spawn-fcgi: child exited with: 127';
  const run = (lines: string[], since: Date, chunk = 1 << 20) => {
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    const chunks = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) =>
      bytes.subarray(i * chunk, (i + 1) * chunk),
    );
    return scanLogs([{ name: 'stderr.log', stream: Readable.from(chunks) }], { catalog, since });
  };

  it('counts as written at the time of the dated line above it; with none above (or none within 64 KiB), it is kept', async () => {
    const now = Date.now();
    const lines = [
      undated,
      apacheNoise(new Date(now - 3 * DAY)),
      undated,
      undated,
      apacheNoise(new Date(now - HOUR)),
      undated,
      apacheNoise(new Date(now - 3 * DAY)),
    ];
    const farBelow = [
      'x'.repeat(1000),
      ...Array.from({ length: 70 }, () => 'no time on this line either '.repeat(40)),
      undated,
    ];
    // However the stream is cut into chunks, the same lines are kept.
    for (const chunk of [1 << 20, 7, 100, 4096]) {
      const { stats } = await run([...lines, ...farBelow], new Date(now - DAY), chunk);
      expect({ chunk, matched: stats.matchedLines, skipped: stats.skippedBySince }).toEqual({
        chunk,
        matched: 3,
        skipped: 2,
      });
    }
  });

  it('costs one look per line, not one per line above it (100,000 undated lines)', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => (i % 2 ? undated : `some output ${i}`));
    const started = Date.now();
    const { stats } = await run(lines, new Date(Date.now() - DAY), 256 * 1024);
    expect(stats.matchedLines).toBe(50_000);
    // Looking back 64 KiB from every line took 16 s here; one look per line takes well under 1 s.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

/** Findings as the two reads should agree on: line numbers are unknown past a seek. */
function comparable(result: ScanResult): unknown {
  return result.findings.map((f) => ({ ...f, location: f.location ? { file: f.location.file } : undefined }));
}

// ---- Properties on random logs: lines without a time, multi-line records, equal times ----

/** Lines a rule matches that carry no time of their own (a program's raw stderr). */
const undatedMatches = catalog.rules
  .flatMap((r) => r.examples)
  .filter((e) => !e.includes('\n') && parseEnvelope(e).timestamp === undefined);

type Entry = (t: Date) => string[];
const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc.integer({ min: 1024, max: 65535 }).map((port) => (t: Date) => [scriptUnknown(t, port)]),
  fc.constantFrom('/run/php/a.sock', '/run/php/b.sock').map((s) => (t: Date) => [socketMissing(t, s)]),
  fc.constant((t: Date) => [apacheNoise(t)]),
  fc.constant((t: Date) => [
    `[${fpmTime(t)}] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it`,
  ]),
  fc.constant((t: Date) => [
    `[${apacheTime(t)}] [mpm_event:notice] [pid 1:tid 2] AH00489: Apache/2.4.62 configured -- resuming normal operations`,
  ]),
  // A program's stderr, written without a time: matching lines and noise.
  fc.constantFrom(...undatedMatches).map((line) => () => [line]),
  fc.constant(() => ['Stack trace:', '#0 {main}']),
  // nginx's record of a PHP fatal error, over several physical lines.
  fc
    .integer({ min: 1, max: 4 })
    .map((extra) => (t: Date) => [
      `${nginxTime(t)} [error] 812#812: *41 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught Error: boom in /var/www/html/db.php:3`,
      ...Array.from({ length: extra }, (_, i) => `#${i} /var/www/html/lib.php(12): f()`),
      `  thrown in /var/www/html/db.php on line 3" while reading response header from upstream, client: 203.0.113.9, server: example.com, request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.com"`,
    ]),
);
/** Steps between entries: zero (equal times) often, up to 40 minutes, so that a log spans many hours. */
const step = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 * 60_000 }));
const randomLog = (minLength: number) =>
  fc.record({
    entries: fc.array(fc.tuple(step, entry), { minLength, maxLength: 400, size: 'max' }),
    // Undated lines before the first dated one: no date excludes them.
    head: fc.array(fc.constantFrom(...undatedMatches, 'starting up'), { maxLength: 3 }),
    sinceAt: fc.integer({ min: -100, max: 1100 }).map((permille) => permille / 1000),
  });

interface RandomLog {
  entries: [number, Entry][];
  head: string[];
  sinceAt: number;
}

function build(log: RandomLog): { text: string; since: Date } {
  let t = new Date(2026, 9, 1, 0, 0, 0).getTime();
  const start = t;
  const lines = [...log.head];
  for (const [dt, make] of log.entries) {
    t += dt;
    lines.push(...make(new Date(t)));
  }
  return { text: `${lines.join('\n')}\n`, since: new Date(start + (t - start) * log.sinceAt) };
}

describe('the seek for --since, on random logs', () => {
  // The window is at least the longest line, as the real one (64 KiB) is the longest line read.
  it('starts at a dated line older than since (less the margin), after which every line a full read keeps lies', async () => {
    const dir = makeTempDir('seek-plan');
    try {
      const path = dir.join('error.log');
      await fc.assert(
        fc.asyncProperty(randomLog(1), fc.integer({ min: 512, max: 4096 }), async (log, window) => {
          const { text, since } = build(log);
          writeFileSync(path, text);
          const handle = await open(path);
          try {
            const plan = await planSeek(handle, Buffer.byteLength(text), since, window);
            const bytes = Buffer.from(text);
            // No dated line within the first window: the log is taken as undated (read from its start).
            const lines = text.split('\n');
            const firstDated = lines.findIndex((l) => parseEnvelope(l).timestamp);
            const firstDatedEnd =
              firstDated < 0 ? Infinity : Buffer.byteLength(lines.slice(0, firstDated + 1).join('\n'));
            expect(plan === undefined).toBe(firstDatedEnd >= window);
            if (!plan) return;
            const startsLine = (at: number): boolean => at === 0 || bytes[at - 1] === 0x0a;
            const timeAt = (at: number): number | undefined => {
              const end = bytes.indexOf(0x0a, at);
              return parseEnvelope(bytes.toString('utf8', at, end < 0 ? bytes.length : end)).timestamp?.getTime();
            };
            const target = since.getTime() - SEEK_MARGIN_MS;
            const headEnd = Buffer.byteLength(
              lines
                .slice(0, firstDated)
                .map((l) => `${l}\n`)
                .join(''),
            );
            if ((timeAt(headEnd) ?? 0) >= target) {
              expect(plan).toEqual({ head: 0, from: 0 });
              return;
            }
            // Read: the undated lines before the first dated one, then from a dated line older than the target.
            expect(plan.head).toBe(headEnd);
            expect(plan.from).toBeGreaterThanOrEqual(headEnd);
            expect(startsLine(plan.from)).toBe(true);
            expect(timeAt(plan.from)).toBeLessThan(target);
            // Every dated line passed over is older than the target.
            for (let at = headEnd; at < plan.from; at = bytes.indexOf(0x0a, at) + 1)
              expect(timeAt(at) ?? -Infinity).toBeLessThan(target);
          } finally {
            await handle.close();
          }
        }),
        { numRuns: 300 },
      );
    } finally {
      dir.remove();
    }
  });

  it('gives the findings of a full read filtered by since', async () => {
    const dir = makeTempDir('seek-equal');
    let sought = 0;
    try {
      const path = dir.join('error.log');
      // Padding makes logs larger than the seek's 64 KiB window, so that the seek happens.
      const padded = fc.tuple(randomLog(100), fc.integer({ min: 20, max: 200 }));
      await fc.assert(
        fc.asyncProperty(padded, async ([log, pad]) => {
          const withPadding = {
            ...log,
            entries: log.entries.map(([dt, make]): [number, Entry] => [
              dt,
              (t: Date) => [...make(t), ...Array.from({ length: pad % 20 }, () => apacheNoise(t))],
            ]),
          };
          const { text, since } = build({
            ...withPadding,
            entries: [
              ...withPadding.entries,
              ...withPadding.entries.map(([dt, make]): [number, Entry] => [dt + pad * 1000, make]),
            ],
          });
          writeFileSync(path, text);
          const seek = await scanLogs([{ path }], { catalog, since });
          const full = await scanLogs([{ name: path, stream: Readable.from([Buffer.from(text)]) }], { catalog, since });
          if (seek.stats.bytesSkippedBySince) sought += 1;
          expect(seek.notices).toEqual([]);
          expect(comparable(seek)).toEqual(comparable(full));
          expect(seek.stats.matchedLines).toBe(full.stats.matchedLines);
        }),
        { numRuns: 150 },
      );
      // Not a vacuous property: many of the logs were entered in the middle.
      expect(sought).toBeGreaterThan(20);
    } finally {
      dir.remove();
    }
  }, 120_000);
});
