import type { RecordTrace } from '../client/connection.js';
import { escapeOneLine } from './escape.js';
import type { Style } from './style.js';

/** One record as it goes or comes, for `ping --verbose`. */
export function formatTrace(style: Style, t: RecordTrace): string {
  const arrow = t.direction === 'sent' ? style.c.cyan('→') : style.c.magenta('←');
  const printable = t.preview.toString('latin1');
  const preview = t.contentLength ? style.c.dim(` ${JSON.stringify(escapeOneLine(printable)).slice(0, 70)}`) : '';
  return `${arrow} ${t.type.padEnd(17)} id=${t.requestId} len=${t.contentLength}${preview}\n`;
}
