#!/usr/bin/env node
// Build step after scripts/bundle.mjs: records V8's code cache for the files
// `ping` and `status` read (dist/bundle/main.cjs, chunks.cjs and what status
// and status --all load → <file>.v8cache), and those `check --offline` and
// `trace --offline` read for Apache and nginx, which bin/load-bundle.cjs reads at run time.
//
// The cache holds what V8 compiled while the commands ran (functions are
// compiled on first call), so this runs them for real, in one process, against
// a stand-in (`fcgi-doctor serve`) on a socket inside dist/: no server of the
// machine, no network, nothing outside the checkout. The exit statuses that
// must hold are checked, so a training run that did nothing fails the build.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { bundleLoader, bundleDir } = require('../bin/load-bundle.cjs');
const bundles = process.env.FCGI_DOCTOR_BUNDLE_DIR ? resolve(root, process.env.FCGI_DOCTOR_BUNDLE_DIR) : bundleDir;

/** Runs in the child: the commands, in-process, through the recording loader. */
async function train(socket, fpmConfig) {
  const loader = bundleLoader(bundles, { record: true });
  const main = loader.main();
  let errors = '';
  const io = {
    stdout() {},
    stderr: (t) => void (errors += t),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: { NO_COLOR: '1' },
    stdin: process.stdin,
  };
  const nginxRoot = join(root, 'fixtures', 'nginx', 'parity', 'laravel', 'nginx.conf');
  /** [arguments, the exit statuses that show the command ran its course] */
  const runs = [
    [['ping', socket, '--expect-body', 'FastCGI works'], [0]],
    [['ping', socket, '--format', 'json'], [0]],
    [['ping', socket, '--format', 'nagios'], [0]],
    // The stand-in is not PHP-FPM: status reads its answer and says so.
    [['status', socket, '--timeout', '2s'], [1]],
    [['status', socket, '--format', 'json', '--timeout', '2s'], [1]],
    // status --all of a pool file whose pool listens on the stand-in: the FPM configuration reader too.
    [['status', '--all', '--fpm-config', fpmConfig, '--format', 'json', '--timeout', '2s'], [1]],
    // Configuration only (no probe of the machine): the parser and the checks a live check runs too.
    [
      ['check', '--offline', join(root, 'fixtures', 'demo', 'external-app-vhost.conf')],
      [0, 1],
    ],
    [
      ['check', '--offline', join(root, 'fixtures', 'demo', 'external-app-vhost.conf'), '--format', 'json'],
      [0, 1],
    ],
    // nginx offline (check and trace): its reader, routing model and checks, none of which the Apache runs load.
    [
      ['check', '--offline', '--server', 'nginx', '--root', nginxRoot],
      [0, 1],
    ],
    [
      ['check', '--offline', '--server', 'nginx', '--root', nginxRoot, '--format', 'json'],
      [0, 1],
    ],
    [
      ['trace', '--offline', '--server', 'nginx', '--root', nginxRoot, 'http://example.com/index.php'],
      [0, 1],
    ],
    [['--help'], [0]],
  ];
  for (const [args, expected] of runs) {
    errors = '';
    const code = await main(args, io);
    if (!expected.includes(code))
      throw new Error(
        `fcgi-doctor ${args.join(' ')} ended with ${code}, not ${expected.join(' or ')}: ${errors.slice(0, 2000)}`,
      );
  }
  loader.writeCaches();
  const names = loader.loaded().map((l) => l.name);
  if (!names.includes('main.cjs') || !names.includes('chunks.cjs'))
    throw new Error(`the training loaded ${names.join(', ')}: not main.cjs and chunks.cjs`);
}

function waitForSocket(path, deadline = Date.now() + 10_000) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.createConnection({ path });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () =>
        Date.now() > deadline
          ? reject(new Error(`the stand-in app did not start on ${path}`))
          : setTimeout(attempt, 20),
      );
    };
    attempt();
  });
}

if (process.argv[2] === '--train') {
  await train(process.argv[3], process.argv[4]);
} else {
  // Inside the checkout, relative: short enough for a Unix socket wherever the checkout lies.
  const socket = `./dist/code-cache-${process.pid}.sock`;
  // A php-fpm.conf of one pool on the stand-in's socket, for status --all (read, never run).
  const fpmConfig = join(root, 'dist', `code-cache-${process.pid}.conf`);
  writeFileSync(
    fpmConfig,
    `[global]\npid = ${join(root, 'dist', 'code-cache.pid')}\n[www]\nlisten = ${join(root, socket)}\npm = static\npm.max_children = 1\npm.status_path = /status\n`,
  );
  const app = spawn(process.execPath, [join(root, 'bin', 'fcgi-doctor.cjs'), 'serve', socket, '--quiet'], {
    stdio: 'inherit',
    cwd: root,
  });
  try {
    await waitForSocket(join(root, socket));
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--train', join(root, socket), fpmConfig], {
      stdio: 'inherit',
      timeout: 120_000,
      cwd: root,
    });
    if (r.status !== 0)
      throw new Error(`recording the code cache failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
  } finally {
    app.kill('SIGTERM');
    rmSync(join(root, socket), { force: true });
    rmSync(fpmConfig, { force: true });
  }
}
