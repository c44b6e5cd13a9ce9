#!/usr/bin/env node
// Start-up of `fcgi-doctor ping` of a local socket, whole process, beside
// `node -e 0` in the same run: median of N runs each, interleaved so both see
// the same machine. Target: at most 1.3x node -e 0.
import { BIN, cleanup, ensureBuilt, median, startServe, tempDir, timeCommand } from './lib.mjs';

const runs = Number(process.argv[2] ?? 10);
ensureBuilt();
const dir = tempDir();
const serve = await startServe(dir);
try {
  const node = [];
  const ping = [];
  timeCommand(process.execPath, ['-e', '0']); // warm the page cache
  timeCommand(process.execPath, [BIN, 'ping', serve.sock]);
  for (let i = 0; i < runs; i++) {
    node.push(timeCommand(process.execPath, ['-e', '0']).ms);
    const r = timeCommand(process.execPath, [BIN, 'ping', serve.sock]);
    if (r.status !== 0) throw new Error(`ping failed (${r.status}): ${r.stdout}${r.stderr}`);
    ping.push(r.ms);
  }
  const n = median(node);
  const p = median(ping);
  console.log(`ping start-up, median of ${runs} (whole process, Unix socket to fcgi-doctor serve)`);
  console.log(`  node -e 0              ${n.toFixed(1)} ms`);
  console.log(`  fcgi-doctor ping       ${p.toFixed(1)} ms`);
  console.log(`  ratio                  ${(p / n).toFixed(2)}x   (target ≤ 1.30x)`);
} finally {
  serve.stop();
  cleanup(dir);
}
