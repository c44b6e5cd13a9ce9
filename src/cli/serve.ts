import { ServeError, startServer, type ListenTarget } from '../server/listen.js';
import type { ServeLimits } from '../server/limits.js';
import { resolveGroupId } from '../system/groups.js';
import { escapeOneLine } from '../report/escape.js';
import { UsageError, type CliIO } from './io.js';
import { parseDuration, parseMode, parsePositiveInt, parseTargetArgument } from './parse.js';

export interface ServeOptions {
  mode?: string;
  group?: string;
  verbose?: boolean;
  quiet?: boolean;
  maxConnections?: string;
  idleTimeout?: string;
  stallTimeout?: string;
}

/**
 * Signals that stop `serve`, removing its socket. SIGHUP: the terminal went
 * away, and there is nothing to reload. SIGQUIT: PHP-FPM and nginx take it as
 * "shut down gracefully", and a stand-in app has no core worth dumping.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * Node opens its inspector on 127.0.0.1:9229 on SIGUSR1, and anyone who can
 * connect there runs code as this process's user (often root under a process
 * manager). A listener of our own replaces Node's handler; the signal is then
 * ignored.
 */
function refuseInspectorSignal(): void {
  process.on('SIGUSR1', () => undefined);
}

function parseLimits(opts: ServeOptions): Partial<ServeLimits> {
  const limits: Partial<ServeLimits> = {};
  if (opts.maxConnections !== undefined)
    limits.maxConnections = parsePositiveInt(opts.maxConnections, '--max-connections', 100_000);
  if (opts.idleTimeout !== undefined) limits.idleTimeoutMs = parseDuration(opts.idleTimeout, '--idle-timeout');
  if (opts.stallTimeout !== undefined) limits.stallTimeoutMs = parseDuration(opts.stallTimeout, '--stall-timeout');
  return limits;
}

const CLOSED_BECAUSE = {
  idle: 'idle for --idle-timeout',
  stalled: 'no progress for --stall-timeout (a half-sent request, or an answer not read)',
  evicted: 'quiet longest when --max-connections was reached',
} as const;

/**
 * Runs the stand-in app until SIGTERM, SIGINT, SIGHUP or SIGQUIT. Without a
 * target it serves on file descriptor 0, the listening socket a process
 * manager hands over.
 */
export async function runServe(targetText: string | undefined, opts: ServeOptions, io: CliIO): Promise<number> {
  refuseInspectorSignal();
  let target: ListenTarget;
  if (targetText === undefined) {
    target = { kind: 'fd', fd: 0 };
  } else {
    const t = parseTargetArgument(targetText);
    target = t.kind === 'unix' ? t : { kind: 'tcp', host: t.host, port: t.port };
  }
  const mode = opts.mode !== undefined ? parseMode(opts.mode) : undefined;
  let gid: number | undefined;
  if (opts.group !== undefined) {
    gid = resolveGroupId(opts.group);
    if (gid === undefined) throw new UsageError(`no such group: ${opts.group}`);
  }
  if ((mode !== undefined || gid !== undefined) && target.kind !== 'unix')
    throw new UsageError('--mode and --group apply to a Unix socket only');
  const limits = parseLimits(opts);
  let server;
  try {
    server = await startServer(target, {
      mode,
      gid,
      limits,
      onConnectionClosed: opts.verbose
        ? (reason) => io.stderr(`fcgi-doctor serve: closed a connection: ${CLOSED_BECAUSE[reason]}\n`)
        : undefined,
      onRequest: opts.verbose
        ? (req) =>
            io.stderr(
              `request ${req.requestId}: ${escapeOneLine(req.params.find(([n]) => n === 'SCRIPT_FILENAME')?.[1] ?? '(no SCRIPT_FILENAME)')} (${req.bodyBytes} body bytes)\n`,
            )
        : undefined,
      onProtocolError: (message) => io.stderr(`fcgi-doctor serve: closed a connection: ${escapeOneLine(message)}\n`),
    });
  } catch (err) {
    if (err instanceof ServeError) throw new UsageError(escapeOneLine(err.message));
    throw err;
  }
  // Handlers first, then the start-up line: whoever waits for the line may signal at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
  });
  if (!opts.quiet) io.stderr(`fcgi-doctor serve: listening on ${server.address} (pid ${process.pid}); Ctrl-C stops\n`);
  await stopped;
  await server.close();
  return 0;
}
