import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { constants, createInflateRaw } from 'node:zlib';

const GZIP_MAGIC_1 = 0x1f;
const GZIP_MAGIC_2 = 0x8b;
const DEFLATE = 8;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const TRAILER_BYTES = 8;
const READ_BYTES = 64 * 1024;
// A header's name or comment longer than this is not a log's header.
const MAX_HEADER_BYTES = 64 * 1024;

/** True when the bytes start a gzip member. */
export function isGzipMagic(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_1 && bytes[1] === GZIP_MAGIC_2;
}

/**
 * Decompresses a .gz log member by member, yielding everything that decompresses, and
 * reports damage instead of throwing it away with the data: a rotated file still being
 * written ends in the middle of a member, a file appended to after compression carries
 * trailing garbage. zlib's own gunzip stream drops the output it had buffered when it
 * meets either, hence the gzip framing read here and only the deflate data given to zlib.
 */
export async function* readGzip(
  handle: FileHandle,
  size: number,
  reportDamage: (message: string) => void,
): AsyncGenerator<Buffer> {
  let pos = 0;
  for (let member = 0; pos < size; member += 1) {
    const head = await readAt(handle, pos, Math.min(MAX_HEADER_BYTES, size - pos));
    if (member > 0 && !isGzipMagic(head)) {
      // GNU gzip ignores trailing zeros (padding); anything else is damage.
      if (!(await allZero(handle, pos, size)))
        reportDamage(
          `${size - pos} byte(s) after the end of the compressed data are not gzip (a file appended to after it was compressed?); everything before them was read`,
        );
      return;
    }
    const headerBytes = gzipHeaderLength(head);
    if (headerBytes === undefined) {
      reportDamage(
        head.length < MAX_HEADER_BYTES
          ? 'the file ends inside a gzip header (cut short?)'
          : 'a gzip header is damaged; reading stopped there',
      );
      return;
    }
    const start = pos + headerBytes;
    const inflate = createInflateRaw({ chunkSize: READ_BYTES, finishFlush: constants.Z_SYNC_FLUSH });
    const source = Readable.from(readRange(handle, start, size), { objectMode: false });
    source.on('error', (e) => inflate.destroy(e));
    source.pipe(inflate);
    let produced = 0;
    try {
      for await (const chunk of inflate as AsyncIterable<Buffer>) {
        produced += chunk.length;
        yield chunk;
      }
    } catch (e) {
      reportDamage(
        `the compressed data is damaged near byte ${start + inflate.bytesWritten} (${(e as Error).message}); everything before was read`,
      );
      return;
    } finally {
      source.unpipe(inflate);
      source.destroy();
    }
    // zlib stops consuming at the end of the deflate data: what it consumed tells where the
    // member's trailer is. All input consumed means the data was cut short.
    const end = start + inflate.bytesWritten;
    if (end + TRAILER_BYTES > size) {
      reportDamage(
        'the file ends in the middle of its compressed data (a rotated log still being written, or cut short); everything that decompresses was read',
      );
      return;
    }
    const trailer = await readAt(handle, end, TRAILER_BYTES);
    if (trailer.readUInt32LE(4) !== produced % 2 ** 32) {
      reportDamage(
        `the size recorded in a gzip trailer does not match the data (${produced} bytes decompressed); the file may be damaged`,
      );
    }
    pos = end + TRAILER_BYTES;
  }
}

/** The length of the gzip header at the start of `head`, or undefined when it is cut or invalid. */
function gzipHeaderLength(head: Buffer): number | undefined {
  if (head.length < 10 || !isGzipMagic(head) || head[2] !== DEFLATE) return undefined;
  const flags = head[3] ?? 0;
  let at = 10;
  if (flags & FEXTRA) {
    if (head.length < at + 2) return undefined;
    at += 2 + head.readUInt16LE(at);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const nul = head.indexOf(0, at);
    if (nul < 0) return undefined;
    at = nul + 1;
  }
  if (flags & FHCRC) at += 2;
  return at <= head.length ? at : undefined;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

async function* readRange(handle: FileHandle, from: number, to: number): AsyncGenerator<Buffer> {
  for (let pos = from; pos < to; ) {
    const chunk = await readAt(handle, pos, Math.min(READ_BYTES, to - pos));
    if (chunk.length === 0) return;
    pos += chunk.length;
    yield chunk;
  }
}

async function allZero(handle: FileHandle, from: number, to: number): Promise<boolean> {
  for await (const chunk of readRange(handle, from, to)) if (chunk.some((b) => b !== 0)) return false;
  return true;
}
