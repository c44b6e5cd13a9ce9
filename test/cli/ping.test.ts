/**
 * `fcgi-doctor ping` through main(), in-process: the exit status of every
 * documented case and the JSON envelope of the contract.
 */
import { writeFileSync } from 'node:fs';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { TOOL_VERSION } from '../../src/cli/version.js';
import { encodeEndRequest, encodeStream, ProtocolStatus, RecordType } from '../../src/protocol/index.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { afterRequest, captureIO, hostileServer, makeTempDir, type Hostile, type TempDir } from '../client/support.js';

let dir: TempDir;
let echo: RunningServer;
let echoPath: string;
let counter = 0;
const fixed: Hostile[] = [];

beforeAll(async () => {
  dir = makeTempDir('ping');
  echoPath = dir.join('echo.sock');
  echo = await startServer({ kind: 'unix', path: echoPath });
});
afterEach(async () => {
  for (const s of fixed.splice(0)) await s.close();
});
afterAll(async () => {
  await echo.close();
  dir.remove();
});

/** A backend that answers every request with this stdout, stderr and END_REQUEST. */
async function backend(stdout: string | Buffer, stderr = '', protocolStatus: number = ProtocolStatus.REQUEST_COMPLETE, appStatus = 0): Promise<string> {
  const server = await hostileServer({ path: dir.join(`b${++counter}.sock`) }, (socket: net.Socket) =>
    afterRequest(socket, (id) => {
      socket.end(
        Buffer.concat([
          ...(stderr ? encodeStream(RecordType.STDERR, id, Buffer.from(stderr)) : []),
          ...encodeStream(RecordType.STDOUT, id, Buffer.isBuffer(stdout) ? stdout : Buffer.from(stdout)),
          encodeEndRequest(id, appStatus, protocolStatus),
        ]),
      );
    }),
  );
  fixed.push(server);
  return server.address;
}

interface Envelope {
  version: number;
  tool: { name: string; version: string };
  command: string;
  target: string;
  findings: Array<{ id: string; severity: string; title: string; message: string; evidence: Array<{ kind: string; text: string }>; fix?: string }>;
  summary: { error: number; warning: number; info: number };
  response?: {
    status: number;
    statusText: string;
    headers: Record<string, string>;
    body: string;
    bodyEncoding: string;
    stderr: string;
    appStatus: number;
    protocolStatus: string;
    timings: { connectMs: number; firstByteMs: number; totalMs: number };
  };
  load?: { count: number; concurrency: number; completed: number; failed: number; requestsPerSecond: number; latencyMs: { min: number; median: number; p99: number; max: number } };
  values?: Record<string, string>;
}

async function ping(...args: string[]) {
  const io = captureIO();
  const status = await main(['ping', ...args], io);
  return { status, stdout: io.stdoutText, stderr: io.stderrText };
}

async function pingJson(...args: string[]) {
  const r = await ping(...args, '--format', 'json');
  expect(r.stderr).toBe('');
  // one object on stdout, nothing else
  expect(r.stdout.trim().startsWith('{')).toBe(true);
  const json = JSON.parse(r.stdout) as Envelope;
  return { ...r, json, ids: json.findings.map((f) => f.id) };
}

describe('exit status 0', () => {
  it('the request completed with a 2xx status and no expectation', async () => {
    const r = await pingJson(echoPath);
    expect(r.status).toBe(0);
    expect(r.json.findings).toEqual([]);
  });

  it('a 3xx redirect (Location without Status) is healthy too', async () => {
    const r = await pingJson(await backend('Location: /login\r\n\r\n'));
    expect(r.status).toBe(0);
    expect(r.json.response!.status).toBe(302);
  });

  it('every expectation held', async () => {
    const r = await pingJson(echoPath, '--uri', '/?status=404', '--expect-status', '404', '--expect-body', 'FastCGI works', '--expect-header', 'Content-Type=html');
    expect(r.status).toBe(0);
    expect(r.json.findings).toEqual([]);
  });

  it('stderr alone is a warning, not a failure', async () => {
    const r = await pingJson(await backend('Content-Type: text/plain\r\n\r\nok', 'PHP Notice: Undefined variable $x\n'));
    expect(r.status).toBe(0);
    expect(r.json.findings.map((f) => [f.id, f.severity])).toEqual([['app-stderr', 'warning']]);
    expect(r.json.summary).toEqual({ error: 0, warning: 1, info: 0 });
  });

  it('--help and --version', async () => {
    const help = await ping('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Exit status: 0 the request completed');
    const io = captureIO();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdoutText.trim()).toBe(TOOL_VERSION);
  });
});

