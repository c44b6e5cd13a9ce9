import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { isGzipMagic, readGzip } from './gzip.js';
import { planSeek } from './seek.js';

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

/** An opened log: its bytes, what was wrong with it, and a way to give up on a stream. */
export interface LogInput {
  /** Returning from the iterator closes a file (once a read under way completes). */
  chunks: AsyncIterable<Buffer | string>;
  /** Damage met while reading (a .gz cut short), known once the chunks are consumed. */
  damage: string[];
  /** Gives up on a stream at once, even with a read pending (a pipe from `sleep`). */
  stop?: () => void;
  /** A plain file's size in bytes. */
  size?: number;
  /** Bytes passed over because their lines are older than `since` (line numbers are then unknown). */
  skippedBytes?: number;
  /** Read with a `since` from its start because no line time could be read near its start. */
  undated?: boolean;
}

export interface OpenOptions {
  /**
   * Only lines since this time matter: a plain file is read from its first line at that
   * time (found by bisection), after the lines before its first dated line.
   */
  since?: Date;
  chunkBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
// Small enough that decoded blocks stay in V8's young generation (cheap to collect),
// large enough that the per-block overhead does not show.
const DEFAULT_CHUNK_BYTES = 256 * 1024;
const NL = 0x0a;

/** A path that is not a regular file: fcgi-doctor never opens it as a log. */
export class NotALogFile extends Error {
  readonly code = 'ENOTLOGFILE';
  constructor(
    readonly path: string,
    readonly kind:
      | 'named pipe (FIFO)'
      | 'character device'
      | 'block device'
      | 'socket'
      | 'special file'
      | 'standard stream',
  ) {
    super(`${path} is a ${kind}, not a log file`);
  }
}

/**
 * `ErrorLog /dev/stderr` or `/proc/self/fd/2` (the official httpd image): the writer's own
 * standard error. Opened here it would be the doctor's, so it is refused by its name.
 */
const STANDARD_STREAM = /^\/(?:dev\/(?:stdin|stdout|stderr|fd\/\d+)|proc\/(?:self|thread-self|\d+)\/fd\/\d+)$/;

/**
 * Refuses what is not a regular file, before opening it: opening a FIFO waits for a
 * writer, /dev/zero never ends, and opening some devices acts on them (a tape rewinds,
 * a watchdog arms). Directories keep the EISDIR the caller knows.
 */
function assertRegularFile(path: string, info: Stats): void {
  if (info.isFile()) return;
  if (info.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path} is a directory`), { code: 'EISDIR' });
  if (info.isFIFO()) throw new NotALogFile(path, 'named pipe (FIFO)');
  if (info.isCharacterDevice()) throw new NotALogFile(path, 'character device');
  if (info.isBlockDevice()) throw new NotALogFile(path, 'block device');
  if (info.isSocket()) throw new NotALogFile(path, 'socket');
  throw new NotALogFile(path, 'special file');
}

/**
 * Opens a log file for streaming, decompressing gzip (by its magic bytes, whatever the
 * name: logrotate's `error.log.2.gz`, or a .gz renamed). Throws the fs error (EACCES,
 * ENOENT…) or NotALogFile here, at open time, so that the caller can turn it into a notice.
 */
export async function openLogFile(path: string, options: OpenOptions = {}): Promise<LogInput> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (STANDARD_STREAM.test(path)) throw new NotALogFile(path, 'standard stream');
  // stat follows symbolic links: `ErrorLog /var/log/x.log` -> /dev/null is refused too.
  const before = await stat(path);
  assertRegularFile(path, before);
  // O_NONBLOCK: should a FIFO replace the file between stat and open, open still returns.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const info = await handle.stat();
    assertRegularFile(path, info);
    if (info.ino !== before.ino || info.dev !== before.dev)
      throw Object.assign(new Error(`${path} was replaced while being opened`), { code: 'ECHANGED' });
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    const damage: string[] = [];
    // A .gz cannot be entered in the middle: it is read whole, as any rotated log.
    if (bytesRead === 2 && isGzipMagic(magic))
      return {
        chunks: closing(
          handle,
          readGzip(handle, info.size, (m) => damage.push(m)),
        ),
        damage,
      };
    const plan = options.since ? await planSeek(handle, info.size, options.since) : undefined;
    const ranges: Array<[number, number]> =
      plan && plan.from > plan.head
        ? [
            [0, plan.head],
            [plan.from, info.size],
          ]
        : [[0, info.size]];
    const input: LogInput = {
      chunks: closing(handle, readReusing(handle, chunkBytes, ranges)),
      damage,
      size: info.size,
    };
    if (plan && plan.from > plan.head) input.skippedBytes = plan.from - plan.head;
    if (options.since && !plan) input.undated = true;
    return input;
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

/** Yields the chunks, then closes the file, whether they were all read or not. */
async function* closing(handle: FileHandle, chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Reads a plain file into one buffer, over and over: constant memory whatever the size.
 * Safe because readBlocks decodes or copies each chunk before asking for the next.
 */
async function* readReusing(
  handle: FileHandle,
  chunkBytes: number,
  ranges: ReadonlyArray<readonly [number, number]>,
): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(chunkBytes);
  for (const [index, [from, to]] of ranges.entries()) {
    // The last range runs to the end of the file as it is now: a log still being written is read to its end.
    const last = index === ranges.length - 1;
    let at = from;
    for (;;) {
      const want = last ? chunkBytes : Math.min(chunkBytes, to - at);
      if (want <= 0) break;
      const { bytesRead } = await handle.read(buffer, 0, want, at);
      if (bytesRead === 0) break;
      at += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  }
}

/**
 * Cuts a byte stream into blocks of complete lines with bounded memory: one chunk, plus
 * at most `maxLineBytes` of an unfinished line carried to the next chunk.
 */
export async function* readBlocks(
  input: AsyncIterable<Buffer | string>,
  options: ReadOptions = {},
): AsyncGenerator<Block> {
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
        yield { text: `${head.toString('utf8')}\n`, truncatedLines: 1 };
      }
      continue;
    }
    let complete = chunk.subarray(0, lastNl + 1);
    if (carry) {
      // The carried start of a line, then its end: cut it if the two together are too long.
      const firstNl = complete.indexOf(NL);
      if (carry.length + firstNl > maxLine) {
        yield {
          text: `${Buffer.concat([carry, complete.subarray(0, Math.max(0, maxLine - carry.length))]).toString('utf8')}\n`,
          truncatedLines: 1,
        };
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
      yield {
        text: `${complete.toString('utf8') + rest.subarray(0, maxLine).toString('utf8')}\n`,
        truncatedLines: truncated,
      };
      continue;
    }
    if (rest.length > 0) carry = Buffer.from(rest);
    if (complete.length > 0) yield { text: complete.toString('utf8'), truncatedLines: truncated };
  }
  if (carry && carry.length > 0) yield { text: `${carry.toString('utf8')}\n`, truncatedLines: 0 };
}
