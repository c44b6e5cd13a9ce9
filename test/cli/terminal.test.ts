/**
 * The bin on a real pseudo-terminal (python3's pty, as a person's terminal or
 * a CI runner's script(1) gives one): colour on, the spinner of a live check
 * started and stopped, and no hang on a terminal that reports 0 columns.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, requireForTest, ROOT } from '../client/support.js';

const PTY_RUNNER = `
import os, pty, select, struct, sys, time, fcntl, termios
cols = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, cols, 0, 0))
out = b''
deadline = time.time() + 15
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            d = os.read(fd, 65536)
        except OSError:
            break
        if not d:
            break
        out += d
_, status = os.waitpid(pid, 0) if time.time() < deadline else (os.kill(pid, 9), (0, 9 << 8))[1]
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else status >> 8)
`;

const havePython = requireForTest(
  'python3 (/usr/bin/python3) runs the pseudo-terminal: apt-get install python3',
  existsSync('/usr/bin/python3'),
);

describe.skipIf(!havePython)('on a terminal', () => {
  for (const cols of [100, 0]) {
    it(`check finishes, with colour, on a terminal of ${cols} columns`, async () => {
      await ensureBuilt();
      const r = await execa(
        'python3',
        ['-c', PTY_RUNNER, String(cols), process.execPath, BIN, 'check', join(ROOT, 'fixtures', 'seed', 'lazy-vhost')],
        { reject: false, timeout: 30_000 },
      );
      expect(r.exitCode).toBe(1);
      const out = String(r.stdout);
      expect(out).toContain('options-mixed-syntax');
      expect(out).toContain('\u001b[31m'); // colour on a terminal
      expect(out).toMatch(/problems found.*\(exit 1\)/);
    });
  }
});
