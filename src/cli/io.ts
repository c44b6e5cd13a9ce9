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
 * A reader that stops early (`fcgi-doctor rules | head`) closes the pipe: the
 * rest of the output has nowhere to go, which is no error of ours. Without a
 * handler, Node would die of EPIPE with a stack trace.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (stream.listenerCount('error') === 0) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  return stream;
}

export function processIO(): CliIO {
  return {
    stdout: (t) => void quietOnClosedPipe(process.stdout).write(t),
    stderr: (t) => void quietOnClosedPipe(process.stderr).write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
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

/**
 * By name, not instanceof: each command is bundled on its own (dist/bundle),
 * so the UsageError a command throws is another class than main's.
 */
export function isUsageError(err: unknown): err is UsageError {
  return err instanceof Error && err.name === 'UsageError';
}
