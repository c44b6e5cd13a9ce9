import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, makeTempDir, ROOT } from '../client/support.js';

/**
 * `fcgi-doctor … | head -2`: the reader closes the pipe while the output is
 * still being written. The command must end quietly with its own exit status,
 * never die of EPIPE with a stack trace.
 */
describe('output into a pipe the reader closed early', () => {
  it('ends quietly with the exit status it had', async () => {
    await ensureBuilt();
    const dir = makeTempDir('pipe');
    try {
      for (const args of ['ping --help', 'rules', 'explain socket-missing', 'completion bash']) {
        const err = dir.join('stderr');
        const r = await execa('bash', [
          '-c',
          `"${process.execPath}" "${BIN}" ${args} 2>"${err}" | head -2 >/dev/null; echo "\${PIPESTATUS[0]}"`,
        ]);
        const stderr = readFileSync(err, 'utf8');
        expect(stderr, args).not.toMatch(/EPIPE|Error/);
        expect(String(r.stdout).trim(), args).toBe('0');
      }
    } finally {
      dir.remove();
    }
  });
});

/**
 * The exit status is what a monitoring engine or a CI step reads: a reader
 * that is gone before the report is written (`… | true`, `… | head -1` on a
 * long report) must not turn a failed check into 0.
 */
describe('the exit status when stdout is closed before the report is written', () => {
  const lazyVhost = join(ROOT, 'fixtures', 'seed', 'lazy-vhost');

  /** Runs the bin with a stdout pipe whose reading end is closed at once: every write gets EPIPE. */
  function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }

  const cases: Array<{ args: string[]; code: number; why: string }> = [
    { args: ['check', lazyVhost], code: 1, why: 'a check with errors' },
    { args: ['check', lazyVhost, '--format', 'nagios'], code: 2, why: 'the plugin CRITICAL' },
    { args: ['check', lazyVhost, '--format', 'json'], code: 1, why: 'json' },
    { args: ['ping', '/nonexistent-dir/x.sock', '--format', 'github'], code: 1, why: 'an unreachable backend' },
    { args: ['check', '/nonexistent-dir/apache2.conf'], code: 2, why: 'unreadable input' },
    { args: ['ping', 'no-such-target-form:', '--format', 'nagios'], code: 3, why: 'the plugin UNKNOWN' },
  ];
  for (const c of cases) {
    it(`${c.why}: exit ${c.code} (${c.args.slice(0, 1).concat(c.args.slice(2)).join(' ')})`, async () => {
      await ensureBuilt();
      const r = await runWithClosedStdout(c.args);
      expect(r.stderr).not.toMatch(/EPIPE|at .*\.cjs/);
      expect(r.code).toBe(c.code);
    });
  }

  it('in a shell pipeline with pipefail: `| head -1` and `| true` keep 1 and 2', async () => {
    await ensureBuilt();
    for (const [tail, format, want] of [
      ['head -1', 'text', 1],
      ['true', 'text', 1],
      ['true', 'nagios', 2],
    ] as const) {
      const r = await execa(
        'bash',
        [
          '-c',
          `set -o pipefail; "${process.execPath}" "${BIN}" check "${lazyVhost}" --format ${format} 2>/dev/null | ${tail} >/dev/null`,
        ],
        { reject: false },
      );
      expect(r.exitCode, `${format} | ${tail}`).toBe(want);
    }
  });
});
