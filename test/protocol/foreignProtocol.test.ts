import { describe, expect, it } from 'vitest';
import { encodeRecord, RecordType } from '../../src/protocol/index.js';
import { escapeBytes, recogniseForeignProtocol } from '../../src/protocol/foreignProtocol.js';

const b = (s: string) => Buffer.from(s, 'latin1');

/** A MySQL 8 protocol 10 greeting as the server sends it before any client byte. */
function mysqlGreeting(version: string): Buffer {
  const payload = Buffer.concat([
    Buffer.from([0x0a]),
    b(version),
    Buffer.from([0]),
    Buffer.from([0x08, 0, 0, 0]),
    b('abcdefgh'),
    Buffer.from([0, 0xff, 0xf7]),
  ]);
  const header = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, 0, 0]);
  return Buffer.concat([header, payload]);
}

/** PostgreSQL's ErrorResponse to a startup packet it cannot read. */
const pgError = Buffer.concat([
  b('E'),
  Buffer.from([0, 0, 0, 0x60]),
  b('SFATAL\0VFATAL\0C0A000\0Munsupported frontend protocol 256.1: server supports 3.0 to 3.0\0Fpostmaster.c\0\0'),
]);

describe('recogniseForeignProtocol', () => {
  it.each([
    ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n', 'http', /HTTP\/1\.1 400 Bad Request$/],
    ['HTTP/1.0 400 Bad request\r\n', 'http', /HTTP\/1\.0 400/],
    ['SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n', 'ssh', /SSH-2\.0-OpenSSH_9\.2p1/],
    ['220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n', 'smtp', /ESMTP Postfix/],
    ['220 (vsFTPd 3.0.3)\r\n', 'ftp', /vsFTPd/],
    ['220-Welcome\r\n220 ready\r\n', 'banner-220', /220-Welcome/],
    ["-ERR unknown command '\\x01\\x01', with args beginning with: \r\n", 'redis', /-ERR unknown command/],
    ['-NOAUTH Authentication required.\r\n', 'redis', /NOAUTH/],
    ['+OK\r\n', 'redis', /\+OK/],
  ])('%j is %s', (text, id, sign) => {
    const p = recogniseForeignProtocol(b(text));
    expect(p?.protocol).toBe(id);
    expect(p?.sign).toMatch(sign);
  });

  it('a TLS alert (what a TLS server sends to non-TLS bytes) and a handshake record', () => {
    expect(recogniseForeignProtocol(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]))).toMatchObject({
      protocol: 'tls',
      sign: expect.stringMatching(/alert/),
    });
    expect(recogniseForeignProtocol(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))?.protocol).toBe('tls');
  });

  it('a MySQL greeting names the server version; an error packet before the handshake too', () => {
    expect(recogniseForeignProtocol(mysqlGreeting('8.0.36-0ubuntu0.22.04.1'))).toMatchObject({
      protocol: 'mysql',
      sign: expect.stringContaining('8.0.36'),
    });
    const denied = Buffer.concat([
      Buffer.from([0x44, 0, 0, 0, 0xff, 0x6a, 0x04]),
      b("Host '10.0.0.5' is not allowed to connect to this MySQL server"),
    ]);
    expect(recogniseForeignProtocol(denied)).toMatchObject({
      protocol: 'mysql',
      sign: expect.stringContaining('not allowed'),
    });
  });

  it('a PostgreSQL ErrorResponse', () => {
    expect(recogniseForeignProtocol(pgError)).toMatchObject({
      protocol: 'postgresql',
      sign: expect.stringContaining('unsupported frontend protocol'),
    });
  });

  it('FastCGI records are never foreign', () => {
    expect(recogniseForeignProtocol(encodeRecord(RecordType.STDOUT, 1, b('HTTP/1.1 200 OK')))).toBeUndefined();
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['plain garbage', b('\x00\x07garbage that means nothing')],
    ['random binary', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03])],
    ['a truncated HTTP status line', b('HTTP/1.')],
    ['a truncated TLS header', Buffer.from([0x15, 0x03])],
    ['a truncated MySQL header', Buffer.from([0x4a, 0, 0, 0])],
    ['a truncated PostgreSQL error', b('E\0\0')],
    ['a 220 without its space', b('220')],
    ['a minus sign alone', b('-')],
    ['text that only looks like a MySQL header', Buffer.from([0x10, 0, 0, 0, 0x0a, 0x41, 0x42, 0])],
  ])('%s is unknown', (_name, bytes) => {
    expect(recogniseForeignProtocol(bytes)).toBeUndefined();
  });

  it('only the first 64 bytes are looked at, and signs stay bounded and escaped', () => {
    const hostile = b(`HTTP/1.1 400 \x1b]0;PWN\x07\x1b[2J${'x'.repeat(10_000)}`);
    const p = recogniseForeignProtocol(hostile)!;
    expect(p.protocol).toBe('http');
    expect(p.sign).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(p.sign).toContain('\\x1b]0;PWN\\x07');
    expect(p.sign.length).toBeLessThan(120);
  });
});

describe('escapeBytes', () => {
  it('keeps printable ASCII, names CR LF TAB, escapes the rest and the backslash, and bounds the output', () => {
    expect(escapeBytes(b('ab\r\n\t\\\x00\xff'))).toBe('ab\\r\\n\\t\\\\\\x00\\xff');
    expect(escapeBytes(Buffer.alloc(100, 0x41), 8)).toBe('AAAAAAAA…');
  });
});
