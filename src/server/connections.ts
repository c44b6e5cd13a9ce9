import type { ServedConnection } from './responder.js';
import type { ServeLimits } from './limits.js';

/** Why a connection was closed by us rather than by its peer. */
export type CloseReason = 'idle' | 'stalled' | 'evicted';

/**
 * The open connections of one server: caps their number, and closes those
 * that sit idle or stall. One timer sweeps them all, so a flood of
 * connections costs no timer each.
 */
export class ConnectionTable {
  private readonly open = new Set<ServedConnection>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: Pick<ServeLimits, 'maxConnections' | 'idleTimeoutMs' | 'stallTimeoutMs'>,
    private readonly onClosed?: (reason: CloseReason) => void,
  ) {
    // A quarter of the shorter timeout: a connection is closed at most 25% late.
    const every = Math.min(1000, Math.max(20, Math.min(limits.idleTimeoutMs, limits.stallTimeoutMs) / 4));
    this.sweeper = setInterval(() => this.sweep(Date.now()), every);
    this.sweeper.unref();
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Makes room for one more connection: at the cap, closes the one whose peer
   * has been quiet longest (an idle keep-alive, a client that stopped reading
   * or never finished its request), so that a crowd of idle connections
   * cannot lock a working client out.
   */
  makeRoom(): void {
    while (this.open.size >= this.limits.maxConnections) {
      let quietest: ServedConnection | undefined;
      for (const c of this.open) if (!quietest || c.lastProgress < quietest.lastProgress) quietest = c;
      this.drop(quietest!, 'evicted');
    }
  }

  add(connection: ServedConnection): void {
    this.open.add(connection);
  }

  /** The connection closed (by either side). */
  remove(connection: ServedConnection): void {
    this.open.delete(connection);
  }

  sweep(now: number): void {
    for (const c of this.open) {
      const quiet = now - c.lastProgress;
      if (c.midRequest ? quiet >= this.limits.stallTimeoutMs : quiet >= this.limits.idleTimeoutMs) {
        this.drop(c, c.midRequest ? 'stalled' : 'idle');
      }
    }
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    for (const c of [...this.open]) c.close();
    this.open.clear();
  }

  private drop(c: ServedConnection, reason: CloseReason): void {
    this.open.delete(c);
    c.close();
    this.onClosed?.(reason);
  }
}
