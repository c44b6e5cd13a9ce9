/** Listening sockets from /proc/net, and which processes hold them (from /proc/PID/fd). */
import { readFileSync } from 'node:fs';
import { errnoToProbeError } from './fileSystem.js';
import { parseProcNetTcp, parseProcNetUnix } from './netParse.js';
import {
  isProbeError,
  type Processes,
  type ProbeError,
  type SocketHolders,
  type Sockets,
  type TcpListener,
  type UnixListener,
} from './types.js';

/**
 * Scans every process's socket inodes once. A process whose fds we may not
 * read makes the answer incomplete: "nobody holds it" then means "nobody we
 * can see", which the checks must word as such.
 */
export function holdersIndex(processes: Processes): (inode: number) => SocketHolders {
  let index: { byInode: Map<number, number[]>; complete: boolean } | undefined;
  const build = () => {
    const byInode = new Map<number, number[]>();
    let complete = true;
    for (const p of processes.list()) {
      const inodes = processes.socketInodes(p.pid);
      if (isProbeError(inodes)) {
        if (inodes.error === 'denied') complete = false;
        continue;
      }
      for (const ino of inodes) byInode.set(ino, [...(byInode.get(ino) ?? []), p.pid]);
    }
    return { byInode, complete };
  };
  return (inode) => {
    index ??= build();
    return { pids: index.byInode.get(inode) ?? [], complete: index.complete };
  };
}

function readNet<T>(path: string, parse: (text: string) => T[]): T[] | ProbeError {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return errnoToProbeError(e, path);
  }
}

export function liveSockets(processes: Processes, proc = '/proc'): Sockets {
  let unix: UnixListener[] | ProbeError | undefined;
  let tcp: TcpListener[] | ProbeError | undefined;
  return {
    unixListeners: () => (unix ??= readNet(`${proc}/net/unix`, parseProcNetUnix)),
    tcpListeners: () => {
      if (tcp) return tcp;
      const v4 = readNet(`${proc}/net/tcp`, (t) => parseProcNetTcp(t, 4));
      const v6 = readNet(`${proc}/net/tcp6`, (t) => parseProcNetTcp(t, 6));
      // No IPv6 in the kernel is normal; no /proc/net/tcp is not.
      tcp = isProbeError(v4) ? v4 : [...v4, ...(isProbeError(v6) ? [] : v6)];
      return tcp;
    },
    holders: holdersIndex(processes),
  };
}
