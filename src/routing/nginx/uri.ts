/**
 * r->uri from the request line, as ngx_http_parse_complex_uri
 * (src/http/ngx_http_parse.c) makes it: %XX decoded (a decoded character is
 * then read like a written one, so "%2F" is a slash and "%2e%2e" a dot
 * segment), "//" merged (merge_slashes on), "." and ".." segments resolved;
 * a ".." above the root or a bad escape is 400 Bad Request.
 * The result is a byte string (latin1), like nginx's.
 */

export type ParsedUri = { uri: string } | { status: 400; reason: string };

export function parseNginxUri(rawPath: string, mergeSlashes: boolean): ParsedUri {
  const bytes = Buffer.from(rawPath, 'utf8');
  const decoded: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b !== 0x25) {
      decoded.push(b);
      continue;
    }
    const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return { status: 400, reason: `bad escape "%${hex}" in the URI` };
    decoded.push(Number.parseInt(hex, 16));
    i += 2;
  }
  if (decoded.includes(0)) return { status: 400, reason: 'a NUL byte (%00) in the URI' };
  const text = Buffer.from(decoded).toString('latin1');
  if (!text.startsWith('/')) return { status: 400, reason: 'the URI does not start with "/"' };
  const segments = text.split('/').slice(1);
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as string;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
      continue;
    }
    if (s === '..') {
      if (out.length === 0) return { status: 400, reason: 'a ".." segment above the root' };
      out.pop();
      if (last) out.push('');
      continue;
    }
    if (s === '' && mergeSlashes && !last) continue;
    out.push(s);
  }
  return { uri: `/${out.join('/')}` };
}
