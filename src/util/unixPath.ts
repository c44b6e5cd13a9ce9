/**
 * Reaching a Unix socket whose path is longer than a socket address holds.
 * sun_path has 108 bytes; libuv keeps one for the NUL and silently cuts a
 * longer path, so Node would connect to another name (perhaps a stale socket
 * left there, perhaps nothing) and the probe would judge the wrong file.
 *
 * One mechanism for `ping` (src/client/connect.ts, which words the failure
 * as a client error) and check's probes (src/system/connect.ts): the two
 * layers may not import each other, so it lives in src/util.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** The longest socket path Node's connect() passes on whole. */
export const SUN_PATH_MAX = 107;

export type UnixRoute =
  | {
      /** what to hand to connect() */
      path: string;
      /** closes the directory descriptor the path goes through; safe to call twice */
      release(): void;
    }
  | {
      /** the errno of the failure (ENAMETOOLONG when the file name alone is too long) */
      error: string;
      /** the failure in words, for a probe's evidence */
      message: string;
      /** the directory's open error as Node words it; '' for ENAMETOOLONG */
      detail: string;
    };

/**
 * The path to connect to: `path` itself when it fits, else /proc/self/fd/N/NAME
 * through the opened directory, which the kernel resolves to the same socket
 * (connect then needs no more rights than before but read on the directory).
 */
export function unixRoute(path: string): UnixRoute {
  if (Buffer.byteLength(path) <= SUN_PATH_MAX) return { path, release: () => undefined };
  let fd: number;
  try {
    // O_DIRECTORY: a FIFO or device in the directory's place fails at once instead of blocking the open.
    fd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      error: err.code ?? 'ERROR',
      message: `the path is longer than ${SUN_PATH_MAX} bytes and its directory could not be opened to reach it: ${err.message}`,
      detail: err.message,
    };
  }
  let open = true;
  const release = () => {
    if (open) closeSync(fd);
    open = false;
  };
  const via = `/proc/self/fd/${fd}/${basename(path)}`;
  if (Buffer.byteLength(via) > SUN_PATH_MAX) {
    release();
    return {
      error: 'ENAMETOOLONG',
      message: `the file name alone is too long for a socket address (${SUN_PATH_MAX} bytes)`,
      detail: '',
    };
  }
  return { path: via, release };
}
