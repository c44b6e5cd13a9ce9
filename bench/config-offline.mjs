// `check --offline` against Apache's own `-t` on a generated tree of 5,000
// vhosts in 5,000 included files, each with a FastCGI setup: wall time and peak
// memory, median of 5 runs each, side by side.
//
//   node bench/config-offline.mjs [--vhosts N] [--runs N]
//
// Ours runs in a child process that imports dist/checks/config/index.js
// (npm run build first; this script builds if dist is missing).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, ROOT, tempDir } from './lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const VHOSTS = arg('--vhosts', 5000);
const RUNS = arg('--runs', 5);
const APACHE = ['/usr/sbin/apache2', '/usr/sbin/httpd'].find((p) => existsSync(p));
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const MODS = '/usr/lib/apache2/modules';
const DIST = join(ROOT, 'dist', 'checks', 'config', 'index.js');

if (!existsSync(DIST)) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(DIST)) {
    process.stderr.write('build failed: dist/checks/config/index.js is missing\n');
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
  const full = TIME ? [TIME, ['-v', cmd, ...args]] : [cmd, args];
  const start = process.hrtime.bigint();
  const r = spawnSync(full[0], full[1], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '') ?? /maxRSS=(\d+)/.exec(r.stdout ?? '');
  return { wall, rss: m ? Number(m[1]) : NaN, r };
}

/** Runs the commands alternately RUNS times (so machine load hits both alike); medians. */
function measure(commands) {
  const runs = commands.map(() => []);
  for (let i = 0; i < RUNS; i++) commands.forEach(([cmd, args], c) => runs[c].push(once(cmd, args)));
  return runs.map((rs) => ({ wall: median(rs.map((x) => x.wall)), rss: median(rs.map((x) => x.rss)), last: rs.at(-1)?.r }));
}

const dir = tempDir();
try {
  generate(dir);
  const driver = `
    import { analyzeConfig } from ${JSON.stringify(pathToFileURL(DIST).href)};
    const r = analyzeConfig({ root: ${JSON.stringify(join(dir, 'httpd.conf'))}, serverRoot: ${JSON.stringify(dir)}, env: {} });
    process.stdout.write('files=' + r.model.filesRead.length + ' vhosts=' + r.model.vhosts.length + ' setups=' + r.model.setups.length + ' findings=' + r.findings.length + ' errors=' + r.findings.filter((f) => f.severity === 'error').length + ' maxRSS=' + process.resourceUsage().maxRSS + '\\n');
  `;
  const commands = [[process.execPath, ['--input-type=module', '-e', driver]]];
  if (APACHE) commands.push([APACHE, ['-d', dir, '-f', join(dir, 'httpd.conf'), '-t']]);
  const [ours, theirs] = measure(commands);
  process.stdout.write(`tree: ${VHOSTS} vhosts in ${VHOSTS} included files (${dir})\n`);
  process.stdout.write(`ours: ${(ours.last?.stdout ?? '').trim()}\n`);
  const rows = [['', 'wall time (median)', 'peak memory (median)'], ['fcgi-doctor analyzeConfig', `${ours.wall.toFixed(0)} ms`, `${(ours.rss / 1024).toFixed(1)} MiB`]];
  if (theirs) {
    process.stdout.write(`apache2 -t: ${(theirs.last?.stderr ?? '').split('\n').filter((l) => /Syntax|error/i.test(l)).slice(0, 2).join(' | ')}\n`);
    rows.push(['apache2 -t', `${theirs.wall.toFixed(0)} ms`, `${(theirs.rss / 1024).toFixed(1)} MiB`]);
  } else {
    rows.push(['apache2 -t', 'not installed', '']);
  }
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(w[i])).join('  ')}\n`);
  process.stdout.write(`runs: ${RUNS} each; memory from ${TIME ? '/usr/bin/time -v' : 'process.resourceUsage()'}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
