/**
 * `fcgi-doctor ping` through main(), in-process: the exit status of every
 * documented case and the JSON envelope of the contract.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type net from 'node:net';
import { PassThrough } from 'node:stream';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { TOOL_VERSION } from '../../src/cli/version.js';
import {
  encodeEndRequest,
  encodeGetValuesResult,
  encodeStream,
  encodeUnknownType,
  ProtocolStatus,
  RecordType,
} from '../../src/protocol/index.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import {
  afterRequest,
  BIN,
  captureIO,
  ensureBuilt,
  hostileServer,
  makeTempDir,
  type Hostile,
  type TempDir,
} from '../client/support.js';

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
async function backend(
  stdout: string | Buffer,
  stderr = '',
  protocolStatus: number = ProtocolStatus.REQUEST_COMPLETE,
  appStatus = 0,
): Promise<string> {
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
  findings: Array<{
    id: string;
    severity: string;
    title: string;
    message: string;
    evidence: Array<{ kind: string; text: string }>;
    fix?: string;
  }>;
  summary: { error: number; warning: number; info: number; suppressed: number };
  suppressed: Array<{ id: string; reason: string; source: string }>;
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
  load?: {
    count: number;
    concurrency: number;
    completed: number;
    failed: number;
    requestsPerSecond: number;
    latencyMs: { min: number; median: number; p99: number; max: number };
  };
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
    const r = await pingJson(
      echoPath,
      '--uri',
      '/?status=404',
      '--expect-status',
      '404',
      '--expect-body',
      'FastCGI works',
      '--expect-header',
      'Content-Type=html',
    );
    expect(r.status).toBe(0);
    expect(r.json.findings).toEqual([]);
  });

  it('stderr alone is a warning, not a failure', async () => {
    const r = await pingJson(
      await backend('Content-Type: text/plain\r\n\r\nok', 'PHP Notice: Undefined variable $x\n'),
    );
    expect(r.status).toBe(0);
    expect(r.json.findings.map((f) => [f.id, f.severity])).toEqual([['app-stderr', 'warning']]);
    expect(r.json.summary).toEqual({ error: 0, warning: 1, info: 0, suppressed: 0 });
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
    [
      'a 500 with stderr',
      () => backend('Status: 500\r\n\r\n', 'PHP Fatal error: boom'),
      [],
      ['backend-error-status', 'app-stderr'],
    ],
    [
      "PHP-FPM's Primary script unknown",
      () =>
        backend(
          'Status: 404 Not Found\r\nContent-type: text/html; charset=UTF-8\r\n\r\nFile not found.\n',
          'Primary script unknown',
        ),
      [],
      ['primary-script-unknown'],
    ],
    [
      "PHP-FPM's Access denied (security.limit_extensions)",
      () => backend('Status: 403 Forbidden\r\n\r\nAccess denied.\n'),
      [],
      ['script-extension-denied'],
    ],
    ['a malformed response', () => backend('no headers here'), [], ['backend-bad-response']],
    ['no output at all', () => backend(''), [], ['backend-bad-response']],
    ['OVERLOADED', () => backend('', '', ProtocolStatus.OVERLOADED), [], ['backend-overloaded']],
    ['UNKNOWN_ROLE', () => backend('', '', ProtocolStatus.UNKNOWN_ROLE), [], ['backend-bad-response']],
    ['an unmet --expect-status', () => Promise.resolve(echoPath), ['--expect-status', '204'], ['backend-error-status']],
    ['an unmet --expect-body', () => Promise.resolve(echoPath), ['--expect-body', '^pong$'], ['expectation-failed']],
    [
      'an unmet --expect-header',
      () => Promise.resolve(echoPath),
      ['--expect-header', 'X-Missing=.'],
      ['expectation-failed'],
    ],
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
    const r = await pingJson(
      `unix:${echoPath}`,
      '--uri',
      '/app?format=json',
      '--header',
      'Accept-Language=fr',
      '--param',
      'APP_ENV=ci',
    );
    const j = r.json;
    expect(j.version).toBe(1);
    expect(j.tool).toEqual({ name: 'fcgi-doctor', version: TOOL_VERSION });
    expect(j.command).toBe('ping');
    expect(j.target).toBe(echoPath);
    expect(j.findings).toEqual([]);
    expect(j.summary).toEqual({ error: 0, warning: 0, info: 0, suppressed: 0 });
    expect(j.suppressed).toEqual([]);
    const resp = j.response!;
    expect(resp.status).toBe(200);
    expect(resp.statusText).toBe('');
    expect(resp.headers['Content-Type']).toBe('application/json');
    expect(resp.headers['X-Fcgi-Doctor-Pid']).toBe(String(process.pid));
    expect(resp.bodyEncoding).toBe('utf8');
    const echoed = JSON.parse(resp.body) as { params: Record<string, string> };
    expect(echoed.params).toMatchObject({
      REQUEST_URI: '/app?format=json',
      QUERY_STRING: 'format=json',
      HTTP_ACCEPT_LANGUAGE: 'fr',
      APP_ENV: 'ci',
    });
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
    const address = await backend(
      Buffer.concat([
        Buffer.from('Content-Type: application/octet-stream\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n'),
        body,
      ]),
      'warning: x\n',
      0,
      7,
    );
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
    expect(Object.keys(load).sort()).toEqual([
      'completed',
      'concurrency',
      'count',
      'failed',
      'latencyMs',
      'requestsPerSecond',
    ]);
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
    expect(r.json.findings[0]!.evidence[0]).toEqual({
      kind: 'request',
      text: expect.stringMatching(/^127\.0\.0\.1:1: connection refused/) as unknown as string,
    });
  });
});

describe('the text output', () => {
  it('shows the status, timings, headers and body', async () => {
    const r = await ping(echoPath);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^✓ 200 OK from ${echoPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  connect .* · first byte .* · total .*\n`,
      ),
    );
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
    expect(await main(['ping', echoPath, '--body-file', '-', '--uri', '/?format=json', '--format', 'json'], io)).toBe(
      0,
    );
    const json = JSON.parse(io.stdoutText) as Envelope;
    expect((JSON.parse(json.response!.body) as { bodyBytes: number; params: Record<string, string> }).bodyBytes).toBe(
      10,
    );
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

describe('--get-values against backends that do not answer, or answer badly (issue 12 item 3)', () => {
  /** A backend whose reaction to the first bytes it reads (the GET_VALUES record) is the test's. */
  async function onQuestion(react: (socket: net.Socket) => void): Promise<string> {
    const server = await hostileServer({ path: dir.join(`q${++counter}.sock`) }, (socket) =>
      socket.once('data', () => react(socket)),
    );
    fixed.push(server);
    return server.address;
  }

  async function timed(...args: string[]) {
    const started = performance.now();
    const r = await pingJson(...args);
    return { ...r, ms: performance.now() - started };
  }

  it('silence (uWSGI, fcgiwrap, libfcgi): a short wait, then information, not a timeout', async () => {
    const r = await timed(await onQuestion(() => undefined), '--get-values', '--timeout', '20s');
    expect(r.ms).toBeLessThan(3_000);
    expect(r.status).toBe(0);
    expect(r.json.findings.map((f) => [f.id, f.severity])).toEqual([['management-records-unanswered', 'info']]);
    expect(r.json.findings[0]!.message).toMatch(/no answer to FCGI_GET_VALUES within 1 s/);
    expect(JSON.stringify(r.json)).not.toMatch(/backend-timeout|slow query|PHP-FPM among them/);
  });

  it('waits no longer than --timeout when it is under a second', async () => {
    const r = await timed(await onQuestion(() => undefined), '--get-values', '--timeout', '200ms');
    expect(r.ms).toBeLessThan(900);
    expect(r.ids).toEqual(['management-records-unanswered']);
  });

  it('UNKNOWN_TYPE is the same information', async () => {
    const r = await timed(
      await onQuestion((s) => s.write(encodeUnknownType(RecordType.GET_VALUES))),
      '--get-values',
      '--timeout',
      '20s',
    );
    expect(r.ms).toBeLessThan(1_000);
    expect(r.status).toBe(0);
    expect(r.ids).toEqual(['management-records-unanswered']);
  });

  it('a close is reported at once, not after the timeout', async () => {
    const r = await timed(await onQuestion((s) => s.destroy()), '--get-values', '--timeout', '20s');
    expect(r.ms).toBeLessThan(1_000);
    expect(r.ids).toEqual(['management-records-unanswered']);
    expect(r.json.findings[0]!.message).toMatch(/closed the connection without answering/);
  });

  it.each([
    ['garbage (an HTTP answer)', (s: net.Socket) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n'), /version/],
    [
      'a record for a request never sent',
      (s: net.Socket) => s.write(Buffer.concat(encodeStream(RecordType.STDOUT, 7, Buffer.from('x')))),
      /request id 7/,
    ],
  ])('%s is a protocol error, reported at once', async (_name, react, message) => {
    const r = await timed(await onQuestion(react), '--get-values', '--timeout', '20s');
    expect(r.ms).toBeLessThan(1_000);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-protocol-error']);
    expect(r.json.findings[0]!.message).toMatch(message);
  });
});