describe('exit status 1', () => {
  const cases: Array<[string, () => Promise<string>, string[], string[]]> = [
    ['a 404', () => backend('Status: 404 Not Found\r\n\r\nnope'), [], ['backend-error-status']],
    ['a 500 with stderr', () => backend('Status: 500\r\n\r\n', 'PHP Fatal error: boom'), [], ['backend-error-status', 'app-stderr']],
    ['PHP-FPM\'s Primary script unknown', () => backend('Status: 404 Not Found\r\nContent-type: text/html; charset=UTF-8\r\n\r\nFile not found.\n', 'Primary script unknown'), [], ['primary-script-unknown']],
    ['PHP-FPM\'s Access denied (security.limit_extensions)', () => backend('Status: 403 Forbidden\r\n\r\nAccess denied.\n'), [], ['script-extension-denied']],
    ['a malformed response', () => backend('no headers here'), [], ['backend-bad-response']],
    ['no output at all', () => backend(''), [], ['backend-bad-response']],
    ['OVERLOADED', () => backend('', '', ProtocolStatus.OVERLOADED), [], ['backend-overloaded']],
    ['UNKNOWN_ROLE', () => backend('', '', ProtocolStatus.UNKNOWN_ROLE), [], ['backend-bad-response']],
    ['an unmet --expect-status', () => Promise.resolve(echoPath), ['--expect-status', '204'], ['backend-error-status']],
    ['an unmet --expect-body', () => Promise.resolve(echoPath), ['--expect-body', '^pong$'], ['expectation-failed']],
    ['an unmet --expect-header', () => Promise.resolve(echoPath), ['--expect-header', 'X-Missing=.'], ['expectation-failed']],
    ['a missing socket', () => Promise.resolve(dir.join('nobody.sock')), [], ['socket-missing']],
  ];
  it.each(cases)('%s', async (_name, make, args, ids) => {
    const r = await pingJson(await make(), ...args);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(ids);
    expect(r.json.summary.error).toBeGreaterThan(0);
    expect(r.json.findings.find((f) => f.severity === 'error')!.fix).toBeTruthy();
  });

  it('a load test with failures', async () => {
    const r = await pingJson(echoPath, '--uri', '/?status=500', '--count', '10', '--concurrency', '3');
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['load-requests-failed']);
    expect(r.json.load).toMatchObject({ count: 10, concurrency: 3, completed: 0, failed: 10 });
    expect(r.json.findings[0]!.evidence).toEqual([{ kind: 'request', text: '10× status 500' }]);
  });

  it('a timeout, within the timeout', async () => {
    const silent = await hostileServer({ path: dir.join('silent.sock') }, () => undefined);
    fixed.push(silent);
    const started = performance.now();
    const r = await pingJson(silent.address, '--timeout', '300ms');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-timeout']);
  });
});

