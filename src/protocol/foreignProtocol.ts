/**
 * Which protocol a peer speaks, told from the first bytes it sent where
 * FastCGI records were expected. Pure: no I/O, no advice (the findings layer
 * turns the answer into a fix). The bytes are untrusted: only a bounded,
 * escaped preview of them leaves this module.
 */

export type ForeignProtocolId =
  | 'http'
  | 'tls'
  | 'ssh'
  | 'smtp'
  | 'ftp'
  | 'banner-220'
  | 'redis'
  | 'mysql'
  | 'postgresql';

export interface ForeignProtocol {
  protocol: ForeignProtocolId;
  /** what speaks it, for a sentence: "an HTTP server" */
  speaker: string;
  /** what in the bytes gave it away: "the status line HTTP/1.1 400 Bad Request" (escaped, bounded) */
  sign: string;
}

/** Bytes of a peer's answer kept for recognition and evidence; more never helps. */
export const FOREIGN_PREVIEW_BYTES = 64;

const ascii = (b: Uint8Array, from = 0, to = b.length): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', from, Math.min(to, b.length));

/** The first line of a text answer, escaped and bounded, for a sign. */
function firstLine(b: Uint8Array, max = 60): string {
  const text = ascii(b, 0, FOREIGN_PREVIEW_BYTES);
  const end = text.search(/[\r\n]/);
  return escapeBytes(Buffer.from(end < 0 ? text : text.slice(0, end), 'latin1'), max);
}

/**
 * Printable ASCII as is, everything else as \xNN (\r \n \t by name), so a
 * control sequence in a hostile answer can never reach a terminal raw.
 */
export function escapeBytes(bytes: Uint8Array, max = FOREIGN_PREVIEW_BYTES): string {
  let out = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out}…` : out;
}

/**
 * The protocol the bytes belong to, or undefined when they match none known
 * (plain garbage, or too few bytes to tell). A FastCGI record (version 1)
 * is never taken for a foreign protocol.
 */
export function recogniseForeignProtocol(input: Uint8Array): ForeignProtocol | undefined {
  const b = input.subarray(0, FOREIGN_PREVIEW_BYTES);
  if (b.length === 0 || b[0] === 1) return undefined;
  const text = ascii(b);

  if (/^HTTP\/\d(\.\d)? \d{3}/.test(text)) {
    return { protocol: 'http', speaker: 'an HTTP server', sign: `the status line ${firstLine(b)}` };
  }
  // RFC 4253 §4.2: "SSH-protoversion-softwareversion", sent first by the server.
  if (text.startsWith('SSH-')) return { protocol: 'ssh', speaker: 'an SSH server', sign: `the banner ${firstLine(b)}` };
  // A TLS record: content type 21 (alert) or 22 (handshake), then version 3.x (SSL 3.0 to TLS 1.3's legacy 3.1/3.3).
  if (b.length >= 3 && (b[0] === 0x15 || b[0] === 0x16) && b[1] === 0x03 && b[2]! <= 0x04) {
    return {
      protocol: 'tls',
      speaker: 'a TLS server',
      sign: `a TLS ${b[0] === 0x15 ? 'alert' : 'handshake'} record (${escapeBytes(b, 7)})`,
    };
  }
  // RFC 5321 §4.2 / RFC 959: the 220 greeting. Both say which they are often enough to tell.
  if (/^220[ -]/.test(text)) {
    const line = firstLine(b);
    if (/\bE?SMTP\b|\bPostfix\b|\bExim\b|\bSendmail\b/i.test(text))
      return { protocol: 'smtp', speaker: 'a mail server (SMTP)', sign: `the greeting ${line}` };
    if (/\bFTP\b|vsFTPd|ProFTPD|Pure-FTPd/i.test(text))
      return { protocol: 'ftp', speaker: 'an FTP server', sign: `the greeting ${line}` };
    return { protocol: 'banner-220', speaker: 'a mail or FTP server', sign: `the greeting ${line}` };
  }
  // RESP: an error (-ERR, -NOAUTH, -DENIED…) or a simple string (+OK, +PONG).
  if (
    /^-(ERR|WRONGTYPE|NOAUTH|DENIED|NOPERM|MISCONF|LOADING|BUSY|READONLY)\b/.test(text) ||
    /^\+(OK|PONG)\r\n/.test(text)
  ) {
    return { protocol: 'redis', speaker: 'a Redis (or Valkey, KeyDB) server', sign: `the reply ${firstLine(b)}` };
  }
  const mysql = mysqlGreeting(b);
  if (mysql) return { protocol: 'mysql', speaker: 'a MySQL or MariaDB server', sign: mysql };
  const pg = postgresError(b);
  if (pg) return { protocol: 'postgresql', speaker: 'a PostgreSQL server', sign: pg };
  return undefined;
}

/**
 * MySQL's first packet (sent by the server before any client byte): a 3-byte
 * little-endian length, sequence 0, then protocol version 10 and a
 * NUL-terminated server version, or 0xff and an error (a host not allowed to
 * connect, too many connections).
 */
function mysqlGreeting(b: Uint8Array): string | undefined {
  if (b.length < 6 || b[3] !== 0) return undefined;
  const length = b[0]! | (b[1]! << 8) | (b[2]! << 16);
  if (length < 2 || length > 1024) return undefined;
  if (b[4] === 0x0a) {
    const end = b.indexOf(0, 5);
    const version = ascii(b, 5, end < 0 ? b.length : end);
    if (!/^\d+\.\d+/.test(version)) return undefined;
    return `a protocol 10 greeting (server version ${escapeBytes(Buffer.from(version, 'latin1'), 40)})`;
  }
  if (b[4] === 0xff && b.length >= 7) {
    // Error packet: 0xff, a 2-byte code, then (pre-handshake) the message itself.
    return `an error packet before the handshake (${escapeBytes(b.subarray(7), 60)})`;
  }
  return undefined;
}

/**
 * PostgreSQL's answer to a startup packet it cannot read (our BEGIN_REQUEST
 * read as a length and a protocol version): an ErrorResponse, 'E', a 4-byte
 * length, then fields such as SFATAL / VFATAL / C0A000.
 */
function postgresError(b: Uint8Array): string | undefined {
  if (b.length < 7 || b[0] !== 0x45 /* E */) return undefined;
  const text = ascii(b, 5);
  if (!/^S(FATAL|ERROR|PANIC)\0/.test(text)) return undefined;
  const message = /\0M([^\0]*)/.exec(ascii(b, 5))?.[1];
  return `an ErrorResponse${message ? ` (${escapeBytes(Buffer.from(message, 'latin1'), 60)})` : ''}`;
}
