/** Which processes hold a listening socket, worded honestly when they are not visible. */
import type { ProcessInfo } from '../../system/index.js';
import type { ProbeContext } from './context.js';
import { processText } from './evidence.js';

export interface Holders {
  processes: ProcessInfo[];
  /** Evidence lines: the processes, or why none is named. */
  text: string[];
}

export function holdersOf(ctx: ProbeContext, inode: number, what: string): Holders {
  const h = ctx.system.sockets.holders(inode);
  const processes = h.pids.map((pid) => ctx.system.processes.get(pid)).filter((p): p is ProcessInfo => p !== undefined);
  if (processes.length > 0) {
    // The master and a few workers are enough to show who it is.
    const shown = processes.slice(0, 4).map((p) => `${what} held by ${processText(p, ctx.system.users)}`);
    if (processes.length > 4) shown.push(`…and ${processes.length - 4} more processes`);
    return { processes, text: shown };
  }
  if (!h.complete) {
    ctx.notice(
      `The processes behind some sockets are not visible to user ${ctx.facts.viewerName}; run with sudo for the full check.`,
    );
    return {
      processes,
      text: [`${what}: the process holding it is not visible to user ${ctx.facts.viewerName} (run with sudo)`],
    };
  }
  return { processes, text: [`${what}: no process holds it (another network namespace or container?)`] };
}

/** Listening Unix sockets bound to `path` (from /proc/net/unix). */
export function listenersAt(ctx: ProbeContext, path: string): { inode: number }[] | undefined {
  return ctx.facts.unixListeners?.filter((l) => l.path === path);
}
