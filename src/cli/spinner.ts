import type { CliIO } from './io.js';

type Ora = typeof import('ora').default;

/**
 * A spinner on stderr for long steps, only on an interactive terminal (the
 * caller decides): never in JSON or piped output. ora is loaded only then.
 */
export async function startSpinner(io: CliIO, text: string): Promise<{ stop(): void }> {
  // A pseudo-terminal without a size (script(1), some CI runners) reports 0 columns;
  // ora then clears an endless number of lines and never stops: no spinner there.
  if (!((process.stderr.columns ?? 0) > 0)) return { stop: () => undefined };
  const mod = (await import('ora')) as { default: Ora | { default: Ora } };
  // Under ESM, default is ora itself; from the CommonJS bundle (vendor-ora.cjs)
  // Node's interop hands over the whole module object, whose default is ora.
  const ora = typeof mod.default === 'function' ? mod.default : mod.default.default;
  // discardStdin: ora would otherwise take the terminal's input, and keep the process alive.
  const spinner = ora({ text, stream: process.stderr, isEnabled: io.stderrIsTTY, discardStdin: false }).start();
  return { stop: () => spinner.stop() };
}
