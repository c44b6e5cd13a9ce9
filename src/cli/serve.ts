import { ServeError, startServer, type ListenTarget } from '../server/listen.js';
import { resolveGroupId } from '../system/groups.js';
import { escapeOneLine } from '../report/escape.js';
import { UsageError, type CliIO } from './io.js';
import { parseMode, parseTargetArgument } from './parse.js';

export interface ServeOptions {
  mode?: string;
  group?: string;
  verbose?: boolean;
  quiet?: boolean;
}

/**
 * Runs the stand-in app until SIGTERM or SIGINT. Without a target it serves
 * on file descriptor 0, the listening socket a process manager hands over.
 */
export async function runServe(targetText: string | undefined, opts: ServeOptions, io: CliIO): Promise<number> {
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
  if ((mode !== undefined || gid !== undefined) && target.kind !== 'unix') throw new UsageError('--mode and --group apply to a Unix socket only');
  let server;
  try {
    server = await startServer(target, {
      mode,
      gid,
      onRequest: opts.verbose
        ? (req) => io.stderr(`request ${req.requestId}: ${escapeOneLine(req.params.find(([n]) => n === 'SCRIPT_FILENAME')?.[1] ?? '(no SCRIPT_FILENAME)')} (${req.bodyBytes} body bytes)\n`)
        : undefined,
      onProtocolError: (message) => io.stderr(`fcgi-doctor serve: closed a connection: ${escapeOneLine(message)}\n`),
    });
  } catch (err) {
    if (err instanceof ServeError) throw new UsageError(err.message);
    throw err;
  }
  // Handlers first, then the start-up line: whoever waits for the line may signal at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  if (!opts.quiet) io.stderr(`fcgi-doctor serve: listening on ${server.address} (pid ${process.pid}); Ctrl-C stops\n`);
  await stopped;
  await server.close();
  return 0;
}
