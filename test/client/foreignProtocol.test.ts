/**
 * Servers of other protocols, written here with node:net, at the place of a
 * FastCGI backend: ping names the protocol from their first bytes, at once,
 * with the fix, and never lets their bytes reach the terminal raw.
 */
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FcgiClientError } from '../../src/client/errors.js';
import { buildRequestEnvironment } from '../../src/client/params.js';
import { sendRequest } from '../../src/client/request.js';
import { parseTarget } from '../../src/client/target.js';
import { captureIO, hostileServer, makeTempDir, type Hostile, type TempDir } from './support.js';

let dir: TempDir;
let server: Hostile | undefined;
let counter = 0;

beforeAll(() => {
  dir = makeTempDir('foreign');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

async function serve(behave: (socket: net.Socket) => void, tcp = true): Promise<string> {
  server = await hostileServer(tcp ? { tcp: true } : { path: dir.join(`f${++counter}.sock`) }, behave);
  return server.address;
}

/** Sends its banner on connect, as SSH, SMTP, FTP and MySQL servers do, then waits. */
const banner = (bytes: Buffer | string) => (s: net.Socket) => s.write(bytes);
/** Answers the first bytes it reads, as HTTP, TLS, Redis and PostgreSQL servers do. */
const answer =
  (bytes: Buffer | string, close = true) =>
  (s: net.Socket) =>
    s.once('data', () => (close ? s.end(bytes) : s.write(bytes)));

interface PingFinding {
  id: string;
  title: string;
  message: string;
  fix: string;
  evidence: Array<{ text: string }>;
}

async function ping(address: string) {
  const io = captureIO();
  const started = performance.now();
  const status = await main(['ping', address, '--format', 'json', '--timeout', '10s'], io);
  const ms = performance.now() - started;
  expect(io.stderrText).toBe('');
  const json = JSON.parse(io.stdoutText) as { findings: PingFinding[] };
  return { status, ms, findings: json.findings };
}

const mysqlGreeting = (() => {
  const payload = Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from('10.11.6-MariaDB-0+deb12u1\0', 'latin1'),
    Buffer.alloc(30, 0x41),
  ]);
  return Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]);
})();

const pgError = Buffer.concat([
  Buffer.from('E\0\0\0\x60', 'latin1'),
  Buffer.from('SFATAL\0VFATAL\0C0A000\0Munsupported frontend protocol 256.1: server supports 3.0 to 3.0\0\0', 'latin1'),
]);

