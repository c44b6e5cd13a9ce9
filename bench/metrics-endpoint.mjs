#!/usr/bin/env node
// `fcgi-doctor status --serve-metrics`: one scrape of 20 real PHP-FPM pools
// (two masters: 10 pools on Unix sockets, 10 on TCP), as Prometheus asks for
// it (OpenMetrics), median latency of N scrapes, beside a single
// `fcgi-doctor status POOL` run (the whole process, one pool) in the same run.
// Target (issue 16): a scrape of 20 pools < 100 ms median.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { BIN, cleanup, ensureBuilt, median, tempDir, timeCommand, waitForSocket } from './lib.mjs';

const runs = Number(process.argv[2] ?? 30);
const POOLS_PER_MASTER = 10;
ensureBuilt();

function phpFpmBinary() {
  if (process.env.PHP_FPM_BINARY) return process.env.PHP_FPM_BINARY;
  const r = spawnSync('sh', ['-c', 'ls /usr/sbin/php-fpm* 2>/dev/null | sort -V | tail -1']);
  return r.stdout.toString().trim() || undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A master with `count` pools, each one static worker with pm.status_path; listen() gives each pool's address. */
async function startMaster(bin, dir, name, count, listen) {
  const pools = [];
  let conf = `[global]\npid = ${dir}/${name}.pid\nerror_log = ${dir}/${name}.log\ndaemonize = no\n`;
  for (let i = 0; i < count; i++) {
    const at = await listen(i);
    pools.push(at);
    conf += `[${name}${i}]\nuser = www-data\ngroup = www-data\nlisten = ${at}\nlisten.mode = 0666\npm = static\npm.max_children = 1\npm.status_path = /status\n`;
  }
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, conf);
  const child = spawn(bin, ['-n', '-F', '-y', path], { stdio: 'ignore' });
  for (const at of pools) {
    const [host, port] = at.split(':');
    await waitForSocket(at.startsWith('/') ? at : { host, port: Number(port) });
  }
  return { conf: path, pools, stop: () => child.kill('SIGTERM') };
}

const bin = phpFpmBinary();
if (!bin) {
  console.log('metrics endpoint: skipped (PHP-FPM is not installed)');
  process.exit(0);
}
const dir = tempDir();
const stops = [];
let endpoint;
try {
  const unix = await startMaster(bin, dir, 'unix', POOLS_PER_MASTER, async (i) => join(dir, `u${i}.sock`));
  stops.push(unix.stop);
  const tcp = await startMaster(bin, dir, 'tcp', POOLS_PER_MASTER, async () => `127.0.0.1:${await freePort()}`);
  stops.push(tcp.stop);

  endpoint = spawn(
    process.execPath,
    [BIN, 'status', '--serve-metrics', '127.0.0.1:0', '--fpm-config', unix.conf, '--fpm-config', tcp.conf],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = await new Promise((resolve, reject) => {
    let err = '';
    endpoint.stderr.on('data', (d) => {
      err += d;
      const m = /(http:\/\/\S+\/metrics)/.exec(err);
      if (m) resolve(m[1]);
    });
    endpoint.once('exit', (code) => reject(new Error(`the endpoint exited (${code}): ${err}`)));
  });
  const accept = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  const scrape = async () => {
    const start = process.hrtime.bigint();
    const r = await fetch(url, { headers: { accept } });
    const body = await r.text();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const up = (body.match(/^fcgi_doctor_up\{.*\} 1$/gm) ?? []).length;
    if (r.status !== 200 || up !== 2 * POOLS_PER_MASTER)
      throw new Error(`scrape: status ${r.status}, ${up} pools up of ${2 * POOLS_PER_MASTER}`);
    return ms;
  };
  // Warm up: the first scrape loads the modules of the read.
  await scrape();
  await scrape();
  const statusArgs = [BIN, 'status', unix.pools[0], '--format', 'openmetrics'];
  timeCommand(process.execPath, statusArgs);
  const scrapes = [];
  const singles = [];
  for (let i = 0; i < runs; i++) {
    scrapes.push(await scrape());
    const r = timeCommand(process.execPath, statusArgs);
    if (r.status !== 0) throw new Error(`status failed (${r.status}): ${r.stdout}${r.stderr}`);
    singles.push(r.ms);
  }
  const s = median(scrapes);
  const one = median(singles);
  console.log(
    `metrics endpoint, median of ${runs} (${2 * POOLS_PER_MASTER} PHP-FPM pools, ${POOLS_PER_MASTER} Unix + ${POOLS_PER_MASTER} TCP, two masters)`,
  );
  console.log(`  scrape of /metrics, 20 pools          ${s.toFixed(1)} ms   (target < 100 ms)`);
  console.log(`  fcgi-doctor status, 1 pool (process)  ${one.toFixed(1)} ms`);
  console.log(`  slowest scrape                        ${Math.max(...scrapes).toFixed(1)} ms`);
} finally {
  endpoint?.kill('SIGTERM');
  for (const stop of stops) stop();
  cleanup(dir);
}