describe('--get-values answers are untrusted (issue 12 item 23)', () => {
  const name = 'FCGI_MAX_CONNS\u001b]0;PWN\u0007\u001b[2J';
  const value = '1\u001b[31m\u0008';
  async function answering(): Promise<string> {
    const server = await hostileServer({ path: dir.join(`v${++counter}.sock`) }, (socket) =>
      socket.once('data', () => socket.write(encodeGetValuesResult([[name, value]]))),
    );
    fixed.push(server);
    return server.address;
  }

  it('text escapes the names and the values', async () => {
    const r = await ping(await answering(), '--get-values', '--no-color');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('FCGI_MAX_CONNS\\e]0;PWN\\x07\\e[2J = 1\\e[31m\\x08');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it.each(['json', 'sarif', 'github', 'nagios', 'jsonl'])(
    '--format %s carries no raw control character',
    async (format) => {
      const r = await ping(await answering(), '--get-values', '--format', format);
      // eslint-disable-next-line no-control-regex
      expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      if (format === 'json') expect((JSON.parse(r.stdout) as Envelope).values).toEqual({ [name]: value });
    },
  );
});

describe('a directory as the target (issue 12 item 2)', () => {
  async function listenIn(path: string): Promise<void> {
    const s = await hostileServer({ path }, (socket) => socket.destroy());
    fixed.push(s);
  }

  it('says it is a directory, lists the sockets in it (bounded), and never advises removing it', async () => {
    const sub = dir.join('run-many');
    mkdirSync(sub);
    for (let i = 0; i < 12; i++) await listenIn(join(sub, `p${String(i).padStart(2, '0')}.sock`));
    writeFileSync(join(sub, 'notes.txt'), 'not a socket');
    const r = await pingJson(sub);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['socket-not-socket']);
    const f = r.json.findings[0]!;
    expect(f.title).toBe('The target is a directory, not a socket');
    expect(f.message).toContain(`${sub} is a directory, not a socket`);
    const probes = f.evidence.filter((e) => e.kind === 'probe').map((e) => e.text);
    expect(probes).toHaveLength(11);
    expect(probes[0]).toBe(`socket in it: ${join(sub, 'p00.sock')}`);
    expect(probes.at(-1)).toBe('… and 2 more sockets');
    expect(probes.join('\n')).not.toContain('notes.txt');
    expect(`${f.message} ${f.fix}`).not.toMatch(/remove|stale/i);
  });

  it('with one socket in it, the fix names that socket', async () => {
    const sub = dir.join('run-one');
    mkdirSync(sub);
    await listenIn(join(sub, 'php-fpm.sock'));
    const r = await pingJson(sub, '--get-values');
    expect(r.ids).toEqual(['socket-not-socket']);
    expect(r.json.findings[0]!.fix).toBe(`Name the socket: fcgi-doctor ping ${join(sub, 'php-fpm.sock')}`);
    const text = await ping(sub, '--no-color');
    expect(text.stdout).toContain('is a directory, not a socket');
  });

  it('a regular file is not called a directory, and its fix does not tell to delete it blindly', async () => {
    const file = dir.join('plain.sock');
    writeFileSync(file, '');
    const r = await pingJson(file);
    expect(r.ids).toEqual(['socket-not-socket']);
    expect(r.json.findings[0]!.message).toContain('is not a socket (it is a regular file)');
  });
});

describe('socket paths longer than sun_path, 107 bytes (issue 12 item 19, ping)', () => {
  let deep: string;
  beforeAll(() => {
    deep = dir.join('d'.repeat(60), 'e'.repeat(40));
    mkdirSync(deep, { recursive: true });
    expect(Buffer.byteLength(join(deep, 'x.sock'))).toBeGreaterThan(107);
  });

  /** A backend bound through its directory (bind has the same limit): the socket really is at the long path. */
  async function longBackend(name: string): Promise<string> {
    const fd = openSync(deep, 'r');
    try {
      const s = await hostileServer({ path: `/proc/self/fd/${fd}/${name}` }, (socket: net.Socket) =>
        afterRequest(socket, (id) =>
          socket.end(
            Buffer.concat([
              ...encodeStream(RecordType.STDOUT, id, Buffer.from('Content-Type: text/plain\r\n\r\nlong ok')),
              encodeEndRequest(id, 0, 0),
            ]),
          ),
        ),
      );
      fixed.push(s);
    } finally {
      closeSync(fd);
    }
    return join(deep, name);
  }

  it('reaches a socket at a long path through its directory', async () => {
    const path = await longBackend('fpm.sock');
    expect(statSync(path).isSocket()).toBe(true);
    const r = await pingJson(path);
    expect(r.status).toBe(0);
    expect(r.json.response!.body).toBe('long ok');
  });

  it('a missing socket at a long path is missing, even when its truncated name is a stale socket', async () => {
    const path = join(deep, 'gone.sock');
    // What libuv would have connected to: the first 108 bytes of the path (sun_path, no room for the NUL), left as a stale socket.
    const cut = Buffer.from(path).subarray(0, 108).toString();
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(cut)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(statSync(cut).isSocket()).toBe(true);
    const r = await pingJson(path);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['socket-missing']);
    expect(JSON.stringify(r.json.findings)).not.toMatch(/stale/i);
  });

  it('refuses, with a clear message, a file name that is too long even through its directory', async () => {
    const r = await pingJson(join(deep, `${'n'.repeat(100)}.sock`));
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-unreachable']);
    expect(r.json.findings[0]!.message).toMatch(/longer than the 107 a Unix socket address holds/);
  });

  it('a long path whose directory does not exist is a missing socket', async () => {
    const r = await pingJson(join(deep, 'nodir', 'x'.repeat(20), 'y.sock'));
    expect(r.ids).toEqual(['socket-missing']);
    expect(r.json.findings[0]!.message).toMatch(/does not exist/);
  });
});

