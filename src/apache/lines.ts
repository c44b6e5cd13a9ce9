/**
 * Physical lines → logical lines, exactly as httpd's ap_cfg_getline does it
 * (server/util.c): a backslash right before the newline joins the next line with
 * no separator, the joined line is trimmed, and the line number recorded is the
 * last physical line, because that is the one httpd names in its errors.
 */

export interface LogicalLine {
  /** Trimmed logical line; comments are kept (the caller decides). */
  text: string;
  /** Last physical line of the logical line (1-based), as httpd reports. */
  line: number;
  firstLine: number;
}

/** httpd's VARBUF_MAX_LEN for configuration files. */
export const MAX_LOGICAL_LINE = 16 * 1024 * 1024;

/** apr_isspace: the C locale's whitespace, and nothing Unicode (a BOM stays). */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

export function trimConf(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

export function splitLogicalLines(content: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = content.split('\n');
  // A final newline leaves an empty last element that is not a line.
  if (physical.length > 0 && physical[physical.length - 1] === '') physical.pop();
  let acc: string[] = [];
  let accLen = 0;
  let first = 0;
  for (let i = 0; i < physical.length; i++) {
    let p = physical[i] ?? '';
    if (p.endsWith('\r')) p = p.slice(0, -1);
    if (acc.length === 0) first = i + 1;
    const continued = p.endsWith('\\');
    if (continued) p = p.slice(0, -1);
    // Past httpd's limit the rest is dropped; the parser reports the overlong line.
    if (accLen < MAX_LOGICAL_LINE + 1) {
      acc.push(p);
      accLen += p.length;
    }
    if (continued && i < physical.length - 1) continue;
    out.push({ text: trimConf(acc.length === 1 ? (acc[0] ?? '') : acc.join('')), line: i + 1, firstLine: first });
    acc = [];
    accLen = 0;
  }
  return out;
}
