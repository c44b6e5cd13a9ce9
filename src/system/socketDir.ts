/**
 * The Unix sockets in a directory, for "you named a directory, not a socket".
 * Bounded both ways: at most `maxEntries` names are read (a huge directory
 * costs nothing more) and at most `maxShown` sockets are kept.
 */
import { lstatSync, opendirSync } from 'node:fs';
import { join } from 'node:path';
import { errnoToProbeError } from './fileSystem.js';
import type { ProbeError } from './types.js';

export interface SocketsInDir {
  /** Full paths, sorted, at most maxShown. */
  sockets: string[];
  /** Sockets found beyond those kept. */
  more: number;
  /** True when the directory held more than maxEntries names and the rest were not read. */
  truncated: boolean;
}

export function socketsInDir(dir: string, maxShown = 10, maxEntries = 10_000): SocketsInDir | ProbeError {
  let handle;
  try {
    handle = opendirSync(dir);
  } catch (err) {
    return errnoToProbeError(err, dir);
  }
  const found: string[] = [];
  let seen = 0;
  let truncated = false;
  try {
    for (let entry = handle.readSync(); entry; entry = handle.readSync()) {
      if (++seen > maxEntries) {
        truncated = true;
        break;
      }
      const path = join(dir, entry.name);
      // Some filesystems report no type in the entry: ask lstat then.
      const isSocket = entry.isSocket() || (entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() ? false : safeIsSocket(path));
      if (isSocket) found.push(path);
    }
  } catch (err) {
    return errnoToProbeError(err, dir);
  } finally {
    handle.closeSync();
  }
  found.sort();
  return { sockets: found.slice(0, maxShown), more: Math.max(0, found.length - maxShown), truncated };
}

function safeIsSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}
