/**
 * The request URI as httpd turns it into r->uri before translate_name
 * (server/request.c ap_process_request_internal, 2.4.x):
 *  1. ap_normalize_path on the still-encoded path, decoding unreserved
 *     %XX (so %2e is a dot), removing "/./", resolving "/../" (above the
 *     root: 400), merging "//" unless MergeSlashes Off; a bad %XX: 400;
 *  2. ap_unescape_url_ex: %2F → 404 unless AllowEncodedSlashes (NoDecode
 *     keeps it encoded), %00 → 404, a bad %XX → 400;
 *  3. with AllowEncodedSlashes On the decoded slashes are normalised again.
 * Bytes that are not UTF-8 pass through as bytes (httpd does not check).
 */

/** LimitRequestLine's default (server/protocol.c DEFAULT_LIMIT_REQUEST_LINE). */
export const DEFAULT_LIMIT_REQUEST_LINE = 8190;

export type AllowEncodedSlashes = 'off' | 'on' | 'nodecode';

export interface UriResult {
  /** r->uri decoded; a JS string whose code units are bytes 0-255 when not valid UTF-8. */
  uri?: string;
  status?: number;
  why?: string;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** RFC 3986 unreserved: ALPHA DIGIT - . _ ~ (httpd's T_URI_UNRESERVED). */
function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

/** server/util.c ap_normalize_path, on a string of single-byte chars. */
export function normalizePath(
  input: string,
  opts: { decodeUnreserved: boolean; mergeSlashes: boolean },
): { path: string; ok: boolean } {
  const p = input.split('');
  let ok = true;
  if (p[0] !== '/') return { path: input, ok: false };
  let l = 1;
  let w = 1;
  const at = (i: number): string => p[i] ?? '';
  const slashOrNul = (i: number): boolean => i >= p.length || p[i] === '/';
  while (l < p.length) {
    if (opts.decodeUnreserved && p[l] === '%') {
      if (l + 2 < p.length + 0 && isHex(at(l + 1).charCodeAt(0)) && isHex(at(l + 2).charCodeAt(0))) {
        const c = Number.parseInt(at(l + 1) + at(l + 2), 16);
        if (isUnreserved(c)) {
          l += 2;
          p[l] = String.fromCharCode(c);
        }
      } else ok = false;
    }
    if (w === 0 || p[w - 1] === '/') {
      if (opts.mergeSlashes && p[l] === '/') {
        do l++;
        while (p[l] === '/');
        continue;
      }
      if (p[l] === '.') {
        if (slashOrNul(l + 1)) {
          l++;
          if (l < p.length) l++;
          continue;
        }
        let n = l + 1;
        const dotdot =
          p[n] === '.' || (opts.decodeUnreserved && p[n] === '%' && p[++n] === '2' && (p[++n] === 'e' || p[n] === 'E'));
        if (dotdot && slashOrNul(n + 1)) {
          if (w > 1) {
            do w--;
            while (w && p[w - 1] !== '/');
          } else ok = false;
          l = n + 1;
          if (l < p.length) l++;
          continue;
        }
      }
    }
    p[w++] = p[l++] as string;
  }
  return { path: p.slice(0, w).join(''), ok };
}

/** server/util.c unescape_url with KEEP_UNRESERVED and the slash flags. */
export function unescapePath(s: string, slashes: AllowEncodedSlashes): { path: string; status?: number } {
  if (!s.includes('%')) return { path: s };
  let out = '';
  let badesc = false;
  let badpath = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const a = s.charCodeAt(i + 1);
    const b = s.charCodeAt(i + 2);
    if (!isHex(a) || !isHex(b)) {
      badesc = true;
      out += '%';
      continue;
    }
    const c = Number.parseInt(s.slice(i + 1, i + 3), 16);
    if (c === 0 || (slashes === 'off' && c === 0x2f)) {
      badpath = true;
      out += String.fromCharCode(c);
      i += 2;
    } else if (isUnreserved(c) || (slashes === 'nodecode' && c === 0x2f)) {
      out += s.slice(i, i + 3);
      i += 2;
    } else {
      out += String.fromCharCode(c);
      i += 2;
    }
  }
  if (badesc) return { path: out, status: 400 };
  if (badpath) return { path: out, status: 404 };
  return { path: out };
}

/** Bytes (one char each) as UTF-8 text when they are valid UTF-8, else unchanged (each byte one char). */
export function bytesToText(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x80-\xff]/.test(s)) return s;
  const buf = Buffer.from(s, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return s;
  }
}

/** The request line's path (encoded) → r->uri, or the status httpd answers instead. */
export function requestUri(
  encodedPath: string,
  opts: { mergeSlashes: boolean; allowEncodedSlashes: AllowEncodedSlashes },
): UriResult {
  // The request line travels as bytes: a non-ASCII char the user typed is sent as its UTF-8 bytes.
  const bytes = /[^\x00-\x7f]/.test(encodedPath) ? Buffer.from(encodedPath, 'utf8').toString('latin1') : encodedPath;
  const n = normalizePath(bytes, { decodeUnreserved: true, mergeSlashes: opts.mergeSlashes });
  if (!n.ok) return { status: 400, why: 'invalid URI path: a bad %-escape or "/.." above the root (AH10244)' };
  const u = unescapePath(n.path, opts.allowEncodedSlashes);
  if (u.status === 400) return { status: 400, why: 'a bad %-escape in the path' };
  if (u.status === 404)
    return {
      status: 404,
      why: u.path.includes('\0')
        ? 'the path holds %00'
        : 'the path holds %2F (an encoded slash) and AllowEncodedSlashes is Off (AH00026)',
    };
  let path = u.path;
  if (opts.allowEncodedSlashes === 'on' && /%2f/i.test(n.path))
    path = normalizePath(path, { decodeUnreserved: false, mergeSlashes: opts.mergeSlashes }).path;
  return { uri: bytesToText(path) };
}
