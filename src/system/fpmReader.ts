/**
 * src/fpm's file reader on this layer's FileSystem: every read of PHP-FPM's
 * configuration goes through the same bounded reads as the rest of the machine
 * (and a fixture machine in unit tests).
 */
import type { FpmFileReader } from '../fpm/types.js';
import { isProbeError, type FileSystem } from './types.js';

export function fpmFileReaderOf(fs: FileSystem): FpmFileReader {
  const failure = (e: { error: string; message: string }) => ({
    error: e.message,
    ...(e.error === 'denied' ? { code: 'EACCES' } : e.error === 'missing' ? { code: 'ENOENT' } : {}),
  });
  return {
    readText(file, maxBytes) {
      const head = fs.readHead(file, maxBytes + 1);
      if (isProbeError(head)) return failure(head);
      return { text: head.subarray(0, maxBytes).toString('utf8'), truncated: head.length > maxBytes };
    },
    listDir(dir) {
      const names = fs.listDir(dir);
      return isProbeError(names) ? failure(names) : names;
    },
    isDirectory(p) {
      const st = fs.stat(p);
      return !isProbeError(st) && st.type === 'dir';
    },
    exists: (p) => fs.exists(p),
  };
}
