/**
 * Why a connection fails, in the words of the contract: each errno becomes a
 * typed client error and a finding id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import { main } from '../../src/cli/main.js';
import { FcgiClientError } from '../../src/client/errors.js';
import { sendRequest } from '../../src/client/request.js';
import { parseTarget } from '../../src/client/target.js';
import { BIN, captureIO, ensureBuilt, makeTempDir, requireForTest, type TempDir } from './support.js';

let dir: TempDir;
beforeAll(() => {
  dir = makeTempDir('connect');
  chmodSync(dir.path, 0o755);
});
afterAll(() => dir.remove());

async function failure(address: string): Promise<FcgiClientError> {
  try {
    await sendRequest(parseTarget(address), { params: [], timeoutMs: 2_000 });
  } catch (err) {
    expect(err).toBeInstanceOf(FcgiClientError);
    return err as FcgiClientError;
  }
  throw new Error('the request succeeded');
}

async function pingJson(address: string) {
  const io = captureIO();
  const status = await main(['ping', address, '--format', 'json', '--timeout', '2s'], io);
  const json = JSON.parse(io.stdoutText) as {
    findings: Array<{ id: string; message: string; fix?: string }>;
    summary: { error: number };
  };
  return { status, json, ids: json.findings.map((f) => f.id) };
}

/** A Unix socket file with nobody behind it: Python binds without listening and exits, leaving the file (Node would unlink it). */
async function staleSocket(path: string): Promise<void> {
  await execa('python3', ['-c', 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', path]);
  expect(statSync(path).isSocket()).toBe(true);
}

describe('connect errors', () => {
  it('a missing socket is socket-missing', async () => {
    const path = dir.join('missing.sock');
    const err = await failure(path);
    expect(err.code).toBe('connect-missing');
    expect(err.message).toBe(`no such socket: ${path}`);
    expect(err.details.errno).toBe('ENOENT');
    const r = await pingJson(path);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['socket-missing']);
  });

  it('a path through a regular file is socket-missing (ENOTDIR)', async () => {
    writeFileSync(dir.join('plain'), 'x');
    const err = await failure(dir.join('plain', 'x.sock'));
    expect(err.code).toBe('connect-missing');
    expect(err.message).toMatch(/is not a directory/);
  });

  it('a socket file nobody listens on is socket-stale', async () => {
    const path = dir.join('stale.sock');
    await staleSocket(path);
    const err = await failure(path);
    expect(err.code).toBe('connect-refused');
    expect(err.message).toBe(`connection refused (nobody listens on ${path} — stale socket file?)`);
    const r = await pingJson(path);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['socket-stale']);
    expect(r.json.findings[0]!.fix).toMatch(/Restart the backend/);
  });

  it('a regular file at the socket path is socket-not-socket', async () => {
    const path = dir.join('regular.sock');
    writeFileSync(path, 'not a socket');
    const err = await failure(path);
    expect(err.code).toBe('connect-not-socket');
    expect(err.message).toMatch(/is not a socket/);
    const r = await pingJson(path);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['socket-not-socket']);
  });

  it('a directory at the socket path is socket-not-socket', async () => {
    const path = dir.join('a-directory.sock');
    mkdirSync(path);
    const r = await pingJson(path);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['socket-not-socket']);
  });

  it('a closed TCP port is backend-unreachable', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await failure(`127.0.0.1:${port}`);
    expect(err.code).toBe('connect-refused');
    expect(err.message).toBe(`connection refused: nobody listens on 127.0.0.1:${port}`);
    const r = await pingJson(`tcp://127.0.0.1:${port}`);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-unreachable']);
  });

  it('a host that does not resolve is backend-unreachable', async () => {
    const err = await failure('no-such-host.invalid:9000');
    expect(err.code).toBe('dns');
    const finding = findingForClientError(parseTarget('no-such-host.invalid:9000'), err);
    expect(finding.id).toBe('backend-unreachable');
    expect(finding.message).toMatch(/cannot resolve host "no-such-host\.invalid"/);
  });

  it('a full listen queue is backend-overloaded', async () => {
    // Python listens with a backlog of 0 and never accepts: the queue fills, then connect() fails with EAGAIN.
    const path = dir.join('full.sock');
    const child: ChildProcess = spawn(
      'python3',
      [
        '-c',
        'import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(0); print("ready", flush=True); time.sleep(30)',
        path,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const held: net.Socket[] = [];
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      let err: FcgiClientError | undefined;
      for (let i = 0; i < 16 && !err; i++) {
        const s = net.createConnection(path);
        const outcome = await new Promise<Error | undefined>((resolve) => {
          s.once('connect', () => resolve(undefined));
          s.once('error', (e) => resolve(e));
        });
        if (outcome) err = await failure(path);
        else held.push(s);
      }
      expect(err, 'the listen queue never filled').toBeDefined();
      expect(err!.code).toBe('connect-overloaded');
      expect(err!.message).toMatch(/listen queue is full/);
      expect(findingForClientError(parseTarget(path), err!).id).toBe('backend-overloaded');
    } finally {
      for (const s of held) s.destroy();
      child.kill();
    }
  });
});

describe('permission denied', () => {
  let server: net.Server | undefined;
  let path: string;

  beforeAll(async () => {
    await ensureBuilt();
    path = dir.join('private.sock');
    server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server!.listen(path, resolve));
    chmodSync(path, 0o600);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  // needs root to drop to another user
  const isRoot = requireForTest(
    'the permission test drops to another user with setpriv: run it as root',
    process.getuid?.() === 0,
  );
  it.skipIf(!isRoot)('an unprivileged user gets socket-permission-denied and exit 1', async () => {
    expect(existsSync(BIN)).toBe(true);
    const result = await execa(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'ping', path, '--format', 'json'],
      { reject: false, timeout: 15_000, cwd: dir.path },
    );
    expect(result.exitCode, result.stderr).toBe(1);
    const json = JSON.parse(result.stdout) as { findings: Array<{ id: string; message: string }> };
    expect(json.findings.map((f) => f.id)).toEqual(['socket-permission-denied']);
    expect(json.findings[0]!.message).toMatch(
      new RegExp(`permission denied connecting to ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  });

  it('the same socket as root connects (the test is about permissions, not the server)', async () => {
    const err = await failure(path);
    expect(err.code).toBe('closed-early');
  });
});
