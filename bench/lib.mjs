// Shared bits of the benchmark scripts: timing child processes, medians, and
// starting the backends they measure against (the stand-in app, PHP-FPM).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// FCGI_DOCTOR_BIN: another build's bin (a copy of an older build), to compare start-up.
export const BIN = process.env.FCGI_DOCTOR_BIN ?? join(ROOT, 'bin', 'fcgi-doctor.cjs');

export function ensureBuilt() {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Wall time of one child process, in ms. */
export function timeCommand(cmd, args, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, status: r.status, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

export function waitForSocket(target, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = typeof target === 'string' ? net.createConnection({ path: target }) : net.createConnection(target);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${JSON.stringify(target)}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'fcgi-doctor-bench-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** Backends a benchmark started must not outlive it, even when it is interrupted or times out. */
const stoppers = new Set();
function killOnExit(stop) {
  stoppers.add(stop);
}
process.on('exit', () => {
  for (const stop of stoppers) stop();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const stop of stoppers) stop();
    process.exit(130);
  });
}

/** `fcgi-doctor serve` on a Unix socket, as a child process. */
export async function startServe(dir) {
  const sock = join(dir, 'serve.sock');
  const child = spawn(process.execPath, [BIN, 'serve', sock, '--quiet'], { stdio: 'ignore' });
  const stop = () => child.kill('SIGTERM');
  killOnExit(stop);
  await waitForSocket(sock);
  return { sock, stop };
}

/** The installed PHP-FPM: Debian's versioned php-fpmX.Y (the newest), else php-fpm (RHEL, Alpine). */
function findPhpFpm() {
  let names = [];
  try {
    names = readdirSync('/usr/sbin');
  } catch {
    return undefined;
  }
  const versioned = names
    .map((n) => /^php-fpm(\d+)\.(\d+)$/.exec(n))
    .filter(Boolean)
    .sort((a, b) => Number(b[1]) - Number(a[1]) || Number(b[2]) - Number(a[2]));
  const name = versioned[0]?.[0] ?? (names.includes('php-fpm') ? 'php-fpm' : undefined);
  return name ? `/usr/sbin/${name}` : undefined;
}

const PHP_FPM = process.env.PHP_FPM_BINARY ?? findPhpFpm();

/** A private PHP-FPM pool with ping.path = /ping, or undefined where PHP-FPM is not installed. */
/** `statusPath` adds pm.status_path (for `status`). */
export async function startPhpFpm(dir, children = 4, { statusPath } = {}) {
  if (!PHP_FPM) return undefined;
  const sock = join(dir, 'fpm.sock');
  const conf = join(dir, 'php-fpm.conf');
  writeFileSync(
    conf,
    `[global]
pid = ${dir}/fpm.pid
error_log = ${dir}/fpm.log
daemonize = no
[bench]
user = www-data
group = www-data
listen = ${sock}
listen.owner = www-data
listen.group = www-data
listen.mode = 0666
listen.backlog = 1024
pm = static
pm.max_children = ${children}
ping.path = /ping
${statusPath ? `pm.status_path = ${statusPath}\n` : ''}`,
  );
  const child = spawn(PHP_FPM, ['-n', '-F', '-y', conf], { stdio: 'ignore' });
  const stop = () => child.kill('SIGTERM');
  killOnExit(stop);
  await waitForSocket(sock);
  return { sock, stop };
}

export function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The generated nginx tree the nginx benchmarks share: DIR/nginx.conf including
 * sites-enabled/*, and one file per server whose text is serverOf(i). Returns the
 * root file. Each benchmark keeps its own server block (what it measures differs).
 */
export function writeNginxTree(dir, servers, serverOf) {
  mkdirSync(join(dir, 'sites-enabled'), { recursive: true });
  const root = join(dir, 'nginx.conf');
  writeFileSync(
    root,
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 768; }\nhttp {\n  access_log off;\n  include sites-enabled/*;\n}\n`,
  );
  for (let i = 0; i < servers; i++) writeFileSync(join(dir, 'sites-enabled', `site${i}.conf`), serverOf(i));
  return root;
}

/** The value after `--name` on the command line, or undefined. */
export const argOf = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
