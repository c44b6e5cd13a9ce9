import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour for the terminal report. The CLI decides whether colour is on
 * (NO_COLOR, FORCE_COLOR, --no-color, a terminal or not); reporters only use it.
 */
export interface Style {
  color: boolean;
  c: ChalkInstance;
  ok: string;
  fail: string;
  warn: string;
  unknown: string;
}

export function createStyle(color: boolean): Style {
  const c = new Chalk({ level: color ? 1 : 0 });
  return { color, c, ok: c.green('✓'), fail: c.red('✗'), warn: c.yellow('!'), unknown: c.dim('?') };
}
