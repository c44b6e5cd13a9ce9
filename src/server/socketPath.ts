import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The longest Unix socket path the kernel takes: sun_path is 108 bytes on
 * Linux, one of them the terminating NUL. A longer path is silently cut by
 * bind(2) through Node, so the socket would appear under another name.
 */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Why a Unix socket cannot be created at `path`, or undefined when it can be
 * tried: too long for the kernel, or a directory that does not exist or is not
 * a directory (bind(2) would only say "permission denied" or "no such file").
 */
export function socketPathProblem(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    return `${path} is ${bytes} bytes long; a Unix socket path may have at most ${MAX_SOCKET_PATH_BYTES} (the kernel's limit): choose a shorter path, e.g. under /run or /tmp`;
  }
  const dir = dirname(path);
  let stat;
  try {
    stat = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return `directory ${dir} does not exist: create it first, or choose a socket path in an existing directory`;
    if (code === 'ENOTDIR') return `${dir} is not a directory (a part of it is a file)`;
    if (code === 'EACCES') return `cannot reach directory ${dir}: permission denied`;
    return undefined;
  }
  if (!stat.isDirectory()) return `${dir} is not a directory`;
  return undefined;
}
