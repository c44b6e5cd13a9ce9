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
  const n = content.length;
  let pos = 0;
  let lineNo = 0;
  // Pieces of a logical line continued with backslash-newline (rare).
  let acc: string[] | undefined;
  let accLen = 0;
  let first = 0;
  while (pos < n) {
    let nl = content.indexOf('\n', pos);
    if (nl === -1) nl = n;
    lineNo++;
    let end = nl;
    if (end > pos && content.charCodeAt(end - 1) === 0x0d) end--;
    const continued = end > pos && content.charCodeAt(end - 1) === 0x5c;
    if (continued) end--;
    const start = pos;
    pos = nl + 1;
    // A continued last line ends its logical line all the same.
    const more = continued && pos < n;
    if (acc === undefined && !more) {
      // The usual line: trim it in place, one slice.
      let a = start;
      let b = end;
      while (a < b && isSpace(content.charCodeAt(a))) a++;
      while (b > a && isSpace(content.charCodeAt(b - 1))) b--;
      out.push({ text: content.slice(a, b), line: lineNo, firstLine: lineNo });
      continue;
    }
    if (acc === undefined) {
      acc = [];
      accLen = 0;
      first = lineNo;
    }
    // Past httpd's limit the rest is dropped; the parser reports the overlong line.
    if (accLen < MAX_LOGICAL_LINE + 1) {
      acc.push(content.slice(start, end));
      accLen += end - start;
    }
    if (more) continue;
    out.push({ text: trimConf(acc.join('')), line: lineNo, firstLine: first });
    acc = undefined;
  }
  return out;
}
