#!/usr/bin/env node
/**
 * Throughput of `fcgi-doctor logs` beside `grep -E -c` with the same patterns.
 *
 *   npm run build && node bench/logs-throughput.mjs [--size 1G|256M] [--runs 5] [--quick]
 *
 * Writes an Apache 2.4 error log of the given size (default 1 GiB) to os.tmpdir():
 * realistic noise with 2 % FastCGI lines taken from the rule catalog's examples; then
 * times our scanner (a child process importing dist/logs/index.js) and grep on it,
 * median of 5 runs (3 with --quick), and deletes the file. Peak memory is the child's
 * maximum resident set size (/usr/bin/time for grep when present). --keep leaves the
 * file (and the driver) in place for profiling.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';

export { toEre };

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist', 'logs', 'index.js');
const rulesDir = join(root, 'rules');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const runs = Number(opt('--runs', quick ? 3 : 5));
const size = parseSize(opt('--size', '1G'));

if (!existsSync(dist)) {
  console.error('dist/logs/index.js is missing: run `npm run build` first');
  process.exit(2);
}

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)i?B?$/i.exec(text);
  if (!m) throw new Error(`bad --size ${text}`);
  return Math.round(Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()]);
}

const rules = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parseYaml(readFileSync(join(rulesDir, f), 'utf8')));

// ---- the log -------------------------------------------------------------------------
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
function stamp(i) {
  const d = new Date(Date.UTC(2024, 2, 1) + i * 37);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p((i * 7919) % 1000000, 6)} ${d.getUTCFullYear()}`;
}
const ip = (i) =>
  `${[203, 198, 192][i % 3]}.${[0, 51, 0][i % 3]}.${[113, 100, 2][i % 3]}.${((i * 13) % 250) + 1}:${40000 + (i % 20000)}`;
const noise = [
  (i) =>
    `[${stamp(i)}] [authz_core:error] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] [client ${ip(i)}] AH01630: client denied by server configuration: /var/www/html/.env`,
  (i) =>
    `[${stamp(i)}] [ssl:warn] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] AH01909: www.example.com:443:0 server certificate does NOT include an ID which matches the server name`,
  (i) =>
    `[${stamp(i)}] [core:error] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] [client ${ip(i)}] AH00126: Invalid URI in request GET /cgi-bin/../../../../bin/sh HTTP/1.1`,
  (i) =>
    `[${stamp(i)}] [autoindex:error] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] [client ${ip(i)}] AH01276: Cannot serve directory /var/www/html/assets/: No matching DirectoryIndex (index.html,index.php) found, and server-generated directory index forbidden by Options directive`,
  (i) =>
    `[${stamp(i)}] [ssl:info] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] [client ${ip(i)}] AH01964: Connection to child ${i % 64} established (server www.example.com:443)`,
  (i) =>
    `[${stamp(i)}] [php:warn] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] [client ${ip(i)}] PHP Warning:  Undefined array key "id" in /var/www/legacy/item.php on line ${i % 300}, referer: https://example.com/list?page=${i % 50}`,
  (i) =>
    `[${stamp(i)}] [mpm_event:notice] [pid 1021:tid 140234567890] AH00489: Apache/2.4.57 (Debian) OpenSSL/3.0.11 configured -- resuming normal operations`,
  (i) =>
    `[${stamp(i)}] [core:info] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] [client ${ip(i)}] AH00128: File does not exist: /var/www/html/wp-login.php`,
  (i) =>
    `[${stamp(i)}] [proxy:error] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] (111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed`,
  (i) =>
    `[${stamp(i)}] [ssl:error] [pid ${1000 + (i % 900)}:tid ${140000000 + (i % 99999)}] [client ${ip(i)}] AH02032: Hostname scanner.example provided via SNI and hostname www.example.com provided via HTTP have no compatible SSL setup`,
];
const fastcgi = rules.flatMap((r) => r.examples).filter((e) => e.startsWith('[') && !e.includes('\n'));

function generate(path) {
  const fd = openSync(path, 'w');
  let written = 0;
  let i = 0;
  while (written < size) {
    const lines = [];
    for (let k = 0; k < 20000; k++, i++)
      lines.push(i % 50 === 0 ? fastcgi[(i / 50) % fastcgi.length] : noise[(i * 7) % noise.length](i));
    const buf = Buffer.from(`${lines.join('\n')}\n`);
    const part =
      written + buf.length > size ? buf.subarray(0, buf.lastIndexOf(10, size - written) + 1 || buf.length) : buf;
    writeSync(fd, part);
    written += part.length;
    if (part.length < buf.length) break;
  }
  closeSync(fd);
  return written;
}

// ---- the same alternation for grep -E ------------------------------------------------
/** JavaScript regex source → POSIX ERE (GNU), close enough for a line count. */
function toEre(source) {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const e = source[++i];
      const map = { d: '[0-9]', s: '[[:space:]]', S: '[^[:space:]]', w: '[[:alnum:]_]', n: '' };
      const inMap = { d: '0-9', s: '[:space:]', w: '[:alnum:]_', n: '\u0001', '\\': '\\', ']': ']', '[': '[' };
      if (inClass) out += e in inMap ? inMap[e] : e;
      else if (e in map) out += map[e];
      else out += '.[]()*+?{}|^$\\'.includes(e) ? `\\${e}` : e;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // `[^\]…` and `[^\s]` are handled above; a leading `]` stays literal.
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      // (?: and (?<name>
      if (source[i + 2] === ':') i += 2;
      else if (source[i + 2] === '<') i = source.indexOf('>', i);
      out += '(';
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m) {
        i += m[0].length - 1;
        const hi = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        // Large bounded repeats would make grep's DFA explode: count with + / * instead.
        out += hi > 64 ? (Number(m[1]) > 0 ? '+' : '*') : m[0];
        if (source[i + 1] === '?') i++;
        continue;
      }
    }
    if ((c === '?' || c === '+' || c === '*') && source[i + 1] === '?') {
      out += c;
      i++;
      continue;
    }
    out += c;
  }
  return out;
}
// One ERE per line: grep -f takes the lines as one alternation.
const eres = rules.flatMap((r) => r.patterns).map(toEre);

