import { FCGI_KEEP_CONN, FCGI_NULL_REQUEST_ID, RecordType } from './constants.js';
import { FcgiProtocolError } from './errors.js';
import { decodeNameValuePairs, encodeNameValuePairs, type NameValuePairs } from './nameValue.js';
import { encodeRecord } from './record.js';

/** The bodies of the fixed-size records, in both directions. */

export function encodeBeginRequest(requestId: number, role: number, keepConn: boolean): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16BE(role, 0);
  body[2] = keepConn ? FCGI_KEEP_CONN : 0;
  return encodeRecord(RecordType.BEGIN_REQUEST, requestId, body);
}

export interface BeginRequestBody {
  role: number;
  keepConn: boolean;
}

export function decodeBeginRequestBody(content: Uint8Array): BeginRequestBody {
  if (content.length < 8)
    throw new FcgiProtocolError('bad-body', `BEGIN_REQUEST body of ${content.length} bytes (8 expected)`);
  return { role: (content[0]! << 8) | content[1]!, keepConn: (content[2]! & FCGI_KEEP_CONN) !== 0 };
}

export function encodeEndRequest(requestId: number, appStatus: number, protocolStatus: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(appStatus >>> 0, 0);
  body[4] = protocolStatus;
  return encodeRecord(RecordType.END_REQUEST, requestId, body);
}

export interface EndRequestBody {
  /** the application's exit status; signed on the wire by convention (PHP-FPM sends 0) */
  appStatus: number;
  protocolStatus: number;
}

export function decodeEndRequestBody(content: Uint8Array): EndRequestBody {
  if (content.length < 8)
    throw new FcgiProtocolError('bad-body', `END_REQUEST body of ${content.length} bytes (8 expected)`);
  const b = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return { appStatus: b.readInt32BE(0), protocolStatus: b[4]! };
}

export function encodeUnknownType(type: number): Buffer {
  const body = Buffer.alloc(8);
  body[0] = type;
  return encodeRecord(RecordType.UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID, body);
}

export function decodeUnknownTypeBody(content: Uint8Array): number {
  if (content.length < 1) throw new FcgiProtocolError('bad-body', 'UNKNOWN_TYPE body is empty');
  return content[0]!;
}

/** GET_VALUES carries names with empty values. */
export function encodeGetValues(names: readonly string[]): Buffer {
  return encodeRecord(
    RecordType.GET_VALUES,
    FCGI_NULL_REQUEST_ID,
    encodeNameValuePairs(names.map((n) => [n, ''] as const)),
  );
}

export function encodeGetValuesResult(pairs: NameValuePairs): Buffer {
  return encodeRecord(RecordType.GET_VALUES_RESULT, FCGI_NULL_REQUEST_ID, encodeNameValuePairs(pairs));
}

export function decodePairs(content: Uint8Array): NameValuePairs {
  try {
    return decodeNameValuePairs(content);
  } catch (err) {
    throw new FcgiProtocolError('bad-name-value', (err as Error).message);
  }
}
