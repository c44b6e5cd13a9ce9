import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, makeTempDir } from '../client/support.js';

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
        const r = await execa('bash', ['-c', `"${process.execPath}" "${BIN}" ${args} 2>"${err}" | head -2 >/dev/null; echo "\${PIPESTATUS[0]}"`]);
        const stderr = readFileSync(err, 'utf8');
        expect(stderr, args).not.toMatch(/EPIPE|Error/);
        expect(String(r.stdout).trim(), args).toBe('0');
      }
    } finally {
      dir.remove();
    }
  });
});
