import { fstatSync, writeSync } from 'node:fs';

/**
 * Where the CLI writes, and what it knows of the terminal. Passed to every
 * command so end-to-end tests can run main() in-process with captured output.
 */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
}

/**
 * A reader that stops early (`fcgi-doctor rules | head`, `… | true`) closes
 * the pipe: the rest of the output has nowhere to go, which is no error of
 * ours. What is left to write is dropped, and the command runs on to its own
 * exit status: a monitoring check piped into `head -1` must still say 1 or 2.
 * Without a handler, Node would die of EPIPE with a stack trace.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream, closed: () => void): NodeJS.WriteStream {
  if (stream.listenerCount('error') === 0) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closed();
    });
  }
  return stream;
}

/**
 * Writes straight to file descriptor 1 or 2 with write(2), as Node's own
 * stdout does for files, pipes and terminals on Linux (synchronously), but
 * without building process.stdout: that stream (and the modules under it)
 * costs a health check about a millisecond of its start-up. A descriptor that
 * is non-blocking and full (EAGAIN) hands the rest, and everything after, to
 * the stream, which waits for room; after a closed pipe (EPIPE), output is
 * dropped and the exit status stays the command's.
 */
export function directWriter(fd: number, stream: () => NodeJS.WriteStream): (text: string) => void {
  let viaStream = false;
  let pipeClosed = false;
  const onClosed = () => {
    pipeClosed = true;
  };
  return (text) => {
    if (pipeClosed) return;
    if (viaStream) {
      quietOnClosedPipe(stream(), onClosed).write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        pipeClosed = true;
        return;
      }
      if (code !== 'EAGAIN') throw err;
      viaStream = true;
      quietOnClosedPipe(stream(), onClosed).write(bytes.subarray(done));
    }
  };
}

/**
 * Whether fd is a terminal, without building its stream for a pipe or a file:
 * only a character device can be one (or /dev/null), and only then does Node's
 * stream for it (a tty.WriteStream or not) get built to say so.
 */
function isTerminal(fd: 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
}

export function processIO(): CliIO {
  let stdoutIsTTY: boolean | undefined;
  let stderrIsTTY: boolean | undefined;
  return {
    stdout: directWriter(1, () => process.stdout),
    stderr: directWriter(2, () => process.stderr),
    get stdoutIsTTY() {
      return (stdoutIsTTY ??= isTerminal(1));
    },
    get stderrIsTTY() {
      return (stderrIsTTY ??= isTerminal(2));
    },
    env: process.env,
    // A getter: touching process.stdin builds a stream, which costs start-up time.
    get stdin() {
      return process.stdin;
    },
  };
}

/** NO_COLOR wins, then FORCE_COLOR, then --no-color, then whether stdout is a terminal. */
export function colorEnabled(io: CliIO, flag: boolean | undefined): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (flag === false) return false;
  return io.stdoutIsTTY && io.env.TERM !== 'dumb';
}

/** A failure of the tool itself (bad arguments, unreadable input): exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The bundle holds one UsageError for all commands (scripts/bundle.mjs: shared chunks), so instanceof holds. */
export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError;
}
