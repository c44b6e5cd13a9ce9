#!/usr/bin/env node
// Start-up of each command, whole process, for one or more builds side by side
// and `node -e 0`: median of N runs each, the builds alternating run by run so
// that all see the same machine.
//
//   node bench/startup-compare.mjs 15                       this checkout
//   node bench/startup-compare.mjs 15 before=/tmp/old/bin/fcgi-doctor.cjs after=bin/fcgi-doctor.cjs
//
// `check` is live: the demo vhost (fixtures/demo) with its backend, a stand-in
// `serve`, on a temporary socket (FCGI_DEMO_SOCKET, as scripts/demo.js does);
// `status` asks that stand-in, which is not PHP-FPM, and fails cleanly (exit 1).
import { resolve } from 'node:path';
import { BIN, cleanup, ensureBuilt, median, ROOT, startServe, tempDir, timeCommand } from './lib.mjs';

const runs = Number(process.argv[2] ?? 10);
const builds = process.argv.slice(3).map((a) => {
  const [label, bin] = a.includes('=') ? a.split('=') : [a, a];
  return { label, bin: resolve(bin) };
});
if (builds.length === 0) builds.push({ label: 'this build', bin: BIN });
ensureBuilt();
const dir = tempDir();
const serve = await startServe(dir);
const env = { ...process.env, NO_COLOR: '1', FCGI_DEMO_SOCKET: serve.sock };
const commands = [
  ['ping', ['ping', serve.sock], [0]],
  ['status (not FPM)', ['status', serve.sock, '--timeout', '2s'], [1]],
  ['logs FILE', ['logs', `${ROOT}/fixtures/logs/mixed-noise.log`], [0, 1]],
  ['explain ID', ['explain', 'socket-missing'], [0]],
  ['rules', ['rules'], [0]],
  ['check (live)', ['check', `${ROOT}/fixtures/demo/external-app-vhost.conf`, '--timeout', '2s'], [0, 1]],
];
try {
  const nodeTimes = [];
  const rows = [];
  for (const [name, args, ok] of commands) {
    const times = builds.map(() => []);
    for (const b of builds) timeCommand(process.execPath, [b.bin, ...args], { env }); // warm the page cache
    for (let i = 0; i < runs; i++) {
      nodeTimes.push(timeCommand(process.execPath, ['-e', '0']).ms);
      builds.forEach((b, j) => {
        const r = timeCommand(process.execPath, [b.bin, ...args], { env, cwd: dir });
        if (!ok.includes(r.status))
          throw new Error(`${b.label}: ${args.join(' ')} ended with ${r.status}: ${r.stdout}${r.stderr}`);
        times[j].push(r.ms);
      });
    }
    rows.push([name, ...times.map((t) => median(t))]);
  }
  const n = median(nodeTimes);
  const w = 20;
  console.log(`start-up, median of ${runs} runs, whole process (ms; × node -e 0)`);
  console.log(`${'command'.padEnd(w)}${builds.map((b) => b.label.padStart(18)).join('')}`);
  console.log(`${'node -e 0'.padEnd(w)}${builds.map(() => n.toFixed(1).padStart(18)).join('')}`);
  for (const [name, ...ms] of rows) {
    console.log(`${name.padEnd(w)}${ms.map((m) => `${m.toFixed(1)} (${(m / n).toFixed(2)}×)`.padStart(18)).join('')}`);
  }
} finally {
  serve.stop();
  cleanup(dir);
}
