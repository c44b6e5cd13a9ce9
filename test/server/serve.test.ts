/**
 * `serve`, the stand-in app, with the client: in-process (startServer +
 * sendRequest) and as real processes (the bin, spawn-fcgi).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FcgiConnection } from '../../src/client/connection.js';
import { buildRequestEnvironment } from '../../src/client/params.js';
import { queryManagementValues, sendRequest, toResponse } from '../../src/client/request.js';
import { MANAGEMENT_VARIABLES, Role } from '../../src/protocol/index.js';
import { ServeError, startServer, type RunningServer } from '../../src/server/listen.js';
import type { EchoRequest } from '../../src/server/echoPage.js';
import { serveConnection } from '../../src/server/responder.js';
import { BIN, delay, ensureBuilt, makeTempDir, type TempDir } from '../client/support.js';
import { exited, killAll, listeningTcpPorts, serveChild as startServeChild } from './serveProcess.js';

let dir: TempDir;
let counter = 0;
const servers: RunningServer[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = makeTempDir('serve');
  await ensureBuilt();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  await killAll(children);
});
afterAll(() => dir.remove());

const sock = () => dir.join(`s${++counter}.sock`);

async function serveInProcess(path = sock(), onRequest?: (r: EchoRequest) => void) {
  const server = await startServer({ kind: 'unix', path }, { onRequest });
  servers.push(server);
  return { server, path };
}

interface EchoJson {
  app: string;
  pid: number;
  requestId: number;
  role: number;
  keepConn: boolean;
  bodyBytes: number;
  params: Record<string, string>;
}

const jsonParams = (uri: string, extra: Array<[string, string]> = []) =>
  buildRequestEnvironment({ script: '/srv/app.php', uri, params: extra });

const serveChild = (args: string[]) => startServeChild(args, children);

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const cli = (...args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 30_000 });

/** The JSON envelope of the contract, checked field by field. */
function expectEnvelope(stdout: string, command = 'ping') {
  const json = JSON.parse(stdout) as Record<string, unknown>;
  expect(json.version).toBe(1);
  expect(json.tool).toEqual({ name: 'fcgi-doctor', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  expect(json.command).toBe(command);
  expect(typeof json.target).toBe('string');
  expect(Array.isArray(json.findings)).toBe(true);
  const summary = json.summary as Record<string, number>;
  expect(Object.keys(summary).sort()).toEqual(['error', 'info', 'suppressed', 'warning']);
  expect(json.suppressed).toEqual([]);
  const findings = json.findings as Array<Record<string, unknown>>;
  for (const f of findings) {
    expect(typeof f.id).toBe('string');
    expect(['error', 'warning', 'info']).toContain(f.severity);
    expect(typeof f.title).toBe('string');
    expect(typeof f.message).toBe('string');
    expect(Array.isArray(f.evidence)).toBe(true);
  }
  expect(summary.error).toBe(findings.filter((f) => f.severity === 'error').length);
  return json as {
    findings: Array<{ id: string; severity: string }>;
    response?: Record<string, unknown>;
    load?: Record<string, unknown>;
    values?: Record<string, string>;
    target: string;
  };
}

describe('serve in-process', () => {
  it('answers a ping with the page of what it received', async () => {
    const { path } = await serveInProcess();
    const r = await sendRequest(
      { kind: 'unix', path },
      { params: buildRequestEnvironment({ script: '/var/www/html/index.php' }) },
    );
    expect(r.status).toBe(200);
    expect(r.problems).toEqual([]);
    expect(r.raw.protocolStatusName).toBe('REQUEST_COMPLETE');
    expect(r.headers).toContainEqual(['Content-Type', 'text/html; charset=utf-8']);
    expect(r.headers).toContainEqual(['X-Fcgi-Doctor-Pid', String(process.pid)]);
    const body = r.body.toString();
    expect(body).toContain('<h1>FastCGI works</h1>');
    expect(body).toContain('<tr><th>SCRIPT_FILENAME</th><td>/var/www/html/index.php</td></tr>');
  });

  it('answers JSON for ?format=json, escapes HTML otherwise, and ?status= rehearses failures', async () => {
    const { path } = await serveInProcess();
    const target = { kind: 'unix', path } as const;
    const json = await sendRequest(target, { params: jsonParams('/?format=json', [['X_TEST', '<b>"x"</b>']]) });
    const echo = JSON.parse(json.body.toString()) as EchoJson;
    expect(echo).toMatchObject({
      app: 'fcgi-doctor serve',
      pid: process.pid,
      role: Role.RESPONDER,
      bodyBytes: 0,
      keepConn: false,
    });
    expect(echo.params.X_TEST).toBe('<b>"x"</b>');
    expect(echo.params.QUERY_STRING).toBe('format=json');
    const html = await sendRequest(target, { params: jsonParams('/', [['X_TEST', '<b>"x"</b>']]) });
    expect(html.body.toString()).toContain('&#60;b&#62;&#34;x&#34;&#60;/b&#62;');
    const failing = await sendRequest(target, { params: jsonParams('/?status=503') });
    expect(failing.status).toBe(503);
  });

  it('answers the authorizer role with 200 and an unknown role with UNKNOWN_ROLE', async () => {
    const { path } = await serveInProcess();
    const target = { kind: 'unix', path } as const;
    const auth = await sendRequest(target, { params: jsonParams('/'), role: Role.AUTHORIZER });
    expect(auth.status).toBe(200);
    expect(auth.body.length).toBe(0);
    const filter = await sendRequest(target, { params: jsonParams('/'), role: Role.FILTER });
    expect(filter.raw.protocolStatusName).toBe('UNKNOWN_ROLE');
  });

  it('answers multiplexed requests on one connection, each with its own answer', async () => {
    const { path } = await serveInProcess();
    const connection = await FcgiConnection.open({ kind: 'unix', path }, 2_000);
    try {
      const n = 20;
      const responses = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          connection.request({
            params: jsonParams(`/item/${i}?format=json`),
            body: i % 3 === 0 ? { data: Buffer.alloc(i * 1000, 0x61) } : undefined,
            keepConn: true,
            timeoutMs: 5_000,
            maxResponseBytes: 1 << 20,
            maxStderrBytes: 1 << 20,
          }),
        ),
      );
      const echoes = responses.map((raw) => JSON.parse(toResponse(raw, 0).body.toString()) as EchoJson);
      echoes.forEach((echo, i) => {
        expect(echo.params.REQUEST_URI).toBe(`/item/${i}?format=json`);
        expect(echo.requestId).toBe(responses[i]!.requestId);
        expect(echo.bodyBytes).toBe(i % 3 === 0 ? i * 1000 : 0);
        expect(echo.keepConn).toBe(true);
      });
      expect(new Set(responses.map((r) => r.requestId)).size).toBe(n);
      expect(connection.isOpen).toBe(true);
    } finally {
      connection.close();
    }
  });

  it('keeps the connection for the next request with FCGI_KEEP_CONN, and closes it without', async () => {
    const path = sock();
    let accepted = 0;
    const counting = net.createServer((socket) => {
      accepted++;
      serveConnection(socket);
    });
    await new Promise<void>((resolve) => counting.listen(path, resolve));
    const connection = await FcgiConnection.open({ kind: 'unix', path }, 2_000);
    const options = {
      params: jsonParams('/?format=json'),
      keepConn: true,
      timeoutMs: 5_000,
      maxResponseBytes: 1 << 20,
      maxStderrBytes: 1 << 20,
    };
    try {
      const first = await connection.request(options);
      expect(connection.isOpen).toBe(true);
      const second = await connection.request(options);
      expect(second.requestId).toBe(first.requestId + 1);
      const last = await connection.request({ ...options, keepConn: false });
      expect((JSON.parse(toResponse(last, 0).body.toString()) as EchoJson).keepConn).toBe(false);
      expect(accepted).toBe(1);
      // without KEEP_CONN the connection ends with the request
      expect(connection.isOpen).toBe(false);
      await expect(connection.request(options)).rejects.toThrow(/closed the connection/);
    } finally {
      connection.close();
      await new Promise((r) => counting.close(r));
    }
  });

  it('answers GET_VALUES with its limits, and only what was asked', async () => {
    const { path } = await serveInProcess();
    const values = await queryManagementValues({ kind: 'unix', path }, MANAGEMENT_VARIABLES, 2_000);
    expect(Object.fromEntries(values)).toEqual({
      FCGI_MAX_CONNS: '1024',
      FCGI_MAX_REQS: '65536',
      FCGI_MPXS_CONNS: '1',
    });
    const some = await queryManagementValues({ kind: 'unix', path }, ['FCGI_MPXS_CONNS', 'NOT_A_VARIABLE'], 2_000);
    expect([...some]).toEqual([['FCGI_MPXS_CONNS', '1']]);
  });

  it('answers GET_VALUES with the connection cap it was given', async () => {
    const path = sock();
    servers.push(await startServer({ kind: 'unix', path }, { limits: { maxConnections: 7 } }));
    const values = await queryManagementValues({ kind: 'unix', path }, MANAGEMENT_VARIABLES, 2_000);
    expect(Object.fromEntries(values)).toEqual({
      FCGI_MAX_CONNS: '7',
      FCGI_MAX_REQS: String(7 * 64),
      FCGI_MPXS_CONNS: '1',
    });
  });

  it('answers FCGI_OVERLOADED when what all connections hold would pass the bound, and serves again once it is free', async () => {
    const path = sock();
    servers.push(await startServer({ kind: 'unix', path }, { limits: { maxHeldBytes: 8 * 1024 } }));
    const target = { kind: 'unix', path } as const;
    // 5 KiB of params fit; the page, where each '<' is written &#60;, does not
    const bigPage = await sendRequest(target, { params: jsonParams('/', [['X_PAD', '<'.repeat(5 * 1024)]]) });
    expect(bigPage.raw.protocolStatusName).toBe('OVERLOADED');
    // params alone past the bound: refused as they arrive
    const bigParams = await sendRequest(target, { params: jsonParams('/', [['X_PAD', 'x'.repeat(9 * 1024)]]) });
    expect(bigParams.raw.protocolStatusName).toBe('OVERLOADED');
    const small = await sendRequest(target, { params: jsonParams('/') });
    expect(small.raw.protocolStatusName).toBe('REQUEST_COMPLETE');
    expect(small.status).toBe(200);
  });

  it('serves TCP on a port it picks', async () => {
    const server = await startServer({ kind: 'tcp', host: '127.0.0.1', port: 0 });
    servers.push(server);
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    const r = await sendRequest({ kind: 'tcp', host: '127.0.0.1', port: server.port! }, { params: jsonParams('/') });
    expect(r.status).toBe(200);
  });

  it('refuses a live socket and a regular file, replaces a stale socket, and removes its own on close', async () => {
    const { path } = await serveInProcess();
    await expect(startServer({ kind: 'unix', path })).rejects.toThrow(ServeError);
    await expect(startServer({ kind: 'unix', path })).rejects.toThrow(/is in use: another process listens on it/);

    const file = dir.join('regular');
    writeFileSync(file, 'keep me');
    await expect(startServer({ kind: 'unix', path: file })).rejects.toThrow(/exists and is not a socket/);
    expect(statSync(file).isFile()).toBe(true);

    const stale = dir.join('stale.sock');
    await execa('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', stale]);
    const replaced = await startServer({ kind: 'unix', path: stale });
    expect((await sendRequest({ kind: 'unix', path: stale }, { params: jsonParams('/') })).status).toBe(200);
    await replaced.close();
    expect(existsSync(stale)).toBe(false);
  });

  it('refuses a file descriptor that is not a listening socket', async () => {
    await expect(startServer({ kind: 'fd', fd: 987 })).rejects.toThrow(/file descriptor 987 is not a listening socket/);
  });

  it('closes a connection that sends garbage, and tells', async () => {
    const messages: string[] = [];
    const path = sock();
    const server = await startServer({ kind: 'unix', path }, { onProtocolError: (m) => messages.push(m) });
    servers.push(server);
    const s = net.createConnection(path);
    s.on('error', () => undefined);
    s.write('GET / HTTP/1.1\r\n\r\n');
    await new Promise((r) => s.once('close', r));
    expect(messages).toEqual([expect.stringMatching(/record version 71/)]);
  });
});

