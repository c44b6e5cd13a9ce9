#!/usr/bin/env node
// Throughput of `ping --count N --concurrency C` against the stand-in app and
// against PHP-FPM's ping.path, beside the same load from fastcgi-client (the
// most used npm FastCGI client) in the same run. Also the client's own CPU
// use: below one core while PHP-FPM is the one saturated means the client is
// not the bottleneck.
import { spawnSync } from 'node:child_process';
import { BIN, cleanup, ensureBuilt, median, startPhpFpm, startServe, tempDir, ROOT } from './lib.mjs';
import { join } from 'node:path';

const count = Number(process.argv[2] ?? 20000);
const concurrency = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 3);
ensureBuilt();

function ours(sock, script) {
  const before = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, 'ping', sock, '--script', script, '--count', String(count), '--concurrency', String(concurrency), '--format', 'json'], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - before) / 1e6;
  if (!r.stdout) throw new Error(`ping --count failed: ${r.stderr}`);
  const load = JSON.parse(r.stdout).load;
  return { rps: load.requestsPerSecond, failed: load.failed, wall };
}

function theirs(sock, script) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'fastcgi-client-load.cjs'), sock, String(count), String(concurrency), script], { encoding: 'utf8' });
  if (r.status !== 0) return { rps: NaN, failed: count, error: r.stderr.trim().split('\n')[0] };
  const j = JSON.parse(r.stdout);
  return { rps: j.requestsPerSecond, failed: j.failed };
}

/** CPU seconds our client used for one run, over its wall time: 1.0 means one core busy. */
function clientCpu(sock, script) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %e', process.execPath, BIN, 'ping', sock, '--script', script, '--count', String(count), '--concurrency', String(concurrency), '--format', 'json'], { encoding: 'utf8' });
  const line = r.stderr.trim().split('\n').pop() ?? '';
  const [u, s, e] = line.split(' ').map(Number);
  return e ? (u + s) / e : NaN;
}

const dir = tempDir();
const serve = await startServe(dir);
const fpm = await startPhpFpm(dir);
const rows = [];
try {
  for (const [name, sock, script] of [['fcgi-doctor serve', serve.sock, '/x'], ...(fpm ? [['PHP-FPM ping.path (4 workers)', fpm.sock, '/ping']] : [])]) {
    const a = [];
    const b = [];
    let failedOurs = 0;
    let failedTheirs = 0;
    for (let i = 0; i < rounds; i++) {
      const o = ours(sock, script);
      a.push(o.rps);
      failedOurs += o.failed;
      const t = theirs(sock, script);
      b.push(t.rps);
      failedTheirs += t.failed;
    }
    const cpu = spawnSync('sh', ['-c', 'command -v /usr/bin/time']).status === 0 ? clientCpu(sock, script) : NaN;
    rows.push({ name, ours: median(a), theirs: median(b), failedOurs, failedTheirs, cpu });
  }
} finally {
  serve.stop();
  fpm?.stop();
  setTimeout(() => cleanup(dir), 200);
}
console.log(`ping --count ${count} --concurrency ${concurrency}: requests per second, median of ${rounds}`);
console.log(`${'backend'.padEnd(32)} ${'fcgi-doctor'.padStart(12)} ${'fastcgi-client'.padStart(15)} ${'ratio'.padStart(7)} ${'client CPU'.padStart(11)}`);
for (const r of rows) {
  console.log(`${r.name.padEnd(32)} ${Math.round(r.ours).toString().padStart(12)} ${(Number.isNaN(r.theirs) ? 'failed' : Math.round(r.theirs).toString()).padStart(15)} ${(r.ours / r.theirs).toFixed(2).padStart(6)}x ${(Number.isNaN(r.cpu) ? 'n/a' : `${(r.cpu * 100).toFixed(0)}%`).padStart(11)}`);
  if (r.failedOurs || r.failedTheirs) console.log(`  failed requests: fcgi-doctor ${r.failedOurs}, fastcgi-client ${r.failedTheirs}`);
}
