// `fcgi-doctor check FILE` of one vhost on a server of 5,000 vhosts whose
// docroots hold 100,000 files in all (issue 14: the walk that finds the
// scripts a vhost serves stays bounded; whole command ≤ 2× `apache2 -t` on the
// same tree, peak memory < 300 MiB). Live check: nothing listens on the
// generated sockets, so the probes and requests fail fast, as they would.
//
//   node bench/check-vhost.mjs [--vhosts N] [--files-per-vhost N] [--runs N]
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { argOf, BIN, ROOT, tempDir } from './lib.mjs';
import { measure, table } from './measure.mjs';
import { generateTree } from './tree.mjs';

const VHOSTS = Number(argOf('--vhosts') ?? 5000);
const FILES = Number(argOf('--files-per-vhost') ?? 20);
const RUNS = Number(argOf('--runs') ?? 5);
const APACHE = ['/usr/sbin/apache2', '/usr/sbin/httpd'].find((p) => existsSync(p));

if (!existsSync(join(ROOT, 'dist', 'bundle', 'main.cjs'))) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(2);
}

const dir = tempDir();
try {
  generateTree(dir, { vhosts: VHOSTS, docroots: 'tree', files: FILES });
  const root = join(dir, 'httpd.conf');
  // A PHP-FPM vhost (site numbers ≡ 0 mod 3 use SetHandler proxy:unix).
  const site = Math.floor(VHOSTS / 2) - (Math.floor(VHOSTS / 2) % 3);
  const file = join(dir, 'sites', `${String(site).padStart(5, '0')}.conf`);
  const commands = [
    {
      label: `fcgi-doctor check sites/${String(site).padStart(5, '0')}.conf`,
      cmd: process.execPath,
      args: [BIN, 'check', file, '--root', root, '--server-root', dir, '--timeout', '2s', '--format', 'json'],
    },
  ];
  if (APACHE) commands.push({ label: 'apache2 -t', cmd: APACHE, args: ['-d', dir, '-f', root, '-t'] });
  const results = measure(commands, RUNS);
  process.stdout.write(`tree: ${VHOSTS} vhosts, ${VHOSTS * FILES} files in their docroots (${dir})\n`);
  const out = results[0].last?.stdout ?? '';
  try {
    const j = JSON.parse(out);
    const ids = [...new Set(j.findings.map((f) => f.id))].join(', ');
    process.stdout.write(`check: exit ${results[0].last?.status}, ${j.findings.length} findings in scope (${ids})\n`);
  } catch {
    process.stdout.write(
      `check: output not JSON: ${out.slice(0, 200)} ${(results[0].last?.stderr ?? '').slice(0, 300)}\n`,
    );
  }
  process.stdout.write(table(commands, results));
  if (APACHE)
    process.stdout.write(
      `check of one vhost / apache2 -t: ${(results[0].wall / results[1].wall).toFixed(2)}x wall time (target ≤ 2.00), peak memory ${(results[0].rss / 1024).toFixed(1)} MiB (target < 300)\n`,
    );
  process.stdout.write(`runs: ${RUNS} each, alternating\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