// ---- timing --------------------------------------------------------------------------
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function runOurs(path, driver) {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [driver, path], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0) throw new Error(`driver failed: ${res.stderr}`);
  const out = JSON.parse(res.stdout);
  return { ms, rssKb: out.maxRssKb, count: out.matchedLines, findings: out.findings };
}

function runGrep(path, patternFile) {
  const argv = ['-E', '-c', '-f', patternFile, path];
  const t0 = process.hrtime.bigint();
  const res = timeBin
    ? spawnSync(timeBin, ['-f', '%M', 'grep', ...argv], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } })
    : spawnSync('grep', argv, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0 && res.status !== 1) throw new Error(`grep failed: ${res.stderr}`);
  const rssKb = timeBin ? Number(res.stderr.trim().split('\n').pop()) : NaN;
  return { ms, rssKb, count: Number(res.stdout.trim()) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'fcgi-doctor-bench-'));
try {
  const log = join(dir, 'error.log');
  const driver = join(dir, 'driver.mjs');
  const patternFile = join(dir, 'patterns.ere');
  writeFileSync(
    driver,
    `import { scanLogs } from ${JSON.stringify(pathToFileURL(dist).href)};\n` +
      `const r = await scanLogs([{ path: process.argv[2] }]);\n` +
      `if (r.notices.length) console.error(JSON.stringify(r.notices));\n` +
      `console.log(JSON.stringify({ matchedLines: r.stats.matchedLines, findings: r.findings.length, maxRssKb: process.resourceUsage().maxRSS }));\n`,
  );
  writeFileSync(patternFile, `${eres.join('\n')}\n`);
  process.stdout.write(`generating ${(size / 1024 ** 2).toFixed(0)} MiB in ${log} … `);
  const bytes = generate(log);
  console.log('done');
  // Warm the page cache so that both tools read from memory.
  execFileSync('cat', [log], { stdio: ['ignore', 'ignore', 'inherit'] });

  const ours = [];
  const grep = [];
  for (let r = 0; r < runs; r++) {
    ours.push(runOurs(log, driver));
    grep.push(runGrep(log, patternFile));
  }
  const mib = bytes / 1024 ** 2;
  const row = (name, rs) => {
    const ms = median(rs.map((r) => r.ms));
    const rss = Math.max(...rs.map((r) => r.rssKb));
    return `${name.padEnd(22)} ${(ms / 1000).toFixed(2).padStart(8)} s ${(mib / (ms / 1000)).toFixed(0).padStart(8)} MB/s ${Number.isNaN(rss) ? '       n/a' : `${(rss / 1024).toFixed(0).padStart(6)} MiB`}   ${String(rs[0].count).padStart(10)} lines`;
  };
  console.log(`\n${mib.toFixed(0)} MiB, ${runs} runs, median wall time (peak RSS is the maximum of the runs)`);
  console.log(
    `${''.padEnd(22)} ${'wall'.padStart(10)} ${'throughput'.padStart(13)} ${'peak RSS'.padStart(10)}   ${'matched'.padStart(16)}`,
  );
  console.log(row('fcgi-doctor logs', ours));
  console.log(row('grep -E -c (same ERE)', grep));
  const ratio = median(grep.map((r) => r.ms)) / median(ours.map((r) => r.ms));
  const rss = Math.max(...ours.map((r) => r.rssKb)) / 1024;
  console.log(
    `\nthroughput vs grep: ${(ratio * 100).toFixed(0)} % (target ≥ 50 %), peak RSS ${rss.toFixed(0)} MiB (target < 150 MiB)`,
  );
  console.log(
    `(counts differ by design: grep counts every line any pattern matches; we count lines after folding, priorities and requires_any)`,
  );
} finally {
  if (args.includes('--keep')) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
