import { FCGI_HEADER_LEN, FCGI_VERSION_1 } from './constants.js';
import { FcgiProtocolError } from './errors.js';
import type { FcgiRecord } from './record.js';

/**
 * Incremental record decoder: feed it the byte stream in chunks of any size,
 * get whole records back. It never holds more than one record (8 + 65,535 +
 * 255 bytes) plus the chunk it was given, so a hostile peer cannot make it
 * allocate without bound: a header's lengths are 16 and 8 bits. Partial
 * records wait as a list of chunks, joined once the record is whole, so a
 * peer that sends one byte at a time costs linear, not quadratic, copying.
 */
export class RecordDecoder {
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** bytes the record at the head of `waiting` needs in all; 0 until its header is known */
  private needed = 0;

  push(chunk: Uint8Array): FcgiRecord[] {
    const input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.waitingBytes > 0) {
      this.waiting.push(input);
      this.waitingBytes += input.length;
      if (this.waitingBytes < Math.max(this.needed, FCGI_HEADER_LEN)) return [];
      const joined = Buffer.concat(this.waiting, this.waitingBytes);
      this.waiting = [];
      this.waitingBytes = 0;
      this.needed = 0;
      return this.decode(joined);
    }
    return this.decode(input);
  }

  private decode(buf: Buffer): FcgiRecord[] {
    const records: FcgiRecord[] = [];
    let offset = 0;
    while (buf.length - offset >= FCGI_HEADER_LEN) {
      const version = buf[offset]!;
      if (version !== FCGI_VERSION_1) {
        throw new FcgiProtocolError(
          'bad-version',
          `record version ${version} (expected ${FCGI_VERSION_1}) — is this really a FastCGI server?`,
        );
      }
      const contentLength = buf.readUInt16BE(offset + 4);
      const paddingLength = buf[offset + 6]!;
      const total = FCGI_HEADER_LEN + contentLength + paddingLength;
      if (buf.length - offset < total) {
        this.needed = total;
        break;
      }
      records.push({
        version,
        type: buf[offset + 1]!,
        requestId: buf.readUInt16BE(offset + 2),
        content: buf.subarray(offset + FCGI_HEADER_LEN, offset + FCGI_HEADER_LEN + contentLength),
        paddingLength,
      });
      offset += total;
    }
    if (offset < buf.length) {
      // Copy the tail so the caller's (possibly large) chunk is not kept alive.
      const tail = Buffer.from(buf.subarray(offset));
      this.waiting = [tail];
      this.waitingBytes = tail.length;
    }
    return records;
  }

  /** Bytes of an incomplete record held back, waiting for more input. */
  get bufferedBytes(): number {
    return this.waitingBytes;
  }
}
