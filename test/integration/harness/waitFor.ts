/** Polling with a deadline: for sockets, ports, pid files and log lines. */
import { canConnect, endpointToString, type Endpoint } from './endpoint.js';
import type { ServerProcess } from './process.js';

export interface WaitOptions {
  /** Give up after this long (default 20 s: a fresh CI machine on 2 cores is slow to start Apache). */
  timeoutMs?: number;
  /** Poll every (default 50 ms). */
  intervalMs?: number;
  /** What we wait for, for the error message. */
  what?: string;
  /** Fail at once, quoting its output, if this process exits while we wait. */
  process?: ServerProcess;
  /** More text for the error message (e.g. the tail of an error log), computed on failure. */
  diagnostics?: () => string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function failure(message: string, opts: WaitOptions): Error {
  const parts = [message];
  if (opts.process) {
    const out = opts.process.output(4096).trim();
    if (out) parts.push(`--- ${opts.process.name} output (${opts.process.outputPath}) ---\n${out}`);
  }
  const extra = opts.diagnostics?.().trim();
  if (extra) parts.push(extra);
  return new Error(parts.join('\n'));
}

/** Polls `condition` until it returns a truthy value, and returns that value. */
export async function waitFor<T>(condition: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const intervalMs = opts.intervalMs ?? 50;
  const what = opts.what ?? 'condition';
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    const exited = opts.process?.exited();
    if (exited) {
      throw failure(
        `${opts.process?.name ?? 'process'} exited (code ${exited.code}, signal ${exited.signal}) while waiting for ${what}`,
        opts,
      );
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw failure(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, opts);
    }
    await sleep(intervalMs);
  }
}

/** Waits until `endpoint` accepts a connection. */
export async function waitForEndpoint(endpoint: Endpoint, opts: WaitOptions = {}): Promise<void> {
  await waitFor(() => canConnect(endpoint, 500), {
    what: `${endpointToString(endpoint)} to accept connections`,
    ...opts,
  });
}
