import { FCGI_HEADER_LEN, FCGI_VERSION_1 } from './constants.js';
import { FcgiProtocolError } from './errors.js';
import type { FcgiRecord } from './record.js';

const EMPTY = Buffer.alloc(0);

/**
 * Incremental record decoder: feed it the byte stream in chunks of any size,
 * get whole records back. It never holds more than one record (8 + 65,535 +
 * 255 bytes) plus the chunk it was given, so a hostile peer cannot make it
 * allocate without bound: a header's lengths are 16 and 8 bits.
 */
export class RecordDecoder {
  private pending: Buffer = EMPTY;

  push(chunk: Uint8Array): FcgiRecord[] {
    const input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, input]) : input;
    const records: FcgiRecord[] = [];
    let offset = 0;
    while (buf.length - offset >= FCGI_HEADER_LEN) {
      const version = buf[offset]!;
      if (version !== FCGI_VERSION_1) {
        this.pending = EMPTY;
        throw new FcgiProtocolError(
          'bad-version',
          `record version ${version} (expected ${FCGI_VERSION_1}) — is this really a FastCGI server?`,
        );
      }
      const contentLength = buf.readUInt16BE(offset + 4);
      const paddingLength = buf[offset + 6]!;
      const total = FCGI_HEADER_LEN + contentLength + paddingLength;
      if (buf.length - offset < total) break;
      records.push({
        version,
        type: buf[offset + 1]!,
        requestId: buf.readUInt16BE(offset + 2),
        content: buf.subarray(offset + FCGI_HEADER_LEN, offset + FCGI_HEADER_LEN + contentLength),
        paddingLength,
      });
      offset += total;
    }
    // Copy the tail so the caller's (possibly large) chunk is not kept alive.
    this.pending = offset < buf.length ? Buffer.from(buf.subarray(offset)) : EMPTY;
    return records;
  }

  /** Bytes of an incomplete record held back, waiting for more input. */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}
