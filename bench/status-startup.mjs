#!/usr/bin/env node
// Start-up of `fcgi-doctor status --format json` of a local PHP-FPM pool,
// whole process (it also looks for the pool file and reads the status page),
// beside `node -e 0` in the same run: median of N runs each, interleaved so
// both see the same machine. Target: at most 1.3x node -e 0.
import { BIN, cleanup, ensureBuilt, median, startPhpFpm, tempDir, timeCommand } from './lib.mjs';

const runs = Number(process.argv[2] ?? 10);
ensureBuilt();
const dir = tempDir();
const fpm = await startPhpFpm(dir, 4, { statusPath: '/status' });
if (!fpm) {
  console.log('status start-up: skipped (PHP-FPM is not installed)');
  process.exit(0);
}
try {
  const args = [BIN, 'status', fpm.sock, '--format', 'json'];
  const node = [];
  const status = [];
  timeCommand(process.execPath, ['-e', '0']); // warm the page cache
  timeCommand(process.execPath, args);
  for (let i = 0; i < runs; i++) {
    node.push(timeCommand(process.execPath, ['-e', '0']).ms);
    const r = timeCommand(process.execPath, args);
    if (r.status !== 0) throw new Error(`status failed (${r.status}): ${r.stdout}${r.stderr}`);
    status.push(r.ms);
  }
  const n = median(node);
  const s = median(status);
  console.log(`status start-up, median of ${runs} (whole process, --format json, Unix socket to a PHP-FPM pool)`);
  console.log(`  node -e 0                    ${n.toFixed(1)} ms`);
  console.log(`  fcgi-doctor status           ${s.toFixed(1)} ms`);
  console.log(`  ratio                        ${(s / n).toFixed(2)}x   (target ≤ 1.30x)`);
} finally {
  fpm.stop();
  cleanup(dir);
}
