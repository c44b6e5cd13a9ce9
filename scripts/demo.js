#!/usr/bin/env node
// `npm run demo`: the main job on an embedded default. Starts the stand-in
// FastCGI app on a temporary socket, runs `check` on the seed-style vhost in
// fixtures/demo pointed at it (a vhost file on its own, as a user would try
// first), then `ping`s it, printing the real reports and each command as it
// can be pasted into a shell.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'fcgi-doctor.cjs');
const dir = mkdtempSync(join(tmpdir(), 'fcgi-doctor-demo-'));
// mkdtemp makes it 0700; the web server's user must reach the socket inside.
chmodSync(dir, 0o755);
const socket = join(dir, 'fcgi.sock');
const vhost = join(root, 'fixtures', 'demo', 'external-app-vhost.conf');

/** An argument as a shell reads it back: quoted when it holds a space or another special character. */
function shellWord(arg) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
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
          : setTimeout(attempt, 50),
      );
    };
    attempt();
  });
}

function run(title, args) {
  process.stdout.write(`\n$ fcgi-doctor ${args.map(shellWord).join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], {
    stdio: 'inherit',
    env: { ...process.env, FCGI_DEMO_SOCKET: socket },
  });
  process.stdout.write(`(${title}: exit ${r.status})\n`);
  return r.status;
}

// `npm run demo | head`: a reader that leaves early must not end the demo
// before it stops the stand-in app and removes its directory.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
});

// Mode 0666: the web server's user (www-data) must be able to connect, as check verifies.
const app = spawn(process.execPath, [bin, 'serve', socket, '--quiet', '--mode', '0666'], { stdio: 'inherit' });
let failed = false;
try {
  await waitForSocket(socket);
  process.stdout.write(`The stand-in app (fcgi-doctor serve) listens on ${socket}.\n`);
  failed = run('check', ['check', vhost]) !== 0 || failed;
  failed =
    run('ping', ['ping', socket, '--script', '/var/www/test/htdocs/app.py', '--expect-body', 'FastCGI works']) !== 0 ||
    failed;
} finally {
  app.kill('SIGTERM');
  await new Promise((r) => app.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
