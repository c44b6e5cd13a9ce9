#!/usr/bin/env node
// Build step after scripts/bundle.mjs: records V8's code cache for each
// bundle (dist/bundle/<name>.cjs.v8cache), which bin/load-bundle.cjs reads so
// that a short command does not compile its JavaScript again on every start.
//
// The cache holds what V8 compiled while the usual commands ran (functions
// are compiled on first call, and only those are in a cache), so this runs
// them for real, in one process: ping against the stand-in app, status
// against a recorded PHP-FPM status page and against a server that is not
// PHP-FPM, check live and offline on the fixtures, logs, explain, rules. Outputs are
// discarded; the exit statuses that must hold are checked, so a training run
// that silently did nothing fails the build instead of shipping a thin cache.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { installBundleLoader, bundleDir, CACHE_SUFFIX } = require('../bin/load-bundle.cjs');
const bundles = process.env.FCGI_DOCTOR_BUNDLE_DIR ? resolve(root, process.env.FCGI_DOCTOR_BUNDLE_DIR) : bundleDir;

/**
 * Answers every request with a status page PHP-FPM sent (fixtures/php-fpm),
 * so that training walks status's path for a healthy pool. Built on the
 * protocol layer that tsc emitted to dist/.
 */
async function startRecordedStatusPage(socket) {
  const { RecordDecoder, RecordType, encodeStream, encodeEndRequest } = await import('../dist/protocol/index.js');
  const page = readFileSync(join(root, 'fixtures', 'php-fpm', 'status-unix-static.json'));
  const answer = (id) =>
    Buffer.concat([...encodeStream(RecordType.STDOUT, id, Buffer.concat([Buffer.from('Content-Type: application/json\r\n\r\n'), page])), encodeEndRequest(id, 0, 0)]);
  const server = net.createServer((conn) => {
    const decoder = new RecordDecoder();
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk) => {
      for (const record of decoder.push(chunk)) {
        if (record.type === RecordType.STDIN && record.content.length === 0) conn.end(answer(record.requestId));
      }
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(socket, resolve));
  return server;
}

/** Runs in the child: the commands, in-process, through the recording loader. */
async function train(socket) {
  const fpmSocket = join(dirname(socket), 'fpm.sock');
  const fpm = await startRecordedStatusPage(fpmSocket);
  const loader = installBundleLoader(bundles, { record: true });
  const { main } = require(join(bundles, 'main.cjs'));
  process.env.FCGI_DEMO_SOCKET = socket;
  let errors = '';
  const io = { stdout() {}, stderr: (t) => void (errors += t), stdoutIsTTY: false, stderrIsTTY: false, env: { ...process.env, NO_COLOR: '1' }, stdin: process.stdin };
  const fixture = (...p) => join(root, 'fixtures', ...p);
  /** [arguments, exit statuses that show the command really ran its course] */
  const runs = [
    [['ping', socket, '--script', '/var/www/test/htdocs/app.py', '--expect-body', 'FastCGI works'], [0]],
    [['ping', socket, '--format', 'json'], [0]],
    [['ping', socket, '--count', '20', '--concurrency', '2'], [0]],
    [['status', fpmSocket, '--format', 'json', '--timeout', '2s'], [0]],
    [['status', fpmSocket, '--verbose', '--timeout', '2s'], [0]],
    [['status', fpmSocket, '--format', 'nagios', '--timeout', '2s'], [0]],
    // The stand-in is not PHP-FPM: status reads its answer and says so.
    [['status', socket, '--format', 'json', '--timeout', '2s'], [1]],
    [['status', socket, '--timeout', '2s'], [1]],
    // What the configuration and the machine hold differs per build machine (a live check
    // reads its Apache, if any): any verdict will do, these only walk the code.
    [['check', fixture('demo', 'external-app-vhost.conf'), '--timeout', '2s', '--since', '1m'], [0, 1, 2]],
    [['check', '--offline', fixture('demo', 'external-app-vhost.conf'), '--format', 'json'], [0, 1, 2]],
    [['check', '--offline', '--root', fixture('debian-tree', 'apache2.conf'), '-q'], [0, 1, 2]],
    [['logs', fixture('logs', 'mixed-noise.log')], [0, 1]],
    [['explain', 'socket-missing'], [0]],
    [['rules'], [0]],
    [['--help'], [0]],
  ];
  for (const [args, expected] of runs) {
    errors = '';
    const code = await main(args, io);
    if (!expected.includes(code)) throw new Error(`fcgi-doctor ${args.join(' ')} ended with ${code}, not ${expected.join(' or ')}: ${errors.slice(0, 2000)}`);
  }
  fpm.close();
  loader.writeCaches();
}

function waitForSocket(path, deadline = Date.now() + 10_000) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.createConnection({ path });
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => (Date.now() > deadline ? reject(new Error(`the stand-in app did not start on ${path}`)) : setTimeout(attempt, 20)));
    };
    attempt();
  });
}

if (process.argv[2] === '--train') {
  await train(process.argv[3]);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'fcgi-doctor-code-cache-'));
  const socket = join(dir, 'app.sock');
  const app = spawn(process.execPath, [join(root, 'bin', 'fcgi-doctor.cjs'), 'serve', socket, '--quiet'], { stdio: 'inherit' });
  try {
    await waitForSocket(socket);
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--train', socket], { stdio: 'inherit', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`recording the code cache failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
  } finally {
    app.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const caches = readdirSync(bundles).filter((f) => f.endsWith(CACHE_SUFFIX));
  if (!caches.includes(`main.cjs${CACHE_SUFFIX}`) || !existsSync(join(bundles, `ping.cjs${CACHE_SUFFIX}`))) {
    throw new Error('recording the code cache left no cache for main.cjs or ping.cjs');
  }
  const kib = caches.reduce((n, f) => n + statSync(join(bundles, f)).size, 0) / 1024;
  if (process.env.FCGI_DOCTOR_BUILD_VERBOSE) console.log(`code cache: ${caches.length} bundles, ${kib.toFixed(0)} KiB`);
}