describe('exit status 2', () => {
  it.each([
    [['ping'], /missing required argument/],
    [['ping', '[::1'], /must be written in brackets/],
    [['ping', 'host:99999'], /port 99999 out of range/],
    [['ping', '/x.sock', '--connect-timeout', '-1'], /bad --connect-timeout/],
    [['ping', '/x.sock', '--max-response-bytes', '1e6'], /--max-response-bytes must be a whole number/],
    [['ping', '/x.sock', '--concurrency', '0'], /--concurrency must be between 1 and 4096/],
  ])('%j', async (argv, message) => {
    const io = captureIO();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderrText).toMatch(message);
    expect(io.stderrText).not.toMatch(/\n\s+at /);
  });

  it('unreadable input it was told to read', async () => {
    const io = captureIO();
    expect(await main(['ping', echoPath, '--body-file', dir.join('absent.bin')], io)).toBe(2);
    expect(io.stderrText).toMatch(/^fcgi-doctor: cannot read --body-file .*absent\.bin/);
    expect(io.stdoutText).toBe('');
  });
});

describe('the JSON envelope', () => {
  it('has every field of the contract for a single request', async () => {
    const r = await pingJson(`unix:${echoPath}`, '--uri', '/app?format=json', '--header', 'Accept-Language=fr', '--param', 'APP_ENV=ci');
    const j = r.json;
    expect(j.version).toBe(1);
    expect(j.tool).toEqual({ name: 'fcgi-doctor', version: TOOL_VERSION });
    expect(j.command).toBe('ping');
    expect(j.target).toBe(echoPath);
    expect(j.findings).toEqual([]);
    expect(j.summary).toEqual({ error: 0, warning: 0, info: 0 });
    const resp = j.response!;
    expect(resp.status).toBe(200);
    expect(resp.statusText).toBe('');
    expect(resp.headers['Content-Type']).toBe('application/json');
    expect(resp.headers['X-Fcgi-Doctor-Pid']).toBe(String(process.pid));
    expect(resp.bodyEncoding).toBe('utf8');
    const echoed = JSON.parse(resp.body) as { params: Record<string, string> };
    expect(echoed.params).toMatchObject({ REQUEST_URI: '/app?format=json', QUERY_STRING: 'format=json', HTTP_ACCEPT_LANGUAGE: 'fr', APP_ENV: 'ci' });
    expect(resp.stderr).toBe('');
    expect(resp.appStatus).toBe(0);
    expect(resp.protocolStatus).toBe('REQUEST_COMPLETE');
    expect(Object.keys(resp.timings).sort()).toEqual(['connectMs', 'firstByteMs', 'totalMs']);
    // A local connect is measured, not left at zero, and within the default timeout.
    expect(resp.timings.connectMs).toBeGreaterThan(0);
    expect(resp.timings.totalMs).toBeLessThan(5_000);
    expect(resp.timings.firstByteMs).toBeGreaterThanOrEqual(resp.timings.connectMs);
    expect(resp.timings.totalMs).toBeGreaterThanOrEqual(resp.timings.firstByteMs);
    expect(j.load).toBeUndefined();
  });

  it('carries stderr, appStatus, joined repeated headers and a binary body as base64', async () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    const address = await backend(Buffer.concat([Buffer.from('Content-Type: application/octet-stream\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n'), body]), 'warning: x\n', 0, 7);
    const r = await pingJson(address);
    const resp = r.json.response!;
    expect(resp.bodyEncoding).toBe('base64');
    expect(Buffer.from(resp.body, 'base64').equals(body)).toBe(true);
    expect(resp.headers['Set-Cookie']).toBe('a=1, b=2');
    expect(resp.stderr).toBe('warning: x\n');
    expect(resp.appStatus).toBe(7);
  });

  it('has the load fields with --count', async () => {
    const r = await pingJson(echoPath, '--count', '50', '--concurrency', '4', '--keep-conn');
    expect(r.status).toBe(0);
    const load = r.json.load!;
    expect(Object.keys(load).sort()).toEqual(['completed', 'concurrency', 'count', 'failed', 'latencyMs', 'requestsPerSecond']);
    expect(load).toMatchObject({ count: 50, concurrency: 4, completed: 50, failed: 0 });
    expect(load.requestsPerSecond).toBeGreaterThan(0);
    expect(Object.keys(load.latencyMs).sort()).toEqual(['max', 'median', 'min', 'p99']);
    expect(load.latencyMs.min).toBeLessThanOrEqual(load.latencyMs.median);
    expect(load.latencyMs.median).toBeLessThanOrEqual(load.latencyMs.p99);
    expect(load.latencyMs.p99).toBeLessThanOrEqual(load.latencyMs.max);
    expect(r.json.response).toBeUndefined();
  });

  it('has the management values with --get-values alone', async () => {
    const r = await pingJson(echoPath, '--get-values');
    expect(r.status).toBe(0);
    expect(r.json.values).toEqual({ FCGI_MAX_CONNS: '1024', FCGI_MAX_REQS: '65536', FCGI_MPXS_CONNS: '1' });
    expect(r.json.response).toBeUndefined();
  });

  it('with --verbose still prints one JSON object and nothing else', async () => {
    const r = await pingJson(echoPath, '--verbose');
    expect(r.status).toBe(0);
    expect(r.json.response!.status).toBe(200);
  });

  it('a failure names the target in its evidence', async () => {
    const r = await pingJson('127.0.0.1:1');
    expect(r.status).toBe(1);
    expect(r.json.target).toBe('127.0.0.1:1');
    expect(r.json.findings[0]!.evidence[0]).toEqual({ kind: 'request', text: expect.stringMatching(/^127\.0\.0\.1:1: connection refused/) as unknown as string });
  });
});