describe('ping against a server of another protocol', () => {
  it.each([
    [
      'an HTTP server answering 400',
      answer('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'),
      /an HTTP server/,
      /http:\/\/127\.0\.0\.1:\d+\/ \(mod_proxy_http\) instead of fcgi:\/\//,
    ],
    [
      'an HTTP/1.0 server',
      answer('HTTP/1.0 400 Bad request\r\n\r\n'),
      /HTTP\/1\.0 400 Bad request: it is an HTTP server/,
      /proxy_pass/,
    ],
    [
      'a TLS server sending an alert',
      answer(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])),
      /a TLS alert record/,
      /FastCGI has no TLS/,
    ],
    [
      'an SSH server',
      banner('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'),
      /SSH-2\.0-OpenSSH_9\.2p1/,
      /another service/,
    ],
    ['an SMTP server', banner('220 mx.example.org ESMTP Postfix\r\n'), /a mail server \(SMTP\)/, /wrong port/],
    ['an FTP server', banner('220 (vsFTPd 3.0.3)\r\n'), /an FTP server/, /wrong port/],
    ['a Redis server', answer("-ERR unknown command '\x01\x01'\r\n", false), /Redis/, /another service/],
    ['a MySQL server', banner(mysqlGreeting), /MariaDB/, /another service/],
    ['a PostgreSQL server', answer(pgError), /a PostgreSQL server/, /another service/],
  ])('%s: backend-protocol-error naming it, at once', async (_name, behave, message, fix) => {
    const r = await ping(await serve(behave));
    expect(r.status).toBe(1);
    expect(r.ms).toBeLessThan(3_000);
    expect(r.findings.map((f) => f.id)).toEqual(['backend-protocol-error']);
    expect(r.findings[0]!.message).toMatch(message);
    expect(r.findings[0]!.fix).toMatch(fix);
    expect(r.findings[0]!.evidence.map((e) => e.text).join('\n')).toMatch(/first bytes received: /);
  });

  it('a short banner and a close (fewer bytes than a record header) is still recognised', async () => {
    const r = await ping(await serve((s) => s.end('+OK\r\n')));
    expect(r.findings.map((f) => f.id)).toEqual(['backend-protocol-error']);
    expect(r.findings[0]!.message).toMatch(/Redis/);
  });

  it('on a Unix socket too', async () => {
    const r = await ping(await serve(answer('HTTP/1.1 400 Bad Request\r\n\r\n'), false));
    expect(r.findings[0]!.message).toMatch(/an HTTP server/);
    expect(r.findings[0]!.fix).toMatch(/ProxyPass \/app\/ unix:\/\S+\.sock\|http:\/\/localhost\//);
  });

  it('garbage that is no known protocol stays a plain protocol error, its first bytes escaped', async () => {
    const r = await ping(await serve(answer(Buffer.from('\x07\x1b]0;PWN\x07 garbage garbage', 'latin1'))));
    expect(r.status).toBe(1);
    expect(r.findings.map((f) => f.id)).toEqual(['backend-protocol-error']);
    expect(r.findings[0]!.title).toBe('The backend broke FastCGI framing');
    const evidence = r.findings[0]!.evidence.map((e) => e.text).join('\n');
    expect(evidence).toContain('first bytes received: \\x07\\x1b]0;PWN\\x07 garbage');
  });

  it('a hostile banner cannot reach the terminal: text output is escaped and bounded', async () => {
    const address = await serve(banner(`SSH-2.0-\x1b]0;PWN\x07\x1b[2J${'x'.repeat(100_000)}\r\n`));
    const io = captureIO();
    const status = await main(['ping', address, '--timeout', '10s'], io);
    expect(status).toBe(1);
    expect(io.stdoutText).not.toMatch(/\x1b|\x07/);
    expect(io.stdoutText).toMatch(/an SSH server/);
    expect(io.stdoutText.length).toBeLessThan(5_000);
  });

  it('a close without a byte, then S to an SSLRequest: PostgreSQL (as a real one behaves)', async () => {
    // PostgreSQL reads a FastCGI record as a startup packet of 16 MB and closes ("invalid length of startup packet").
    const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    const r = await ping(
      await serve((s) => s.once('data', (d: Buffer) => (d.subarray(0, 8).equals(sslRequest) ? s.write('S') : s.end()))),
    );
    expect(r.status).toBe(1);
    expect(r.ms).toBeLessThan(3_000);
    expect(r.findings.map((f) => f.id)).toEqual(['backend-protocol-error']);
    expect(r.findings[0]!.message).toMatch(/then S to a PostgreSQL SSLRequest: it is a PostgreSQL server/);
    expect(r.findings[0]!.fix).toMatch(/wrong port/);
  });

  it('a close without a byte names uWSGI native protocol as a likely cause', async () => {
    const address = await serve((s) => s.once('data', () => s.end()));
    const err = await sendRequest(parseTarget(address), {
      params: buildRequestEnvironment({ script: '/srv/index.php' }),
      timeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FcgiClientError);
    expect((err as FcgiClientError).code).toBe('closed-early');
    const r = await ping(address);
    // The probes that follow a silent close (an SSLRequest, a ClientHello) are closed on too: no protocol named, at once.
    expect(r.ms).toBeLessThan(3_000);
    expect(r.findings.map((f) => f.id)).toEqual(['backend-bad-response']);
    expect(r.findings[0]!.message).toMatch(/unavailable modifier requested: 1/);
    expect(r.findings[0]!.message).toMatch(/--fastcgi-socket/);
  });
});
