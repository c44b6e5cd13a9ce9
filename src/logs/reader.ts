import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** A run of complete lines, decoded; the unit the scanner works on. */
export interface Block {
  text: string;
  /** Lines cut at the maximum length inside this block's range. */
  truncatedLines: number;
}

export interface ReadOptions {
  /** Longer lines keep their first `maxLineBytes` bytes; the rest is skipped, never buffered. */
  maxLineBytes?: number;
  chunkBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
// Small enough that decoded blocks stay in V8's young generation (cheap to collect),
// large enough that the per-block overhead does not show.
const DEFAULT_CHUNK_BYTES = 256 * 1024;
const NL = 0x0a;

/**
 * Opens a file for streaming, decompressing gzip (by its magic bytes, whatever the name:
 * logrotate's `error.log.2.gz`, or a .gz renamed). Throws the fs error (EACCES, ENOENT…)
 * here, at open time, so that the caller can turn it into a notice.
 */
export async function openLogFile(path: string, chunkBytes = DEFAULT_CHUNK_BYTES): Promise<AsyncIterable<Buffer>> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path} is a directory`), { code: 'EISDIR' });
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    if (bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
      const stream = createReadStream('', { fd: handle, start: 0, highWaterMark: 64 * 1024, autoClose: true });
      const gunzip = createGunzip({ chunkSize: 64 * 1024 });
      stream.on('error', (e) => gunzip.destroy(e));
      return stream.pipe(gunzip) as Readable & AsyncIterable<Buffer>;
    }
    return readReusing(handle, chunkBytes);
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

/**
 * Reads a plain file into one buffer, over and over: constant memory whatever the size.
 * Safe because readBlocks decodes or copies each chunk before asking for the next.
 */
async function* readReusing(handle: FileHandle, chunkBytes: number): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(chunkBytes);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Cuts a byte stream into blocks of complete lines with bounded memory: one chunk, plus
 * at most `maxLineBytes` of an unfinished line carried to the next chunk.
 */
export async function* readBlocks(input: AsyncIterable<Buffer | string>, options: ReadOptions = {}): AsyncGenerator<Block> {
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let carry: Buffer | undefined;
  // Inside a line already cut: drop bytes up to its end.
  let skipping = false;

  for await (const piece of input) {
    let chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    let truncated = 0;
    if (skipping) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) continue;
      skipping = false;
      chunk = chunk.subarray(nl + 1);
    }
    const lastNl = chunk.lastIndexOf(NL);
    if (lastNl < 0) {
      carry = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
      if (carry.length > maxLine) {
        const head = carry.subarray(0, maxLine);
        carry = undefined;
        skipping = true;
        yield { text: head.toString('utf8') + '\n', truncatedLines: 1 };
      }
      continue;
    }
    let complete = chunk.subarray(0, lastNl + 1);
    if (carry) {
      // The carried start of a line, then its end: cut it if the two together are too long.
      const firstNl = complete.indexOf(NL);
      if (carry.length + firstNl > maxLine) {
        yield { text: Buffer.concat([carry, complete.subarray(0, Math.max(0, maxLine - carry.length))]).toString('utf8') + '\n', truncatedLines: 1 };
        complete = complete.subarray(firstNl + 1);
      } else {
        complete = Buffer.concat([carry, complete]);
      }
      carry = undefined;
    }
    const rest = chunk.subarray(lastNl + 1);
    if (rest.length > maxLine) {
      truncated += 1;
      skipping = true;
      yield { text: complete.toString('utf8') + rest.subarray(0, maxLine).toString('utf8') + '\n', truncatedLines: truncated };
      continue;
    }
    if (rest.length > 0) carry = Buffer.from(rest);
    if (complete.length > 0) yield { text: complete.toString('utf8'), truncatedLines: truncated };
  }
  if (carry && carry.length > 0) yield { text: carry.toString('utf8') + '\n', truncatedLines: 0 };
}
