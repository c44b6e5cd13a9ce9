import type { ChalkInstance } from 'chalk';

/**
 * Colour for the terminal report. The CLI decides whether colour is on
 * (NO_COLOR, FORCE_COLOR, --no-color, a terminal or not) and loads chalk only
 * then; reporters only use the style they are given.
 */
export interface Style {
  color: boolean;
  c: ChalkInstance;
  ok: string;
  fail: string;
  warn: string;
  unknown: string;
}

/** A chalk look-alike that returns text unchanged, whatever chain of styles is asked. */
function plainChalk(): ChalkInstance {
  const identity = (...text: unknown[]) => text.join(' ');
  const proxy: ChalkInstance = new Proxy(identity, {
    get: () => proxy,
    apply: (_t, _this, args: unknown[]) => args.join(' '),
  }) as unknown as ChalkInstance;
  return proxy;
}

export function createStyle(chalk?: ChalkInstance): Style {
  const c = chalk ?? plainChalk();
  return {
    color: chalk !== undefined,
    c,
    ok: c.green('✓'),
    fail: c.red('✗'),
    warn: c.yellow('!'),
    unknown: c.dim('?'),
  };
}

/** The style for a decision the CLI made: chalk is loaded only when colour is on. */
export async function loadStyle(color: boolean): Promise<Style> {
  if (!color) return createStyle();
  const { Chalk } = await import('chalk');
  return createStyle(new Chalk({ level: 1 }));
}
