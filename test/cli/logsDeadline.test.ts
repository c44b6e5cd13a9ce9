import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { BIN, ensureBuilt, makeTempDir, ROOT, type TempDir } from '../client/support.js';

/**
 * Item 14 of issue 12: every deadline on a timer, never a FIFO or a device opened as a
 * log. Each case runs the built CLI as a user would, with real pipes, FIFOs and devices,
 * and bounds its wall time: before the fix these hung for the life of the writer, or for ever.
 */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

// Far above what each case needs (start-up plus the deadline), far below a hang.
const KILL_AFTER_MS = 25_000;

function runCli(args: string[], stdin: 'ignore' | Readable = 'ignore', env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: [stdin, 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const guard = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: Date.now() - started,
      });
    });
  });
}

/** A writer for the CLI's standard input, killed (by its own pid) when the case ends. */
function writer(command: string, args: string[]): ChildProcess & { stdout: Readable } {
  return spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] }) as ChildProcess & { stdout: Readable };
}

const noticeCodes = (json: { notices: { code: string }[] }): string[] => json.notices.map((n) => n.code);

describe('logs stops at --timeout whatever the input does', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('cat /dev/zero | logs - --timeout 3s: stops at 3 s, reports what it read and the cut line', async () => {
    const zero = writer('cat', ['/dev/zero']);
    try {
      const r = await runCli(['logs', '-', '--timeout', '3s', '--format', 'json'], zero.stdout);
      expect(r.ms).toBeGreaterThanOrEqual(2900);
      expect(r.ms).toBeLessThan(9000);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(noticeCodes(json)).toEqual(['long-lines', 'deadline']);
      expect(json.stats.bytes).toBeGreaterThan(1024 * 1024);
      expect(json.stats.truncatedLines).toBe(1);
      expect(json.notices[1].message).toMatch(/--timeout 3s/);
    } finally {
      zero.kill();
    }
  }, 30_000);

  it('a writer that never ends its line: stops at the deadline', async () => {
    const endless = writer(process.execPath, [
      '-e',
      'const b = Buffer.alloc(65536, 120); (function w() { process.stdout.write(b, w); })();',
    ]);
    try {
      const r = await runCli(['logs', '-', '--timeout', '2s', '--format', 'json'], endless.stdout);
      expect(r.ms).toBeLessThan(8000);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(noticeCodes(json)).toContain('deadline');
      expect(json.stats.truncatedLines).toBe(1);
    } finally {
      endless.kill();
    }
  }, 30_000);

  it('sleep 30 | logs - --timeout 2s: a pipe that sends nothing ends at 2 s, not when sleep does', async () => {
    const sleeper = writer('sleep', ['30']);
    try {
      const r = await runCli(['logs', '-', '--timeout', '2s', '--format', 'json'], sleeper.stdout);
      expect(r.ms).toBeGreaterThanOrEqual(1900);
      expect(r.ms).toBeLessThan(8000);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(noticeCodes(json)).toEqual(['deadline']);
      expect(json.stats.bytes).toBe(0);
    } finally {
      sleeper.kill();
    }
  }, 30_000);

  it('a 50 GB sparse file stops at the deadline', async () => {
    const dir = makeTempDir('sparse');
    try {
      const log = dir.join('error.log');
      writeFileSync(log, '');
      truncateSync(log, 50 * 1024 ** 3);
      const r = await runCli(['logs', log, '--timeout', '2s', '--format', 'json']);
      expect(r.ms).toBeLessThan(8000);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(noticeCodes(json)).toContain('deadline');
      expect(json.stats.bytes).toBeGreaterThan(0);
      expect(json.stats.bytes).toBeLessThan(50 * 1024 ** 3);
    } finally {
      dir.remove();
    }
  }, 30_000);
});

