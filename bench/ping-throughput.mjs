#!/usr/bin/env node
// Throughput of `ping --count N --concurrency C` against the stand-in app and
// against PHP-FPM's ping.path, beside the same load from fastcgi-client (the
// most used npm FastCGI client) in the same run. Also each client's own CPU
// time per request: what the client itself costs, apart from the backend.
import { spawnSync } from 'node:child_process';
import { BIN, cleanup, ensureBuilt, median, startPhpFpm, startServe, tempDir, ROOT } from './lib.mjs';
import { join } from 'node:path';

const count = Number(process.argv[2] ?? 20000);
const concurrency = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 3);
ensureBuilt();

/** Our client's command line: the same for the timed run and the CPU count. */
function oursArgs(sock, script) {
  return [
    BIN,
    'ping',
    sock,
    '--script',
    script,
    '--count',
    String(count),
    '--concurrency',
    String(concurrency),
    '--format',
    'json',
  ];
}

function ours(sock, script) {
  const before = process.hrtime.bigint();
  const r = spawnSync(process.execPath, oursArgs(sock, script), { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - before) / 1e6;
  if (!r.stdout) throw new Error(`ping --count failed: ${r.stderr}`);
  const load = JSON.parse(r.stdout).load;
  return { rps: load.requestsPerSecond, failed: load.failed, wall };
}

function theirs(sock, script) {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bench', 'fastcgi-client-load.cjs'), sock, String(count), String(concurrency), script],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) return { rps: NaN, failed: count, error: r.stderr.trim().split('\n')[0] };
  const j = JSON.parse(r.stdout);
  return { rps: j.requestsPerSecond, failed: j.failed };
}

/** CPU time a client process used per request (user + system), in microseconds: its own cost, whatever the backend's. */
function cpuPerRequest(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], { encoding: 'utf8' });
  const [u, s] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return ((u + s) / count) * 1e6;
}
const haveTime = spawnSync('sh', ['-c', 'test -x /usr/bin/time']).status === 0;

const dir = tempDir();
const serve = await startServe(dir);
const fpm = await startPhpFpm(dir);
const rows = [];
try {
  for (const [name, sock, script] of [
    ['fcgi-doctor serve', serve.sock, '/x'],
    ...(fpm ? [['PHP-FPM ping.path (4 workers)', fpm.sock, '/ping']] : []),
  ]) {
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
    const cpuOurs = haveTime ? cpuPerRequest(oursArgs(sock, script)) : NaN;
    const cpuTheirs = haveTime
      ? cpuPerRequest([
          join(ROOT, 'bench', 'fastcgi-client-load.cjs'),
          sock,
          String(count),
          String(concurrency),
          script,
        ])
      : NaN;
    rows.push({ name, ours: median(a), theirs: median(b), failedOurs, failedTheirs, cpuOurs, cpuTheirs });
  }
} finally {
  serve.stop();
  fpm?.stop();
  setTimeout(() => cleanup(dir), 200);
}
console.log(`ping --count ${count} --concurrency ${concurrency}: requests per second, median of ${rounds}`);
console.log(
  `${'backend'.padEnd(32)} ${'fcgi-doctor'.padStart(12)} ${'fastcgi-client'.padStart(15)} ${'ratio'.padStart(7)}   client CPU µs/request (ours / theirs)`,
);
const us = (x) => (Number.isNaN(x) ? 'n/a' : x.toFixed(0));
for (const r of rows) {
  console.log(
    `${r.name.padEnd(32)} ${Math.round(r.ours).toString().padStart(12)} ${(Number.isNaN(r.theirs) ? 'failed' : Math.round(r.theirs).toString()).padStart(15)} ${(r.ours / r.theirs).toFixed(2).padStart(6)}x   ${us(r.cpuOurs)} / ${us(r.cpuTheirs)}`,
  );
  if (r.failedOurs || r.failedTheirs)
    console.log(`  failed requests: fcgi-doctor ${r.failedOurs}, fastcgi-client ${r.failedTheirs}`);
}
