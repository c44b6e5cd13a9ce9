import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { scanLogs } from '../../src/logs/index.js';
import { captureIO, makeTempDir, ROOT, type TempDir } from '../client/support.js';

/**
 * Issue 12 item 21: a rotated .gz log that is damaged (trailing garbage, cut short while
 * being written) is read as far as it decompresses, as `gzip -dc` does, and the damage is
 * a notice, not "0 lines" and exit 2.
 */

function linesIn(bytes: Buffer): number {
  let lines = 0;
  for (const b of bytes) if (b === 0x0a) lines += 1;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? lines + 1 : lines;
}

/** What GNU gzip recovers from the file (it complains on stderr and exits non-zero). */
function gzipRecovers(path: string): { bytes: number; lines: number } {
  const r = spawnSync('gzip', ['-dc', path], { maxBuffer: 1 << 28 });
  // A last line without its newline is a line for the scanner too.
  return { bytes: r.stdout.length, lines: linesIn(r.stdout) };
}

describe('damaged .gz logs', () => {
  let dir: TempDir;
  let whole: Buffer;
  const plain = readFileSync(`${ROOT}/fixtures/logs/mixed-noise.log`);
  // Enough lines that the data spans many zlib chunks, FastCGI lines all along.
  const text = Buffer.concat(Array.from({ length: 400 }, () => plain));
  beforeAll(() => {
    dir = makeTempDir('gz');
    whole = gzipSync(text);
  });
  afterAll(() => dir.remove());

  // What the file holds, and the text it was compressed from.
  const cases: [string, () => Buffer, () => Buffer][] = [
    [
      'trailing garbage (appended after compression)',
      () => Buffer.concat([whole, Buffer.from('garbage written after rotation\n'.repeat(40))]),
      () => text,
    ],
    [
      'cut short in the middle (still being written)',
      () => whole.subarray(0, Math.floor(whole.length * 0.6)),
      () => text,
    ],
    ['cut inside the 8-byte trailer', () => whole.subarray(0, whole.length - 3), () => text],
    [
      'a second member cut short',
      () => Buffer.concat([whole, gzipSync(plain).subarray(0, 900)]),
      () => Buffer.concat([text, plain]),
    ],
  ];
  for (const [what, bytes, original] of cases) {
    it(`${what}: reads what gzip -dc recovers and says the file is damaged`, async () => {
      const path = dir.join('error.log.2.gz');
      writeFileSync(path, bytes());
      const expected = gzipRecovers(path);
      expect(expected.lines).toBeGreaterThan(1000);
      const { stats, notices, groups } = await scanLogs([{ path }]);
      // Everything gzip recovers (zlib may decode a byte or two more of a cut stream: a
      // prefix of the original all the same).
      expect(stats.bytes).toBeGreaterThanOrEqual(expected.bytes);
      expect(stats.bytes).toBeLessThanOrEqual(Math.min(original().length, expected.bytes + 64));
      expect(stats.lines).toBe(linesIn(original().subarray(0, stats.bytes)));
      expect(stats.lines - expected.lines).toBeLessThanOrEqual(1);
      expect(notices).toEqual([
        { source: path, code: 'damaged', message: expect.stringContaining(`${stats.lines} lines`) },
      ]);
      expect(groups.length).toBeGreaterThan(3);
    });
  }

  it('an intact file and two whole members: every line, no notice', async () => {
    const path = dir.join('error.log.3.gz');
    writeFileSync(path, Buffer.concat([whole, gzipSync(plain), Buffer.alloc(64)]));
    const { stats, notices } = await scanLogs([{ path }]);
    expect(notices).toEqual([]);
    expect(stats.lines).toBe(401 * 200);
  });

  it('logs FILE.gz with trailing garbage exits on its findings (1), not 2, and names the damage', async () => {
    const path = dir.join('error.log.4.gz');
    writeFileSync(path, Buffer.concat([whole, Buffer.from('\u0000\u0001junk')]));
    const io = captureIO();
    const code = await main(['logs', path, '--format', 'json'], io);
    const json = JSON.parse(io.stdoutText);
    expect(json.stats.lines).toBe(gzipRecovers(path).lines);
    expect(json.notices.map((n: { code: string }) => n.code)).toEqual(['damaged']);
    expect(json.notices[0].message).toMatch(/not gzip/);
    expect(json.findings.length).toBeGreaterThan(0);
    expect(code).toBe(1);
  });
});
