// `fcgi-doctor check --offline` against Apache's own `-t` on a generated tree
// of 5,000 vhosts in 5,000 included files, each with a FastCGI setup: wall
// time and peak memory of the whole command, median of 5 runs each, the two
// commands alternating (so machine load hits both alike).
//
//   node bench/config-offline.mjs [--vhosts N] [--runs N] [--keep DIR] [--tree DIR]
//
// Ours is the real CLI (bin/fcgi-doctor.cjs, which runs dist/bundle/main.cjs:
// npm run build first; this script builds if the bundle is missing). A second
// row times analyzeConfig alone, in process (dist/checks/config/index.js).
// --tree DIR reuses a tree generated earlier (--keep DIR writes it there and
// keeps it).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { argOf, BIN, ROOT, tempDir } from './lib.mjs';
import { measure, table, TIME } from './measure.mjs';
import { generateTree } from './tree.mjs';

const VHOSTS = Number(argOf('--vhosts') ?? 5000);
const RUNS = Number(argOf('--runs') ?? 5);
const KEEP = argOf('--keep');
const TREE = argOf('--tree');
const APACHE = ['/usr/sbin/apache2', '/usr/sbin/httpd'].find((p) => existsSync(p));
const BUNDLE = join(ROOT, 'dist', 'bundle', 'main.cjs');
const DIST = join(ROOT, 'dist', 'checks', 'config', 'index.js');

if (!existsSync(BUNDLE) || !existsSync(DIST)) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(BUNDLE) || !existsSync(DIST)) {
    process.stderr.write('build failed: dist/bundle/main.cjs or dist/checks/config/index.js is missing\n');
    process.exit(2);
  }
}

function generate(dir) {
  generateTree(dir, { vhosts: VHOSTS });
}

const dir = TREE ?? KEEP ?? tempDir();
try {
  if (!TREE) generate(dir);
  const root = join(dir, 'httpd.conf');
  const driver = `
    import { analyzeConfig } from ${JSON.stringify(pathToFileURL(DIST).href)};
    const r = analyzeConfig({ root: ${JSON.stringify(root)}, serverRoot: ${JSON.stringify(dir)}, env: {} });
    process.stdout.write('files=' + r.model.filesRead.length + ' vhosts=' + r.model.vhosts.length + ' setups=' + r.model.setups.length + ' findings=' + r.findings.length + ' errors=' + r.findings.filter((f) => f.severity === 'error').length + ' maxRSS=' + process.resourceUsage().maxRSS + '\\n');
  `;
  const commands = [
    {
      label: 'fcgi-doctor check --offline',
      cmd: process.execPath,
      args: [BIN, 'check', '--offline', '--root', root, '--server-root', dir, '--quiet'],
    },
  ];
  if (APACHE) commands.push({ label: 'apache2 -t', cmd: APACHE, args: ['-d', dir, '-f', root, '-t'] });
  commands.push({
    label: 'analyzeConfig (in process, ESM dist)',
    cmd: process.execPath,
    args: ['--input-type=module', '-e', driver],
  });
  const results = measure(commands, RUNS);
  process.stdout.write(`tree: ${VHOSTS} vhosts in ${VHOSTS} included files (${dir})\n`);
  const cli = results[0];
  const cliOut = (cli.last?.stdout ?? '').trim().split('\n');
  process.stdout.write(
    `check --offline: exit ${cli.last?.status}, ${cliOut.length} lines of output, last: ${cliOut.at(-1) ?? ''}\n`,
  );
  if (APACHE) {
    process.stdout.write(
      `apache2 -t: exit ${results[1].last?.status}, ${(results[1].last?.stderr ?? '')
        .split('\n')
        .filter((l) => /Syntax|error/i.test(l))
        .slice(0, 2)
        .join(' | ')}\n`,
    );
  } else {
    process.stdout.write('apache2 -t: not installed\n');
  }
  process.stdout.write(`analyzeConfig: ${(results.at(-1).last?.stdout ?? '').trim()}\n`);
  process.stdout.write(table(commands, results));
  if (APACHE) {
    const ratio = results[0].wall / results[1].wall;
    process.stdout.write(
      `check --offline / apache2 -t: ${ratio.toFixed(2)}x wall time (target ≤ 1.00), peak memory ${(results[0].rss / 1024).toFixed(1)} MiB (target < 256)\n`,
    );
  }
  process.stdout.write(
    `runs: ${RUNS} each, alternating; memory from ${TIME ? '/usr/bin/time -v' : 'process.resourceUsage()'}\n`,
  );
} finally {
  if (!TREE && !KEEP) rmSync(dir, { recursive: true, force: true });
}
