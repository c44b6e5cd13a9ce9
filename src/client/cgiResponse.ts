import { formatBytes } from '../util/bytes.js';
/**
 * The CGI response a responder writes on FCGI_STDOUT: a header block, a blank
 * line, the body (RFC 3875 section 6). Parsed the way Apache's
 * ap_scan_script_header_err reads it, so what we call malformed is what Apache
 * would log as "malformed header from script".
 */
export interface CgiResponse {
  status: number;
  statusText: string;
  headers: Array<[name: string, value: string]>;
  body: Buffer;
  /** what Apache would refuse in this response; empty when it is well-formed */
  problems: string[];
}

/** Apache refuses a header line longer than its buffer (8 KiB); we allow a whole block of this size. */
export const MAX_HEADER_BLOCK = 256 * 1024;

function findHeaderEnd(out: Buffer): { end: number; bodyStart: number } | undefined {
  // A blank first line: no headers at all (Apache takes it as the end of an empty header block).
  if (out[0] === 0x0a) return { end: 0, bodyStart: 1 };
  if (out[0] === 0x0d && out[1] === 0x0a) return { end: 0, bodyStart: 2 };
  const limit = Math.min(out.length, MAX_HEADER_BLOCK + 4);
  for (let i = 0; i < limit; i++) {
    if (out[i] !== 0x0a) continue;
    if (out[i + 1] === 0x0a) return { end: i, bodyStart: i + 2 };
    if (out[i + 1] === 0x0d && out[i + 2] === 0x0a) return { end: i, bodyStart: i + 3 };
  }
  return undefined;
}

export function parseCgiResponse(stdout: Buffer): CgiResponse {
  const response: CgiResponse = { status: 200, statusText: 'OK', headers: [], body: Buffer.alloc(0), problems: [] };
  if (stdout.length === 0) {
    response.status = 0;
    response.statusText = '';
    response.problems.push(
      'no output at all: the backend sent no headers (Apache logs "End of script output before headers")',
    );
    return response;
  }
  const split = findHeaderEnd(stdout);
  if (!split) {
    response.status = 0;
    response.statusText = '';
    response.problems.push(
      stdout.length > MAX_HEADER_BLOCK
        ? `no end of headers in the first ${formatBytes(MAX_HEADER_BLOCK)} of output`
        : 'the output has no blank line ending the headers (Apache logs "incomplete headers" or "End of script output before headers")',
    );
    response.body = stdout;
    return response;
  }
  response.body = stdout.subarray(split.bodyStart);
  const block = stdout.toString('latin1', 0, split.end);
  let sawStatus = false;
  let location: string | undefined;
  for (const rawLine of block ? block.split('\n') : []) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      response.problems.push(`malformed header line: "${line.slice(0, 80)}"`);
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      response.problems.push(`malformed header name: "${name.slice(0, 80)}"`);
      continue;
    }
    if (name.toLowerCase() === 'status') {
      const m = /^(\d{3})(?:\s+(.*))?$/.exec(value);
      if (!m) {
        response.problems.push(`malformed Status header: "${value.slice(0, 80)}"`);
        continue;
      }
      sawStatus = true;
      response.status = Number(m[1]);
      response.statusText = m[2] ?? '';
      continue;
    }
    if (name.toLowerCase() === 'location') location = value;
    response.headers.push([name, value]);
  }
  if (!sawStatus && location !== undefined) {
    // CGI: a Location with no Status is a redirect (a local one is followed by Apache internally).
    response.status = 302;
    response.statusText = 'Found';
  }
  return response;
}

export function headerValue(response: Pick<CgiResponse, 'headers'>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return response.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}