describe('logs never opens a FIFO or a device', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('logs /dev/zero exits 2 at once, saying it is a device (no --timeout needed)', async () => {
    const r = await runCli(['logs', '/dev/zero']);
    expect(r.ms).toBeLessThan(8000);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/\/dev\/zero is a character device, not a log file/);
  }, 30_000);

  it('logs FIFO with no writer exits 2 at once instead of blocking in open', async () => {
    const dir = makeTempDir('fifo');
    try {
      const fifo = dir.join('error.log');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const r = await runCli(['logs', fifo, '--format', 'json']);
      expect(r.ms).toBeLessThan(8000);
      expect(r.code).toBe(2);
      const json = JSON.parse(r.stdout);
      expect(json.notices).toEqual([
        {
          source: fifo,
          code: 'not-a-file',
          message: expect.stringContaining('is a named pipe (FIFO), not a log file'),
        },
      ]);
    } finally {
      dir.remove();
    }
  }, 30_000);

  it('a Unix socket named as a log exits 2, saying it is a socket', async () => {
    const dir = makeTempDir('socklog');
    const server = createServer();
    try {
      const path = dir.join('error.log');
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const r = await runCli(['logs', path]);
      expect(r.ms).toBeLessThan(8000);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain(`${path} is a socket, not a log file`);
    } finally {
      server.close();
      dir.remove();
    }
  }, 30_000);

  it('logs /dev/stdin reads standard input, like -', async () => {
    const line =
      '[05-Mar-2024 10:00:00] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it\n';
    const feeder = writer('printf', [line.replace(/%/g, '%%')]);
    const r = await runCli(['logs', '/dev/stdin', '--format', 'json'], feeder.stdout);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).stats.lines).toBe(1);
  }, 30_000);

  it('a symbolic link to /dev/urandom is refused like the device', async () => {
    const dir = makeTempDir('devlink');
    try {
      const link = dir.join('error.log');
      expect(spawnSync('ln', ['-s', '/dev/urandom', link]).status).toBe(0);
      const r = await runCli(['logs', link]);
      expect(r.ms).toBeLessThan(8000);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('is a character device, not a log file');
    } finally {
      dir.remove();
    }
  }, 30_000);
});

describe('check whose ErrorLog is a device or a FIFO', () => {
  let dir: TempDir;
  let app: RunningServer;
  let vhost: string;
  let fifo: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = makeTempDir('check-errorlog');
    chmodSync(dir.path, 0o755);
    app = await startServer({ kind: 'unix', path: dir.join('app.sock') }, { mode: 0o666 });
    // The demo vhost, healthy, with its ErrorLog taken from the environment.
    vhost = dir.join('site.conf');
    copyFileSync(`${ROOT}/fixtures/demo/external-app-vhost.conf`, vhost);
    writeFileSync(
      vhost,
      readFileSync(vhost, 'utf8').replace('</VirtualHost>', 'ErrorLog ${FCGI_TEST_ERRORLOG}\n</VirtualHost>'),
    );
    fifo = dir.join('error.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  for (const [what, log, says] of [
    ['/dev/zero', () => '/dev/zero', 'is a character device'],
    ['/dev/urandom', () => '/dev/urandom', 'is a character device'],
    ['a FIFO', () => fifo, 'is a named pipe (FIFO)'],
    ['/dev/stderr', () => '/dev/stderr', 'is the standard error (or output) of the program that writes to it'],
  ] as const) {
    it(`finishes promptly with ErrorLog ${what}, a notice and the rest of the report`, async () => {
      const r = await runCli(['check', vhost, '--format', 'json'], 'ignore', {
        FCGI_DEMO_SOCKET: dir.join('app.sock'),
        FCGI_TEST_ERRORLOG: log(),
      });
      expect(r.ms).toBeLessThan(12_000);
      const json = JSON.parse(r.stdout);
      expect(json.checked.steps).toEqual({ config: true, probes: true, requests: true, logs: true });
      expect(json.checked.notices.filter((n: string) => n.includes(says))).toHaveLength(1);
      expect(json.checked.setups[0].request).toMatchObject({ status: 200 });
      expect(json.summary.error).toBe(0);
      expect(r.code).toBe(0);
    }, 30_000);
  }
});
