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
  /** Its first subdirectories (at most MAX_SUBDIRS, sorted), to look one level down when it holds no socket itself. */
  subdirs: string[];
}

const MAX_SUBDIRS = 50;

export function socketsInDir(dir: string, maxShown = 10, maxEntries = 10_000): SocketsInDir | ProbeError {
  let handle;
  try {
    handle = opendirSync(dir);
  } catch (err) {
    return errnoToProbeError(err, dir);
  }
  const found: string[] = [];
  const subdirs: string[] = [];
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
      const isSocket =
        entry.isSocket() ||
        (entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() ? false : safeIsSocket(path));
      if (isSocket) found.push(path);
      else if (entry.isDirectory() && subdirs.length < MAX_SUBDIRS) subdirs.push(path);
    }
  } catch (err) {
    return errnoToProbeError(err, dir);
  } finally {
    handle.closeSync();
  }
  found.sort();
  return {
    sockets: found.slice(0, maxShown),
    more: Math.max(0, found.length - maxShown),
    truncated,
    subdirs: subdirs.sort(),
  };
}

/**
 * The sockets in `dir`, or, when it holds none, in its subdirectories (one
 * level down, as /run holds /run/php/php8.2-fpm.sock): what someone who typed
 * the directory most likely meant.
 */
export function socketsNear(dir: string, maxShown = 10): (SocketsInDir & { below: boolean }) | ProbeError {
  const top = socketsInDir(dir, maxShown);
  if ('error' in top || top.sockets.length > 0) return 'error' in top ? top : { ...top, below: false };
  const sockets: string[] = [];
  let more = 0;
  for (const sub of top.subdirs) {
    const r = socketsInDir(sub, maxShown, 1_000);
    if ('error' in r) continue;
    const room = maxShown - sockets.length;
    sockets.push(...r.sockets.slice(0, Math.max(0, room)));
    more += r.more + Math.max(0, r.sockets.length - Math.max(0, room));
  }
  return { sockets, more, truncated: top.truncated, subdirs: top.subdirs, below: sockets.length > 0 };
}

function safeIsSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}
