import type { LogInput } from './reader.js';

/** What `Deadline.race` gives when the deadline comes first. */
export const EXPIRED: unique symbol = Symbol('deadline expired');

// setTimeout cannot wait longer than this (a longer delay fires at once).
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A point in time after which a scan stops reading, enforced two ways: a timer, for a
 * read that never completes (a pipe from `sleep`, a writer that never ends a line), and
 * the clock checked at every chunk, for a source that always has data ready (a buffered
 * stream resolves its reads without ever letting a timer run).
 */
export class Deadline {
  private expired = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly at: number) {
    this.arm();
  }

  /** True once the deadline has passed. */
  passed(): boolean {
    if (!this.expired && Date.now() >= this.at) this.expire();
    return this.expired;
  }

  /**
   * The value of `pending`, or EXPIRED if the deadline passes first. One waiter at a time:
   * a scan reads one chunk at a time, and no reaction piles up on a shared promise.
   */
  race<T>(pending: Promise<T>): Promise<T | typeof EXPIRED> {
    if (this.passed()) return Promise.resolve(EXPIRED);
    return new Promise<T | typeof EXPIRED>((resolve, reject) => {
      this.wake = () => resolve(EXPIRED);
      pending.then(
        (value) => {
          this.wake = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.wake = undefined;
          reject(error);
        },
      );
    });
  }

  /** Stops the timer (the scan ended first). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wake = undefined;
  }

  private arm(): void {
    const left = this.at - Date.now();
    if (left <= 0) {
      this.expired = true;
      return;
    }
    this.timer = setTimeout(() => (Date.now() >= this.at ? this.expire() : this.arm()), Math.min(left, MAX_TIMER_MS));
    // The timer alone never keeps the process alive.
    this.timer.unref();
  }

  private expire(): void {
    this.expired = true;
    const wake = this.wake;
    this.dispose();
    wake?.();
  }
}

/**
 * The chunks of a log until the deadline. The clock is read at every chunk (a stream
 * with data always ready never lets a timer run) and the wait for the next chunk races
 * the timer (a pipe from `sleep` never sends one). `reading.cut` tells whether the
 * deadline ended the read.
 */
export async function* untilDeadline(
  input: LogInput,
  deadline: Deadline | undefined,
  reading: { cut: boolean },
): AsyncGenerator<Buffer | string> {
  if (!deadline) {
    yield* input.chunks;
    return;
  }
  const iterator = input.chunks[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (!deadline.passed()) {
      const next = await deadline.race(iterator.next());
      if (next === EXPIRED) break;
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) {
      reading.cut = deadline.passed();
      input.stop?.();
      // A file closes once the read under way completes; nothing waits for that.
      iterator.return?.().catch(() => undefined);
    }
  }
}