describe('the text output', () => {
  it('shows the status, timings, headers and body', async () => {
    const r = await ping(echoPath);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^✓ 200 OK from ${echoPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  connect .* · first byte .* · total .*\n`));
    expect(r.stdout).toContain('  ✓ status 2xx or 3xx');
    expect(r.stdout).toContain('Content-Type: text/html; charset=utf-8');
    expect(r.stdout).toContain('<h1>FastCGI works</h1>');
  });

  it('--verbose traces the records on stderr', async () => {
    const r = await ping(echoPath, '--verbose');
    expect(r.stderr).toMatch(/→ BEGIN_REQUEST\s+id=1 len=8/);
    expect(r.stderr).toMatch(/→ PARAMS\s+id=1 len=0/);
    expect(r.stderr).toMatch(/← STDOUT\s+id=1 len=\d+/);
    expect(r.stderr).toMatch(/← END_REQUEST\s+id=1 len=8/);
  });

  it('truncates a long body on a terminal, with a note', async () => {
    const address = await backend(`Content-Type: text/plain\r\n\r\n${'x'.repeat(10_000)}`);
    const io = { ...captureIO(), stdoutIsTTY: true };
    const out: string[] = [];
    io.stdout = (t: string) => void out.push(t);
    expect(await main(['ping', address, '--no-color'], io)).toBe(0);
    expect(out.join('')).toContain('… (body truncated: 4096 of 10000 bytes shown; --verbose shows all)');
  });

  it('states the failure and its fix', async () => {
    const r = await ping(dir.join('gone.sock'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[socket-missing]');
    expect(r.stdout).toMatch(/fix: Start the backend/);
  });

  it('reads the body from standard input with --body-file -', async () => {
    const io = captureIO('hello body');
    expect(await main(['ping', echoPath, '--body-file', '-', '--uri', '/?format=json', '--format', 'json'], io)).toBe(0);
    const json = JSON.parse(io.stdoutText) as Envelope;
    expect((JSON.parse(json.response!.body) as { bodyBytes: number; params: Record<string, string> }).bodyBytes).toBe(10);
  });

  it('sends a file body with its length', async () => {
    const file = dir.join('small.txt');
    writeFileSync(file, 'abc');
    const r = await pingJson(echoPath, '--body-file', file, '--uri', '/?format=json');
    const echoed = JSON.parse(r.json.response!.body) as { bodyBytes: number; params: Record<string, string> };
    expect(echoed.bodyBytes).toBe(3);
    expect(echoed.params.CONTENT_LENGTH).toBe('3');
    expect(echoed.params.REQUEST_METHOD).toBe('POST');
  });
});
