/**
 * What every harness server hands back: its temp dir, its log, its process
 * and how to stop it (process group, temp dir and all).
 */
import type { ServerProcess } from './process.js';

export interface HarnessServer {
  /** The temp dir holding everything it uses. */
  dir: string;
  /** Its own output (stdout and stderr). */
  logPath: string;
  pid: number;
  process: ServerProcess;
  log(): string;
  stop(): Promise<void>;
}

/** The shared fields of a started server, from its temp dir, its process and how to stop it. */
export function harnessServer(
  dir: string,
  logPath: string,
  proc: ServerProcess,
  stop: () => Promise<void>,
): HarnessServer {
  return { dir, logPath, pid: proc.pid, process: proc, log: () => proc.output(1 << 20), stop };
}
