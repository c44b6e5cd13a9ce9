import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { directWriter } from '../../src/cli/io.js';
import { makeTempDir, type TempDir } from '../client/support.js';

let dir: TempDir | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

/** A FIFO opened read-write and non-blocking: writes fill its 64 KiB and then get EAGAIN, like a full non-blocking pipe. */
function fullableFifo(): { fd: number; drain: () => Buffer } {
  dir = makeTempDir('io');
  const path = dir.join('fifo');
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  return {
    fd,
    drain: () => {
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(65536);
      for (;;) {
        let n = 0;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch {
          break; // EAGAIN: empty
        }
        if (n === 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
      }
      closeSync(fd);
      return Buffer.concat(chunks);
    },
  };
}

describe('directWriter: output straight to the descriptor', () => {
  it('writes everything when there is room', () => {
    const fifo = fullableFifo();
    const stream = new PassThrough();
    const write = directWriter(fifo.fd, () => stream as unknown as NodeJS.WriteStream);
    write('one ');
    write('two ✓\n');
    expect(fifo.drain().toString()).toBe('one two ✓\n');
    expect(stream.read()).toBeNull();
  });

  it('hands the rest, and all later output, to the stream when a non-blocking descriptor is full (EAGAIN), in order', () => {
    const fifo = fullableFifo();
    const stream = new PassThrough();
    const write = directWriter(fifo.fd, () => stream as unknown as NodeJS.WriteStream);
    const big = 'x'.repeat(200_000);
    write(big);
    write('after');
    const direct = fifo.drain();
    const rest = Buffer.concat([stream.read() as Buffer]).toString();
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.length).toBeLessThan(big.length);
    expect(direct.toString() + rest).toBe(`${big}after`);
  });

  it('after the stream reports a closed pipe (EPIPE), drops what is left and does not end the process', () => {
    const fifo = fullableFifo();
    const stream = new PassThrough();
    const write = directWriter(fifo.fd, () => stream as unknown as NodeJS.WriteStream);
    write('x'.repeat(200_000)); // fills the FIFO: the rest goes to the stream
    fifo.drain();
    stream.read();
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(() => stream.emit('error', epipe)).not.toThrow();
    write('dropped');
    expect(stream.read()).toBeNull();
    const other = Object.assign(new Error('write EIO'), { code: 'EIO' });
    expect(() => stream.emit('error', other)).toThrow('EIO');
  });
});
