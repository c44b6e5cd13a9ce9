// `fcgi-doctor trace URL --offline` against `check --offline` on the same
// generated tree of 5,000 vhosts (issue 14: the route of one URL must not cost
// more than the model, target ≤ 1.1×), with Apache's own `-t` as the reference
// row. Wall time and peak memory of the whole command, medians, alternating.
//
//   node bench/trace-route.mjs [--vhosts N] [--runs N]
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { argOf, BIN, ROOT, tempDir } from './lib.mjs';
import { measure, table } from './measure.mjs';
import { generateTree } from './tree.mjs';

const VHOSTS = Number(argOf('--vhosts') ?? 5000);
const RUNS = Number(argOf('--runs') ?? 5);
const APACHE = ['/usr/sbin/apache2', '/usr/sbin/httpd'].find((p) => existsSync(p));

if (!existsSync(join(ROOT, 'dist', 'bundle', 'main.cjs'))) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(2);
}

const dir = tempDir();
try {
  // Docroots created (one file each), so the route's stat calls find real files.
  generateTree(dir, { vhosts: VHOSTS, docroots: 'tree', files: 1 });
  const root = join(dir, 'httpd.conf');
  const site = Math.floor(VHOSTS / 2);
  const url = `http://site${site}.example:18080/index.php/extra?x=1`;
  const common = ['--offline', '--root', root, '--server-root', dir];
  const commands = [
    {
      label: `fcgi-doctor trace ${url} --offline`,
      cmd: process.execPath,
      args: [BIN, 'trace', url, ...common, '--format', 'json'],
    },
    { label: 'fcgi-doctor check --offline', cmd: process.execPath, args: [BIN, 'check', ...common, '--quiet'] },
  ];
  if (APACHE) commands.push({ label: 'apache2 -t', cmd: APACHE, args: ['-d', dir, '-f', root, '-t'] });
  const results = measure(commands, RUNS);
  process.stdout.write(`tree: ${VHOSTS} vhosts in ${VHOSTS} included files (${dir})\n`);
  const out = results[0].last?.stdout ?? '';
  let summary = `exit ${results[0].last?.status}`;
  try {
    const t = JSON.parse(out).trace;
    summary += `, vhost ${t.vhost?.serverName ?? 'main server'}, outcome ${t.outcome}${t.backend ? ` → ${t.backend.module} ${t.backend.target}` : ''}, ${Object.keys(t.backend?.params ?? {}).length} params`;
  } catch {
    summary += `, output not JSON: ${out.slice(0, 200)} ${(results[0].last?.stderr ?? '').slice(0, 300)}`;
  }
  process.stdout.write(`trace: ${summary}\n`);
  process.stdout.write(table(commands, results));
  process.stdout.write(
    `trace / check --offline: ${(results[0].wall / results[1].wall).toFixed(2)}x wall time (target ≤ 1.10)\n`,
  );
  process.stdout.write(`runs: ${RUNS} each, alternating\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
