/**
 * Hostile and broken servers, written here with node:net: each must end the
 * request within its timeout, with a clear message, bounded memory and the
 * documented exit status.
 */
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findingsForResponse } from '../../src/checks/request/outcome.js';
import { main } from '../../src/cli/main.js';
import { FcgiClientError } from '../../src/client/errors.js';
import { evaluateExpectations } from '../../src/client/expectations.js';
import { buildRequestEnvironment } from '../../src/client/params.js';
import { DEFAULT_MAX_STDERR_BYTES, sendRequest, type SendOptions } from '../../src/client/request.js';
import { parseTarget } from '../../src/client/target.js';
import {
  encodeEndRequest,
  encodeRecord,
  encodeStream,
  encodeUnknownType,
  ProtocolStatus,
  RecordType,
} from '../../src/protocol/index.js';
import { afterRequest, captureIO, hostileServer, makeTempDir, type Hostile, type TempDir } from './support.js';

let dir: TempDir;
let server: Hostile | undefined;
let counter = 0;

beforeAll(() => {
  dir = makeTempDir('hostile');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

/** A hostile server on a fresh Unix socket (or TCP) that runs `behave` on each connection. */
async function serve(behave: (socket: net.Socket) => void, tcp = false): Promise<string> {
  server = await hostileServer(tcp ? { tcp: true } : { path: dir.join(`h${++counter}.sock`) }, behave);
  return server.address;
}

/** Answers once the request has been read. */
const onRequest = (answer: (socket: net.Socket, id: number) => void) => (socket: net.Socket) =>
  afterRequest(socket, (id) => answer(socket, id));

const params = buildRequestEnvironment({ script: '/srv/index.php' });

function request(address: string, options: Partial<SendOptions> = {}) {
  return sendRequest(parseTarget(address), { params, timeoutMs: 1_000, ...options });
}

async function expectClientError(promise: Promise<unknown>, code: string, message: RegExp): Promise<FcgiClientError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(FcgiClientError);
    expect((err as FcgiClientError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    return err as FcgiClientError;
  }
  throw new Error(`expected a ${code} error, the request succeeded`);
}

/** main(['ping', …]) in-process, JSON output parsed. */
async function pingJson(address: string, ...args: string[]) {
  const io = captureIO();
  const started = performance.now();
  const status = await main(['ping', address, '--format', 'json', ...args], io);
  const elapsed = performance.now() - started;
  expect(io.stderrText).toBe('');
  const json = JSON.parse(io.stdoutText) as {
    findings: Array<{ id: string; severity: string; message: string }>;
    response?: Record<string, unknown>;
  };
  return { status, json, elapsed, ids: json.findings.map((f) => f.id) };
}

const ok = (id: number, body = 'ok') =>
  Buffer.concat([
    ...encodeStream(RecordType.STDOUT, id, Buffer.from(`Content-Type: text/plain\r\n\r\n${body}`)),
    encodeEndRequest(id, 0, 0),
  ]);

describe('a server that never answers', () => {
  it('times out waiting for the first byte, within the timeout', async () => {
    const address = await serve(() => undefined);
    const started = performance.now();
    await expectClientError(
      request(address, { timeoutMs: 300 }),
      'timeout',
      /timed out after 0\.3 s waiting for the first byte/,
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('ping exits 1 with backend-timeout', async () => {
    const address = await serve(() => undefined);
    const r = await pingJson(address, '--timeout', '400ms');
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-timeout']);
    expect(r.json.findings[0]!.message).toMatch(/first byte/);
    expect(r.elapsed).toBeLessThan(2_000);
  });
});

describe('a server that never reads the request body', () => {
  it('times out in the send phase, saying so', async () => {
    const address = await serve((s) => s.pause());
    const started = performance.now();
    const err = await expectClientError(
      request(address, { timeoutMs: 500, body: { data: Buffer.alloc(16 * 1024 * 1024) } }),
      'timeout',
      /^timed out after 0\.5 s sending the request \(the backend does not read it\)$/,
    );
    expect(err.details.phase).toBe('send');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('a server that answers garbage', () => {
  it('an HTTP answer is a protocol error asking whether this is FastCGI, and ping names HTTP', async () => {
    const address = await serve((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), true);
    await expectClientError(request(address), 'protocol', /record version 72 .*is this really a FastCGI server\?/);
    const r = await pingJson(address);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-protocol-error']);
    expect(r.json.findings[0]!.message).toMatch(/HTTP\/1\.1 400 Bad Request: it is an HTTP server/);
  });

  it('a record of the wrong version is refused', async () => {
    const address = await serve(
      onRequest((s, id) => {
        const rec = encodeRecord(RecordType.STDOUT, id, Buffer.from('Status: 200\r\n\r\n'));
        rec[0] = 2;
        s.write(rec);
      }),
    );
    await expectClientError(request(address), 'protocol', /record version 2 \(expected 1\)/);
    expect((await pingJson(address)).status).toBe(1);
  });

  it('a management record nobody asked for ends the request', async () => {
    const address = await serve(onRequest((s) => s.write(encodeUnknownType(42))));
    await expectClientError(request(address), 'protocol', /does not know record type type 42|UNKNOWN_TYPE/);
  });

  it('an END_REQUEST with a short body is a protocol error', async () => {
    const address = await serve(
      onRequest((s, id) => s.write(encodeRecord(RecordType.END_REQUEST, id, Buffer.from([0, 0])))),
    );
    await expectClientError(request(address), 'protocol', /END_REQUEST body of 2 bytes/);
  });

  it('a record type a responder never sends is a protocol error', async () => {
    const address = await serve(onRequest((s, id) => s.write(encodeRecord(RecordType.PARAMS, id, Buffer.alloc(0)))));
    await expectClientError(request(address), 'protocol', /unexpected PARAMS record from the backend for request 1/);
  });
});

describe('a header that promises more bytes than are sent', () => {
  const partial = (id: number) =>
    Buffer.concat([Buffer.from([1, RecordType.STDOUT, id >> 8, id & 0xff, 0x01, 0x00, 0, 0]), Buffer.alloc(10, 0x41)]);

  it('then silence: times out, saying a record was left incomplete', async () => {
    const address = await serve(onRequest((s, id) => s.write(partial(id))));
    const started = performance.now();
    const err = await expectClientError(
      request(address, { timeoutMs: 400 }),
      'timeout',
      /^timed out after 0\.4 s waiting for FCGI_END_REQUEST \(received 0 bytes of output; a record was left incomplete \(18 bytes of it\)\)$/,
    );
    expect(err.details.phase).toBe('response');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('then a close: the backend closed in the middle of a record', async () => {
    const address = await serve(onRequest((s, id) => s.end(partial(id))));
    await expectClientError(
      request(address),
      'closed-early',
      /closed the connection before FCGI_END_REQUEST in the middle of a record \(18 bytes of it\)/,
    );
    const r = await pingJson(address);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-bad-response']);
  });
});

describe('a server that closes early', () => {
  it('before any output', async () => {
    const address = await serve(onRequest((s) => s.end()));
    await expectClientError(
      request(address),
      'closed-early',
      /closed the connection before FCGI_END_REQUEST \(received 0 bytes in all\)/,
    );
  });

  it('after a complete response but before END_REQUEST', async () => {
    const address = await serve(
      onRequest((s, id) =>
        s.end(Buffer.concat(encodeStream(RecordType.STDOUT, id, Buffer.from('Status: 200\r\n\r\nhalf')))),
      ),
    );
    await expectClientError(request(address), 'closed-early', /before FCGI_END_REQUEST \(received \d+ bytes in all\)/);
    const r = await pingJson(address);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-bad-response']);
  });

  it('with a reset', async () => {
    const address = await serve(
      onRequest((s) => s.resetAndDestroy()),
      true,
    );
    const err = await expectClientError(
      request(address),
      'closed-early',
      /closed the connection before FCGI_END_REQUEST/,
    );
    expect(err.details.phase).toBe('response');
  });
});

describe('a server that answers with the wrong request id', () => {
  it('is told apart: request id 7 in reply, 1 expected', async () => {
    const address = await serve(onRequest((s) => s.write(ok(7))));
    await expectClientError(request(address), 'wrong-request-id', /^request id 7 in reply, 1 expected$/);
    const r = await pingJson(address);
    expect(r.status).toBe(1);
    // docs/findings/backend-protocol-error.md: a request id that does not match breaks framing.
    expect(r.ids).toEqual(['backend-protocol-error']);
  });
});

describe('END_REQUEST statuses', () => {
  it('OVERLOADED becomes backend-overloaded', async () => {
    const address = await serve(onRequest((s, id) => s.end(encodeEndRequest(id, 0, ProtocolStatus.OVERLOADED))));
    const response = await request(address);
    expect(response.raw.protocolStatusName).toBe('OVERLOADED');
    const findings = findingsForResponse(parseTarget(address), response, evaluateExpectations(response, {}));
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['backend-overloaded', 'error']]);
    expect(findings[0]!.message).toMatch(/FCGI_OVERLOADED/);
    const r = await pingJson(address);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-overloaded']);
    expect(r.json.response!.protocolStatus).toBe('OVERLOADED');
  });

  it('UNKNOWN_ROLE and CANT_MPX_CONN are a rejected request', async () => {
    for (const status of [ProtocolStatus.UNKNOWN_ROLE, ProtocolStatus.CANT_MPX_CONN]) {
      const address = await serve(
        onRequest((s, id) => s.end(Buffer.concat([ok(id).subarray(0, -16), encodeEndRequest(id, 0, status)]))),
      );
      const response = await request(address);
      const findings = findingsForResponse(parseTarget(address), response, evaluateExpectations(response, {}));
      expect(findings.map((f) => f.id)).toEqual(['backend-bad-response']);
      expect(findings[0]!.message).toMatch(
        status === ProtocolStatus.UNKNOWN_ROLE ? /UNKNOWN_ROLE: it does not play the role/ : /CANT_MPX_CONN/,
      );
      await server!.close();
      server = undefined;
    }
  });

  it('a non-zero appStatus is reported as sent', async () => {
    const address = await serve(
      onRequest((s, id) => s.end(Buffer.concat([ok(id).subarray(0, -16), encodeEndRequest(id, 3, 0)]))),
    );
    const r = await pingJson(address);
    expect(r.status).toBe(0);
    expect(r.json.response!.appStatus).toBe(3);
  });
});

/** Writes `record` again and again, with back-pressure, until the client goes away; resolves to the records written. */
function flood(socket: net.Socket, record: Buffer, limit = Infinity): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const pump = () => {
      while (!socket.destroyed && sent < limit) {
        sent += 1;
        if (!socket.write(record)) return;
      }
      if (sent >= limit) resolve(sent);
    };
    socket.on('drain', pump);
    socket.on('close', () => resolve(sent));
    pump();
  });
}

describe('a server that floods', () => {
  it('endless stdout stops at the response cap, fast and with bounded memory', async () => {
    let floodDone: Promise<number> | undefined;
    const record = encodeRecord(RecordType.STDOUT, 1, Buffer.alloc(65_535, 0x61));
    const address = await serve(
      onRequest((s, id) => {
        s.write(encodeRecord(RecordType.STDOUT, id, Buffer.from('Content-Type: text/plain\r\n\r\n')));
        floodDone = flood(s, record);
      }),
    );
    global.gc?.();
    const before = process.memoryUsage();
    const started = performance.now();
    await expectClientError(
      request(address, { timeoutMs: 10_000, maxResponseBytes: 4 * 1024 * 1024 }),
      'response-too-large',
      /response larger than 4 MiB: stopped reading/,
    );
    const elapsed = performance.now() - started;
    const after = process.memoryUsage();
    expect(elapsed).toBeLessThan(3_000);
    const growth = after.rss - before.rss;
    expect(growth).toBeLessThan(64 * 1024 * 1024);
    // the client hung up: the flood ends instead of running on
    const sent = await floodDone!;
    expect(sent * record.length).toBeLessThan(64 * 1024 * 1024);
  });

  it('ping reports endless stdout as backend-bad-response and exits 1', async () => {
    const record = encodeRecord(RecordType.STDOUT, 1, Buffer.alloc(65_535, 0x62));
    const address = await serve(onRequest((s) => void flood(s, record)));
    const r = await pingJson(address, '--max-response-bytes', '1048576', '--timeout', '10s');
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-bad-response']);
    expect(r.json.findings[0]!.message).toMatch(/response larger than 1 MiB/);
    expect(r.elapsed).toBeLessThan(5_000);
  });

  it('1 MiB of headers is a malformed response', async () => {
    const line = `X-Filler: ${'h'.repeat(1000)}\r\n`;
    const headers = Buffer.from(`${line.repeat(1049)}\r\nbody`);
    expect(headers.length).toBeGreaterThan(1024 * 1024);
    const address = await serve(
      onRequest((s, id) =>
        s.end(Buffer.concat([...encodeStream(RecordType.STDOUT, id, headers), encodeEndRequest(id, 0, 0)])),
      ),
    );
    const response = await request(address);
    expect(response.status).toBe(0);
    expect(response.problems).toEqual(['no end of headers in the first 256 KiB of output']);
    const findings = findingsForResponse(parseTarget(address), response, evaluateExpectations(response, {}));
    expect(findings.map((f) => f.id)).toEqual(['backend-bad-response']);
    const r = await pingJson(address);
    expect(r.status).toBe(1);
    expect(r.ids).toEqual(['backend-bad-response']);
  });

  it('8 MiB of stderr is kept up to the cap, the rest counted, and the request completes', async () => {
    const chunk = Buffer.alloc(65_535, 0x45);
    const total = 8 * 1024 * 1024;
    const address = await serve(
      onRequest(async (s, id) => {
        const rec = encodeRecord(RecordType.STDERR, id, chunk);
        const full = Math.floor(total / chunk.length);
        expect(await flood(s, rec, full)).toBe(full);
        s.write(encodeRecord(RecordType.STDERR, id, Buffer.alloc(total - full * chunk.length, 0x45)));
        s.end(ok(id, 'done'));
      }),
    );
    const response = await request(address, { timeoutMs: 10_000 });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('done');
    expect(response.raw.stderr.length).toBe(DEFAULT_MAX_STDERR_BYTES);
    expect(response.raw.stderrDropped).toBe(total - DEFAULT_MAX_STDERR_BYTES);

    const io = captureIO();
    const status = await main(['ping', address, '--timeout', '10s'], io);
    expect(status).toBe(0);
    expect(io.stdoutText).toContain(`${total - DEFAULT_MAX_STDERR_BYTES} more bytes of stderr not kept`);
    expect(io.stdoutText).toContain('[app-stderr]');
  });
});

describe('escape sequences from the backend', () => {
  const evil = '\x1b]0;pwned\x07\x1b[2J\x1b[31m\r';

  it('never reach the terminal unescaped: body, stderr, headers, status text', async () => {
    const address = await serve(
      onRequest((s, id) => {
        const out = `Status: 500 ${evil}\r\nX-Evil: ${evil}\r\nContent-Type: text/plain\r\n\r\nbody ${evil} end\n`;
        s.end(
          Buffer.concat([
            ...encodeStream(RecordType.STDERR, id, Buffer.from(`PHP Warning: ${evil}\n`), false),
            ...encodeStream(RecordType.STDOUT, id, Buffer.from(out, 'latin1')),
            encodeEndRequest(id, 0, 0),
          ]),
        );
      }),
    );
    for (const extra of [[], ['--verbose'], ['--quiet'], ['--format', 'json']]) {
      const io = captureIO();
      const status = await main(['ping', address, ...extra], io);
      expect(status, extra.join(' ')).toBe(1);
      const all = io.stdoutText + io.stderrText;
      expect(all.includes('\x1b'), `ESC in output with ${extra.join(' ')}`).toBe(false);
      expect(all.includes('\x07'), `BEL in output with ${extra.join(' ')}`).toBe(false);
      expect(all.includes('\r'), `CR in output with ${extra.join(' ')}`).toBe(false);
      if (extra.length === 0) {
        expect(io.stdoutText).toContain('body \\e]0;pwned\\x07\\e[2J');
        expect(io.stdoutText).toContain('PHP Warning: \\e]0;pwned');
      }
    }
  });

  it('in a failure message from a broken server', async () => {
    const address = await serve((s) => s.end(`\x1b]0;pwned\x07\x1b[2JHTTP/1.0 200 OK\r\n\r\n`));
    const io = captureIO();
    expect(await main(['ping', address], io)).toBe(1);
    expect((io.stdoutText + io.stderrText).includes('\x1b')).toBe(false);
  });
});
