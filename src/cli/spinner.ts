import type { CliIO } from './io.js';

/**
 * A spinner on stderr for long steps, only on an interactive terminal (the
 * caller decides): never in JSON or piped output. ora is loaded only then.
 */
export async function startSpinner(io: CliIO, text: string): Promise<{ stop(): void }> {
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, isEnabled: io.stderrIsTTY }).start();
  return { stop: () => spinner.stop() };
}
