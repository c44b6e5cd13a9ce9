import { FCGI_HEADER_LEN, FCGI_MAX_CONTENT_LEN, FCGI_VERSION_1 } from './constants.js';

/** One FastCGI record: the 8-byte header and its content (padding dropped). */
export interface FcgiRecord {
  version: number;
  type: number;
  requestId: number;
  content: Buffer;
  /** padding bytes that followed the content on the wire (0 for records we build) */
  paddingLength: number;
}

export interface RecordHeader {
  version: number;
  type: number;
  requestId: number;
  contentLength: number;
  paddingLength: number;
}

export function decodeHeader(bytes: Uint8Array, offset = 0): RecordHeader {
  if (bytes.length - offset < FCGI_HEADER_LEN) throw new RangeError('a record header needs 8 bytes');
  return {
    version: bytes[offset]!,
    type: bytes[offset + 1]!,
    requestId: (bytes[offset + 2]! << 8) | bytes[offset + 3]!,
    contentLength: (bytes[offset + 4]! << 8) | bytes[offset + 5]!,
    paddingLength: bytes[offset + 6]!,
  };
}

/** Padding that brings content up to a multiple of 8 bytes, as the spec recommends for senders. */
export function paddingFor(contentLength: number): number {
  return (8 - (contentLength % 8)) % 8;
}

/**
 * Encodes one record. Content over 65,535 bytes is a caller error: streams are
 * split by encodeStream.
 */
export function encodeRecord(type: number, requestId: number, content: Uint8Array = Buffer.alloc(0)): Buffer {
  if (content.length > FCGI_MAX_CONTENT_LEN) {
    throw new RangeError(`record content of ${content.length} bytes exceeds ${FCGI_MAX_CONTENT_LEN}`);
  }
  if (requestId < 0 || requestId > 0xffff) throw new RangeError(`request id ${requestId} out of range`);
  const padding = paddingFor(content.length);
  const out = Buffer.alloc(FCGI_HEADER_LEN + content.length + padding);
  out[0] = FCGI_VERSION_1;
  out[1] = type;
  out.writeUInt16BE(requestId, 2);
  out.writeUInt16BE(content.length, 4);
  out[6] = padding;
  out[7] = 0;
  out.set(content, FCGI_HEADER_LEN);
  return out;
}

/**
 * Encodes a whole stream (PARAMS, STDIN, STDOUT, STDERR, DATA): records of at
 * most 65,535 bytes each. With `end`, an empty record closes the stream.
 */
export function encodeStream(type: number, requestId: number, data: Uint8Array, end = true): Buffer[] {
  const records: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += FCGI_MAX_CONTENT_LEN) {
    records.push(encodeRecord(type, requestId, data.subarray(offset, offset + FCGI_MAX_CONTENT_LEN)));
  }
  if (end) records.push(encodeRecord(type, requestId));
  return records;
}
