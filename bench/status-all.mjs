// `fcgi-doctor status --all` on 20 PHP-FPM pools against a single `status` of
// one pool in the same run (issue 16: wall time ≤ 1.5× a single status, as the
// pools are read concurrently, each with its own deadline). Two PHP-FPM masters
// with private configurations stand for two PHP versions (only one version is
// installable on the machine this was written on; the script says which ran),
// half the pools on Unix sockets, half on TCP; both masters have pools named
// www and api, so --all must tell them apart.
//
//   node bench/status-all.mjs [--runs N] [--pools N]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { argOf, BIN, cleanup, ROOT, tempDir, waitForSocket } from './lib.mjs';
import { measure, table } from './measure.mjs';

const RUNS = Number(argOf('--runs') ?? 9);
const POOLS = Number(argOf('--pools') ?? 20);

function findPhpFpm() {
  if (process.env.PHP_FPM_BINARY) return process.env.PHP_FPM_BINARY;
  const names = existsSync('/usr/sbin') ? readdirSync('/usr/sbin') : [];
  const versioned = names.filter((n) => /^php-fpm\d+\.\d+$/.test(n)).sort();
  const name = versioned.at(-1) ?? (names.includes('php-fpm') ? 'php-fpm' : undefined);
  return name ? `/usr/sbin/${name}` : undefined;
}

const PHP_FPM = findPhpFpm();
if (!PHP_FPM) {
  process.stdout.write('PHP-FPM is not installed: nothing to measure\n');
  process.exit(0);
}
if (!existsSync(join(ROOT, 'dist', 'bundle', 'main.cjs'))) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(2);
}

/** A free TCP port on loopback, as the OS hands it out. */
function freePort() {
  const r = spawnSync(
    process.execPath,
    ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"],
    { encoding: 'utf8' },
  );
  return Number(r.stdout.trim());
}

const children = [];
const stopAll = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('exit', stopAll);

/** One master with `names.length` pools, every other one on TCP; each has pm.status_path. */
async function startMaster(dir, names) {
  mkdirSync(join(dir, 'pool.d'), { recursive: true });
  const listens = [];
  names.forEach((name, i) => {
    const listen = i % 2 === 0 ? join(dir, `${name}.sock`) : `127.0.0.1:${freePort()}`;
    listens.push(listen);
    writeFileSync(
      join(dir, 'pool.d', `${name}.conf`),
      `[${name}]
user = www-data
group = www-data
listen = ${listen}
listen.owner = www-data
listen.group = www-data
listen.mode = 0666
pm = static
pm.max_children = 1
pm.status_path = /status
`,
    );
  });
  const conf = join(dir, 'php-fpm.conf');
  writeFileSync(
    conf,
    `[global]
pid = ${dir}/fpm.pid
error_log = ${dir}/fpm.log
daemonize = no
include = ${dir}/pool.d/*.conf
`,
  );
  const child = spawn(PHP_FPM, ['-n', '-F', '-y', conf], { stdio: 'ignore' });
  children.push(child);
  for (const l of listens) {
    const m = /^127\.0\.0\.1:(\d+)$/.exec(l);
    await waitForSocket(m ? { host: '127.0.0.1', port: Number(m[1]) } : l);
  }
  return { conf, listens };
}

const dir = tempDir();
try {
  const half = Math.ceil(POOLS / 2);
  // The same two names in both masters: the ids must tell them apart.
  const namesOf = (tag, n) => Array.from({ length: n }, (_, i) => (i < 2 ? ['www', 'api'][i] : `${tag}${i}`));
  const a = await startMaster(join(dir, 'a'), namesOf('a', half));
  const b = await startMaster(join(dir, 'b'), namesOf('b', POOLS - half));
  const version = /php-fpm(\d+\.\d+)/.exec(realpathSync(PHP_FPM))?.[1] ?? 'unknown';
  const one = a.listens[0];
  const commands = [
    {
      label: `status --all (${POOLS} pools, 2 masters)`,
      cmd: process.execPath,
      args: [BIN, 'status', '--all', '--fpm-config', a.conf, '--fpm-config', b.conf, '--format', 'json'],
    },
    { label: 'status TARGET (one pool)', cmd: process.execPath, args: [BIN, 'status', one, '--format', 'json'] },
  ];
  // A warm-up of each, so the first measured run does not pay for a cold page cache.
  for (const c of commands) spawnSync(c.cmd, c.args, { stdio: 'ignore' });
  const results = measure(commands, RUNS);
  process.stdout.write(
    `PHP-FPM: ${PHP_FPM} (PHP ${version}); two masters with private configurations stand for two PHP versions (only ${version} is installed here)\n`,
  );
  try {
    const j = JSON.parse(results[0].last?.stdout ?? '');
    const states = {};
    for (const p of j.pools) states[p.state] = (states[p.state] ?? 0) + 1;
    const unix = j.pools.filter((p) => p.listen?.startsWith('/')).length;
    process.stdout.write(
      `status --all: exit ${results[0].last?.status}, ${j.pools.length} pools (${unix} Unix, ${j.pools.length - unix} TCP), states ${JSON.stringify(states)}; ids of the shared names: ${j.pools
        .filter((p) => p.name === 'www')
        .map((p) => p.id)
        .join(', ')}\n`,
    );
  } catch {
    process.stdout.write(`status --all: output not JSON: ${(results[0].last?.stdout ?? '').slice(0, 300)}\n`);
  }
  process.stdout.write(`status TARGET: exit ${results[1].last?.status}\n`);
  process.stdout.write(table(commands, results));
  process.stdout.write(
    `status --all / status TARGET: ${(results[0].wall / results[1].wall).toFixed(2)}x wall time (target ≤ 1.50)\n`,
  );
  // Twenty pools answer at once: on a machine busy with other work their workers wait for a CPU, and the ratio grows.
  process.stdout.write(`runs: ${RUNS} each, alternating; load average ${loadavg()[0].toFixed(2)}\n`);
} finally {
  stopAll();
  cleanup(dir);
}
