/** The live FpmFileReader on node's fs: bounded reads, errors as values. */
import * as fs from 'node:fs';
import type { FpmFileReader } from './types.js';

function failure(e: unknown): { error: string; code?: string } {
  const err = e as NodeJS.ErrnoException;
  return { error: err.message, ...(err.code ? { code: err.code } : {}) };
}

export const nodeFpmFileReader: FpmFileReader = {
  readText(path, maxBytes) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(path, 'r');
      const buf = Buffer.alloc(maxBytes + 1);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break;
        got += n;
      }
      return { text: buf.subarray(0, Math.min(got, maxBytes)).toString('utf8'), truncated: got > maxBytes };
    } catch (e) {
      return failure(e);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
  listDir(path) {
    try {
      return fs.readdirSync(path).sort();
    } catch (e) {
      return failure(e);
    }
  },
  isDirectory(path) {
    try {
      return fs.statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  exists(path) {
    try {
      fs.lstatSync(path);
      return true;
    } catch {
      return false;
    }
  },
};
