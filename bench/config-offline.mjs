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
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, median, ROOT, tempDir } from './lib.mjs';

const argOf = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const VHOSTS = Number(argOf('--vhosts') ?? 5000);
const RUNS = Number(argOf('--runs') ?? 5);
const KEEP = argOf('--keep');
const TREE = argOf('--tree');
const APACHE = ['/usr/sbin/apache2', '/usr/sbin/httpd'].find((p) => existsSync(p));
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const MODS = '/usr/lib/apache2/modules';
const BUNDLE = join(ROOT, 'dist', 'bundle', 'main.cjs');
const DIST = join(ROOT, 'dist', 'checks', 'config', 'index.js');

if (!existsSync(BUNDLE) || !existsSync(DIST)) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(BUNDLE) || !existsSync(DIST)) {
    process.stderr.write('build failed: dist/bundle/main.cjs or dist/checks/config/index.js is missing\n');
    process.exit(2);
  }
}

/** One vhost per file, cycling through the three modules' usual setups. */
function vhost(i) {
  const name = `site${i}.example`;
  const setups = [
    `    <FilesMatch \\.php$>\n        SetHandler "proxy:unix:/run/php/site${i}.sock|fcgi://site${i}/"\n    </FilesMatch>`,
    `    ProxyPassMatch ^/(.*\\.php(/.*)?)$ fcgi://127.0.0.1:${9000 + (i % 1000)}/var/www/${name}/$1`,
    `    <Directory /var/www/${name}>\n        Options +ExecCGI\n        AddHandler fcgid-script .fcgi\n        Require all granted\n    </Directory>`,
  ];
  return `<VirtualHost *:18080>\n    ServerName ${name}\n    DocumentRoot /var/www/${name}\n${setups[i % 3]}\n</VirtualHost>\n`;
}

function generate(dir) {
  mkdirSync(join(dir, 'sites'), { recursive: true });
  writeFileSync(
    join(dir, 'httpd.conf'),
    [
      `LoadModule mpm_event_module ${MODS}/mod_mpm_event.so`,
      `LoadModule authz_core_module ${MODS}/mod_authz_core.so`,
      `LoadModule mime_module ${MODS}/mod_mime.so`,
      `LoadModule proxy_module ${MODS}/mod_proxy.so`,
      `LoadModule proxy_fcgi_module ${MODS}/mod_proxy_fcgi.so`,
      `LoadModule fcgid_module ${MODS}/mod_fcgid.so`,
      'DefaultRuntimeDir /tmp',
      `PidFile ${dir}/httpd.pid`,
      'ErrorLog /dev/null',
      'ServerName bench.test',
      'Listen 127.0.0.1:18080',
      'Include sites/*.conf',
      '',
    ].join('\n'),
  );
  for (let i = 0; i < VHOSTS; i++) writeFileSync(join(dir, 'sites', `${String(i).padStart(5, '0')}.conf`), vhost(i));
}

/** One run: wall ms and peak RSS KiB (from /usr/bin/time -v, else the child's own report). */
function once(cmd, args) {
  const env = { ...process.env, NO_COLOR: '1' };
  // Wall time of the command alone, output to /dev/null as in a shell: a /usr/bin/time
  // wrapper adds the same tens of milliseconds to both sides (flattering the ratio), and
  // apache2 -t is ~50 ms slower when its stderr is a pipe.
  const start = process.hrtime.bigint();
  spawnSync(cmd, args, { stdio: 'ignore', env });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  // Once more, captured, for the summary lines and (under /usr/bin/time -v) peak memory.
  const r = spawnSync(TIME ?? cmd, TIME ? ['-v', cmd, ...args] : args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env,
  });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '') ?? /maxRSS=(\d+)/.exec(r.stdout ?? '');
  return { wall, rss: m ? Number(m[1]) : NaN, r };
}

/** Runs the commands alternately RUNS times; medians, and every run's wall time. */
function measure(commands) {
  const runs = commands.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, c] of commands.entries()) runs[k].push(once(c.cmd, c.args));
  }
  return runs.map((rs) => ({
    wall: median(rs.map((x) => x.wall)),
    rss: median(rs.map((x) => x.rss)),
    walls: rs.map((x) => x.wall),
    last: rs.at(-1)?.r,
  }));
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
  const results = measure(commands);
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
  const rows = [['', 'wall time (median)', 'peak memory (median)', 'runs (ms)']];
  commands.forEach((c, k) => {
    const r = results[k];
    rows.push([
      c.label,
      `${r.wall.toFixed(0)} ms`,
      `${(r.rss / 1024).toFixed(1)} MiB`,
      r.walls.map((w) => w.toFixed(0)).join(' '),
    ]);
  });
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(w[i])).join('  ')}\n`);
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
