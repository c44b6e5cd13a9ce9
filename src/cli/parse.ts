import { existsSync } from 'node:fs';
import { parseTarget, TargetError, type Target } from '../client/target.js';
import { UsageError } from './io.js';

/**
 * The longest wait Node's timers can keep: setTimeout takes a signed 32-bit
 * count of milliseconds and turns anything above into 1 ms (with a
 * TimeoutOverflowWarning), so `--timeout 700h` would fire at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** "5", "5s", "500ms", "2m", "1h" → milliseconds. A bare number is seconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`bad ${what} "${text}": write 5, 5s, 500ms, 2m or 1h`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  if (ms <= 0) throw new UsageError(`${what} must be more than 0`);
  if (!(Math.round(ms) <= MAX_TIMER_MS)) {
    throw new UsageError(
      `${what} ${text.trim()} is too long: the most this tool can wait is 596h (24 days, 2^31-1 ms)`,
    );
  }
  // Under a millisecond is still a wait, not "at once" (setTimeout(0)).
  return Math.max(1, Math.round(ms));
}

export function parsePositiveInt(text: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${what} must be a whole number, not "${text}"`);
  const n = Number(text);
  if (n < 1 || n > max) throw new UsageError(`${what} must be between 1 and ${max}`);
  return n;
}

/** NAME=VALUE, as --param and --header take it. */
export function parsePair(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  // Header names hold neither '=' nor ':', so either separates NAME from VALUE.
  const colon = what === 'header' || what === 'expect-header' ? text.indexOf(':') : -1;
  const at = eq === -1 ? colon : colon === -1 ? eq : Math.min(eq, colon);
  if (at <= 0) throw new UsageError(`--${what} takes NAME=VALUE, not "${text}"`);
  return [text.slice(0, at).trim(), text.slice(at + 1).trimStart()];
}

export function parseRegex(text: string, what: string): RegExp {
  try {
    return new RegExp(text);
  } catch (err) {
    throw new UsageError(`${what}: bad regular expression "${text}": ${(err as Error).message}`);
  }
}

export function parseStatusList(values: string[]): number[] {
  const out: number[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 100 || n > 599)
      throw new UsageError(`--expect-status takes HTTP statuses (100-599), not "${v}"`);
    out.push(n);
  }
  return out;
}

export function parseMode(text: string): number {
  if (!/^0?[0-7]{3,4}$/.test(text)) throw new UsageError(`--mode takes an octal mode like 0660, not "${text}"`);
  return parseInt(text, 8);
}

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function parseFormat<T extends string>(text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text))
    throw new UsageError(`--format takes ${allowed.join(', ')}; not "${text}"`);
  return text as T;
}

/** A backend target as ping, status and serve take it; a malformed one is a usage error (exit 2). */
export function parseTargetArgument(text: string): Target {
  try {
    return parseTarget(text);
  } catch (err) {
    if (err instanceof TargetError) throw new UsageError(err.message);
    throw err;
  }
}

/** Paths the user named that must exist before the command runs (a usage error, exit 2, names the first one missing). */
export function requireExisting(paths: ReadonlyArray<readonly [what: string, path: string | undefined]>): void {
  for (const [what, path] of paths) {
    if (path !== undefined && !existsSync(path)) throw new UsageError(`${what} ${path} does not exist`);
  }
}