describe('--timeout covers reading --body-file - (issue 12 item 15)', () => {
  it('standard input that never ends: exit 2 at the timeout, nothing sent', async () => {
    const io = captureIO();
    const stdin = new PassThrough();
    stdin.write('partial');
    io.stdin = stdin;
    const started = performance.now();
    expect(await main(['ping', echoPath, '--body-file', '-', '--timeout', '300ms'], io)).toBe(2);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(io.stderrText).toMatch(
      /--timeout 0\.3 s ran out while reading the request body from standard input \(7 bytes read, no end yet\): nothing was sent/,
    );
    expect(stdin.destroyed).toBe(true);
  });

  it('the time spent reading standard input counts against the request', async () => {
    const silent = await hostileServer({ path: dir.join('slow-after-stdin.sock') }, () => undefined);
    fixed.push(silent);
    const io = captureIO();
    const stdin = new PassThrough();
    io.stdin = stdin;
    setTimeout(() => stdin.end('body'), 400);
    const started = performance.now();
    expect(await main(['ping', silent.address, '--body-file', '-', '--timeout', '700ms', '--format', 'json'], io)).toBe(
      1,
    );
    const took = performance.now() - started;
    expect(took).toBeGreaterThan(650);
    expect(took).toBeLessThan(1_000);
  });

  it('`sleep 30 | fcgi-doctor ping S --body-file - --timeout 1s` (a pipe that stays open) ends after about 1 s', async () => {
    await ensureBuilt();
    const started = performance.now();
    // The pipe to its standard input stays open with no data, as `sleep 30 |` keeps it.
    const child = execa(process.execPath, [BIN, 'ping', echoPath, '--body-file', '-', '--timeout', '1s'], {
      reject: false,
      stdin: 'pipe',
      timeout: 20_000,
    });
    const r = await child;
    expect(performance.now() - started).toBeLessThan(6_000);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/ran out while reading the request body from standard input/);
  }, 30_000);
});

