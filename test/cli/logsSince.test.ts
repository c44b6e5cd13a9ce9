import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, makeTempDir } from '../client/support.js';
import { outputValidator } from '../report/support.js';
import { apacheNoise, scriptUnknown, socketMissing, writeBigLog } from '../logs/support/datedLog.js';

/**
 * Issue 12 item 14: `logs FILE --since` enters a dated log at its lines since then (as
 * `check` does under its budget) and reports what reading it all from standard input reports.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function logsJson(
  args: string[],
  input?: Buffer,
): {
  code: number | null;
  json: { findings: Array<{ location?: { file: string; line?: number } }>; stats: Record<string, number> };
} {
  const r = spawnSync(process.execPath, [BIN, 'logs', ...args, '--format', 'json'], {
    input,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'buffer',
  });
  return { code: r.status, json: JSON.parse(r.stdout.toString()) };
}

describe('logs FILE --since', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('reads only the recent part of a 30 MB log and finds what the full read of the same lines finds', () => {
    const dir = makeTempDir('logs-since');
    try {
      const now = Date.now();
      const log = dir.join('error.log');
      writeBigLog({
        path: log,
        bytes: 30 * 1024 * 1024,
        from: new Date(now - 20 * DAY),
        to: new Date(now - 3 * HOUR),
        tail: [
          apacheNoise(new Date(now - 90 * 60_000)),
          scriptUnknown(new Date(now - 30 * 60_000)),
          socketMissing(new Date(now - 5 * 60_000)),
        ],
      });
      const sought = logsJson([log, '--since', '2h']);
      const full = logsJson(['-', '--since', '2h'], readFileSync(log));
      expect(sought.code).toBe(1);
      expect(full.code).toBe(1);
      expect(sought.json.stats['bytesSkippedBySince']).toBeGreaterThan(29 * 1024 * 1024);
      expect(full.json.stats['bytesSkippedBySince']).toBeUndefined();
      expect(outputValidator()(sought.json)).toBe(true);
      // The same findings but for the name of the source (the file, or standard input).
      const comparable = (findings: typeof sought.json.findings) =>
        findings.map((f) =>
          JSON.stringify({ ...f, location: undefined })
            .replaceAll(log, 'LOG')
            .replaceAll('(standard input)', 'LOG'),
        );
      expect(comparable(sought.json.findings)).toEqual(comparable(full.json.findings));
      expect(sought.json.findings).toHaveLength(2);
      // Without --since, everything is read as before, line numbers included.
      const all = logsJson([log]);
      expect(all.json.stats['bytes']).toBe(readFileSync(log).length);
      expect(all.json.findings.every((f) => typeof f.location?.line === 'number')).toBe(true);
    } finally {
      dir.remove();
    }
  }, 120_000);
});