describe('serve and ping as processes', () => {
  it('ping --format json against serve: the contract envelope and a complete response', async () => {
    const path = sock();
    await serveChild([path]);
    const r = await cli('ping', path, '--format', 'json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const json = expectEnvelope(r.stdout);
    expect(json.target).toBe(path);
    expect(json.findings).toEqual([]);
    const response = json.response!;
    expect(response.status).toBe(200);
    expect(response.protocolStatus).toBe('REQUEST_COMPLETE');
    expect(response.appStatus).toBe(0);
    expect(response.headers).toMatchObject({ 'Content-Type': 'text/html; charset=utf-8' });
    expect(response.body).toContain('FastCGI works');
    expect(response.stderr).toBe('');
    const timings = response.timings as { connectMs: number; firstByteMs: number; totalMs: number };
    // A local connect is measured, not left at zero, and within the default timeout.
    expect(timings.connectMs).toBeGreaterThan(0);
    expect(timings.totalMs).toBeLessThan(5_000);
    expect(timings.firstByteMs).toBeGreaterThanOrEqual(timings.connectMs);
    expect(timings.totalMs).toBeGreaterThanOrEqual(timings.firstByteMs);
  });

  it('--count 200 --concurrency 8, with and without --keep-conn', async () => {
    const path = sock();
    await serveChild([path]);
    for (const extra of [[], ['--keep-conn']]) {
      const r = await cli('ping', path, '--count', '200', '--concurrency', '8', '--format', 'json', ...extra);
      expect(r.exitCode, r.stdout).toBe(0);
      const load = expectEnvelope(r.stdout).load as {
        count: number;
        concurrency: number;
        completed: number;
        failed: number;
        requestsPerSecond: number;
        latencyMs: { min: number; median: number; p99: number; max: number };
      };
      expect(load).toMatchObject({ count: 200, concurrency: 8, completed: 200, failed: 0 });
      expect(load.requestsPerSecond).toBeGreaterThan(0);
      const l = load.latencyMs;
      expect(l.min).toBeGreaterThan(0);
      expect(l.min).toBeLessThanOrEqual(l.median);
      expect(l.median).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.max);
    }
  });

  it('--get-values against serve', async () => {
    const path = sock();
    await serveChild([path]);
    const r = await cli('ping', path, '--get-values', '--format', 'json');
    expect(r.exitCode).toBe(0);
    expect(expectEnvelope(r.stdout).values).toEqual({
      FCGI_MAX_CONNS: '1024',
      FCGI_MAX_REQS: '65536',
      FCGI_MPXS_CONNS: '1',
    });
    const text = await cli('ping', path, '--get-values');
    expect(text.stdout).toContain('FCGI_MPXS_CONNS = 1');
  });

  it('refuses to start over a live socket: exit 2 and a message', async () => {
    const path = sock();
    await serveChild([path]);
    const second = await cli('serve', path);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toBe(`fcgi-doctor: ${path} is in use: another process listens on it`);
    // and the first one still answers
    expect((await cli('ping', path)).exitCode).toBe(0);
  });

  // SIGHUP (the terminal went away) and SIGQUIT (PHP-FPM's and nginx's graceful stop) too: see STOP_SIGNALS in src/cli/serve.ts.
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const)(
    'removes its socket on %s and exits 0, even when signalled as soon as it says it listens',
    async (signal) => {
      for (let i = 0; i < 5; i++) {
        const path = sock();
        const { child } = await serveChild([path]);
        expect(lstatSync(path).isSocket()).toBe(true);
        child.kill(signal);
        expect(await exited(child)).toBe(0);
        expect(existsSync(path)).toBe(false);
      }
    },
  );

  it('SIGUSR1 does not open the Node inspector: nothing listens on 127.0.0.1:9229 and it still serves', async () => {
    const inspectorWasListening = await canConnect(9229);
    const path = sock();
    const { child, stderr } = await serveChild([path]);
    child.kill('SIGUSR1');
    await delay(700);
    expect(child.exitCode).toBe(null);
    expect(listeningTcpPorts(child.pid!)).toEqual([]);
    expect(stderr()).not.toMatch(/Debugger listening|inspector/i);
    if (!inspectorWasListening) expect(await canConnect(9229)).toBe(false);
    expect((await cli('ping', path)).exitCode).toBe(0);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('a socket path longer than the kernel takes (107 bytes): exit 2, a clear message, no file; 107 bytes work', async () => {
    const fill = (bytes: number) => dir.join('p'.repeat(bytes - dir.path.length - 1));
    const tooLong = fill(108);
    expect(Buffer.byteLength(tooLong)).toBe(108);
    const before = readdirSync(dir.path);
    const r = await cli('serve', tooLong);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`is 108 bytes long; a Unix socket path may have at most 107`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // neither the full name nor the kernel's cut of it
    expect(readdirSync(dir.path)).toEqual(before);
    const longest = fill(107);
    const { child } = await serveChild([longest]);
    expect(lstatSync(longest).isSocket()).toBe(true);
    expect((await sendRequest({ kind: 'unix', path: longest }, { params: jsonParams('/') })).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(readdirSync(dir.path)).toEqual(before);
  });

  it('a socket in a directory that does not exist, or is a file: says so, not "permission denied"', async () => {
    const missing = await cli('serve', dir.join('no-such-dir', 'x.sock'));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(
      `fcgi-doctor: directory ${dir.join('no-such-dir')} does not exist: create it first, or choose a socket path in an existing directory`,
    );
    const file = dir.join('a-file');
    writeFileSync(file, '');
    const notDir = await cli('serve', `${file}/x.sock`);
    expect(notDir.exitCode).toBe(2);
    expect(notDir.stderr).toBe(`fcgi-doctor: ${file} is not a directory`);
  });

  it('applies --mode 0660 to its socket', async () => {
    const path = sock();
    await serveChild([path, '--mode', '0660']);
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const other = sock();
    await serveChild([other, '--mode', '600']);
    expect(statSync(other).mode & 0o777).toBe(0o600);
  });

  // In CI a missing spawn-fcgi fails this test instead of skipping it (scripts/install-test-servers.sh installs it).
  it.skipIf(!existsSync('/usr/bin/spawn-fcgi') && !process.env.CI)(
    'serves on file descriptor 0 under spawn-fcgi',
    async () => {
      const path = sock();
      const child = spawn('/usr/bin/spawn-fcgi', ['-n', '-s', path, '--', process.execPath, BIN, 'serve'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      for (let i = 0; i < 100 && !err.includes('listening on fd 0'); i++) await delay(50);
      expect(err).toContain('listening on fd 0');
      const r = await cli('ping', path, '--uri', '/?format=json', '--format', 'json');
      expect(r.exitCode, r.stdout).toBe(0);
      const echo = JSON.parse(expectEnvelope(r.stdout).response!.body as string) as EchoJson;
      expect(echo.pid).toBe(child.pid); // spawn-fcgi -n execs the app in its own process
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    },
  );

  it('serves on file descriptor 0 handed over by a parent, as a process manager does', async () => {
    // What mod_fcgid and mod_fastcgi do: bind and listen, make the socket fd 0, exec the app.
    const path = sock();
    const script = [
      'import os, socket, sys',
      's = socket.socket(socket.AF_UNIX)',
      's.bind(sys.argv[1])',
      's.listen(16)',
      'os.dup2(s.fileno(), 0)',
      's.close()',
      'os.execv(sys.argv[2], sys.argv[2:])',
    ].join('\n');
    const child = spawn('python3', ['-c', script, path, process.execPath, BIN, 'serve'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    for (let i = 0; i < 100 && !err.includes('listening on fd 0'); i++) await delay(50);
    expect(err).toContain(`listening on fd 0 (pid ${child.pid})`);
    const r = await cli('ping', path, '--uri', '/?format=json', '--format', 'json');
    expect(r.exitCode, r.stdout).toBe(0);
    expect((JSON.parse(expectEnvelope(r.stdout).response!.body as string) as EchoJson).pid).toBe(child.pid);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // the socket belongs to whoever created it, not to the app on fd 0
    expect(lstatSync(path).isSocket()).toBe(true);
  });

  it.each([
    ['a file (/dev/null)', 'ignore'],
    ["a connected socket (a parent's socketpair)", 'pipe'],
  ] as const)('without a target and %s on fd 0: exit 2 and what to do', async (_what, stdin) => {
    const r = await execa(process.execPath, [BIN, 'serve'], { reject: false, stdin, timeout: 10_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^fcgi-doctor: file descriptor 0 is not a listening socket: give a socket path or host:port/,
    );
  });

  it('a 1 MiB POST body from --body-file arrives whole', async () => {
    const path = sock();
    await serveChild([path]);
    const file = dir.join('body.bin');
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    writeFileSync(file, body);
    const r = await cli('ping', path, '--body-file', file, '--uri', '/?format=json', '--format', 'json');
    expect(r.exitCode, r.stdout).toBe(0);
    const echo = JSON.parse(expectEnvelope(r.stdout).response!.body as string) as EchoJson;
    expect(echo.bodyBytes).toBe(1024 * 1024);
    expect(echo.params.CONTENT_LENGTH).toBe(String(1024 * 1024));
    expect(echo.params.REQUEST_METHOD).toBe('POST');
    // and from standard input
    const piped = await execa(
      process.execPath,
      [BIN, 'ping', path, '--body-file', '-', '--uri', '/?format=json', '--format', 'json'],
      { input: body, reject: false },
    );
    expect(piped.exitCode).toBe(0);
    expect(
      (JSON.parse((JSON.parse(piped.stdout) as { response: { body: string } }).response.body) as EchoJson).bodyBytes,
    ).toBe(body.length);
  });

  it('--expect-status, --expect-body and --expect-header: exit 0 when they hold, 1 when not', async () => {
    const path = sock();
    await serveChild([path]);
    const cases: Array<[string[], number, string[]]> = [
      [['--expect-status', '200'], 0, []],
      [['--expect-status', '404'], 1, ['backend-error-status']],
      [['--uri', '/?status=404', '--expect-status', '404'], 0, []],
      [['--uri', '/?status=404'], 1, ['backend-error-status']],
      [['--uri', '/?status=503'], 1, ['backend-error-status']],
      [['--expect-status', '201,200'], 0, []],
      [['--expect-body', 'FastCGI works'], 0, []],
      [['--expect-body', '^pong$'], 1, ['expectation-failed']],
      [['--expect-header', 'Content-Type=^text/html'], 0, []],
      [['--expect-header', 'content-type=text/html'], 0, []],
      [['--expect-header', 'Content-Type=json'], 1, ['expectation-failed']],
      [['--expect-header', 'X-Missing=.*'], 1, ['expectation-failed']],
      [
        ['--expect-status', '200', '--expect-body', 'nope', '--expect-header', 'X-Fcgi-Doctor-Pid=^\\d+$'],
        1,
        ['expectation-failed'],
      ],
    ];
    for (const [args, status, ids] of cases) {
      const r = await cli('ping', path, '--format', 'json', ...args);
      expect(r.exitCode, args.join(' ')).toBe(status);
      expect(
        expectEnvelope(r.stdout).findings.map((f) => f.id),
        args.join(' '),
      ).toEqual(ids);
    }
  });

  it('bad arguments: exit 2 with a message, never a stack trace', async () => {
    const path = sock();
    const cases: Array<[string[], RegExp]> = [
      [['ping'], /missing required argument 'target'/],
      [['ping', path, '--bogus'], /unknown option '--bogus'/],
      [['ping', 'localhost'], /no port in target "localhost"/],
      [['ping', 'http://x:80'], /unsupported scheme/],
      [['ping', path, '--timeout', 'soon'], /bad --timeout "soon"/],
      [['ping', path, '--count', 'many'], /--count must be a whole number/],
      [['ping', path, '--count', '0'], /--count must be between 1/],
      [['ping', path, '--format', 'xml'], /--format takes text, json, sarif, github, nagios, [a-z, ]+; not "xml"/],
      [['ping', path, '--expect-status', '999'], /--expect-status takes HTTP statuses/],
      [['ping', path, '--expect-body', '('], /--expect-body: bad regular expression/],
      [['ping', path, '--expect-header', 'novalue'], /--expect-header takes NAME=VALUE/],
      [['ping', path, '--param', '=x'], /--param takes NAME=VALUE/],
      [['ping', path, '--role', 'filter'], /--role takes responder or authorizer/],
      [['ping', path, '--body-file', dir.join('no-such-file')], /cannot read --body-file/],
      [['ping', path, '--body-file', dir.path], /is not a regular file/],
      [['ping', path, '--count', '2', '--body-file', dir.join('x')], /--count sends requests without a body/],
      [['serve', '127.0.0.1:9', '--mode', '0660'], /--mode and --group apply to a Unix socket only/],
      [['serve', path, '--mode', 'rw'], /--mode takes an octal mode/],
      [['serve', path, '--group', 'no-such-group-xyz'], /no such group: no-such-group-xyz/],
      [['serve', path, '--max-connections', '0'], /--max-connections must be between 1 and 100000/],
      [['serve', path, '--idle-timeout', 'soon'], /bad --idle-timeout "soon"/],
      [['serve', path, '--stall-timeout', '0'], /--stall-timeout must be more than 0/],
      [['nonsense'], /unknown command 'nonsense'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at |internal error/);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(existsSync(path)).toBe(false);
  });
});