describe('--get-values with a request after it', () => {
  it('an unreachable target is reported once, not once per exchange', async () => {
    const r = await pingJson(dir.join('absent-gv.sock'), '--get-values', '--script', '/srv/x.php');
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['socket-missing']);
  });

  it('a backend that does not answer management records still gets the request', async () => {
    const r = await pingJson(
      await backend('Content-Type: text/plain\r\n\r\nok'),
      '--get-values',
      '--script',
      '/srv/x.php',
      '--timeout',
      '3s',
    );
    expect(r.status).toBe(0);
    expect(r.ids).toEqual(['management-records-unanswered']);
    expect(r.json.response!.body).toBe('ok');
  });
});

describe('a directory above the socket (ping /run for /run/php/php-fpm.sock)', () => {
  it('lists the sockets one level down when the directory holds none itself', async () => {
    const top = dir.join('run-top');
    mkdirSync(join(top, 'php'), { recursive: true });
    mkdirSync(join(top, 'empty'));
    const s = await hostileServer({ path: join(top, 'php', 'php-fpm.sock') }, (socket) => socket.destroy());
    fixed.push(s);
    const r = await pingJson(top);
    const f = r.json.findings[0]!;
    expect(f.evidence.filter((e) => e.kind === 'probe').map((e) => e.text)).toEqual([
      `socket below it: ${join(top, 'php', 'php-fpm.sock')}`,
    ]);
    expect(f.fix).toBe(`Name the socket: fcgi-doctor ping ${join(top, 'php', 'php-fpm.sock')}`);
  });

  it('says so when there is none, and still does not advise removing anything', async () => {
    const empty = dir.join('run-empty');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    const r = await pingJson(empty);
    const f = r.json.findings[0]!;
    expect(f.evidence.at(-1)!.text).toBe(`${empty} holds no socket, nor do its subdirectories one level down`);
    expect(`${f.message} ${f.fix}`).not.toMatch(/remove/i);
  });
});

describe('a long socket path whose directory is a FIFO', () => {
  it('fails at once instead of blocking in open()', async () => {
    const base = dir.join('f'.repeat(90));
    mkdirSync(base);
    const fifo = join(base, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const started = performance.now();
    const r = await pingJson(join(fifo, `${'s'.repeat(20)}.sock`), '--timeout', '2s');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['socket-missing']);
  });
});
