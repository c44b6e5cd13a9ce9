/**
 * URL helpers of mod_rewrite.c: is_absolute_uri (the schemes it knows and
 * whether a query makes sense for them), splitout_queryargs, fully_qualify_uri,
 * reduce_uri, escape_absolute_uri with ap_escape_uri, subst_prefix_path.
 */

/** [scheme prefix (lower-case), length to skip, query string supported]. */
const SCHEMES: Array<[string, boolean]> = [
  ['ajp://', true],
  ['balancer://', true],
  ['ftp://', true],
  ['fcgi://', true],
  ['gopher://', true],
  ['http://', true],
  ['https://', true],
  ['h2://', true],
  ['h2c://', true],
  ['ldap://', true],
  ['mailto:', false],
  ['news:', false],
  ['nntp://', true],
  ['scgi://', true],
  ['uwsgi://', true],
  ['ws://', true],
  ['wss://', true],
  ['unix:', true],
];

/** is_absolute_uri: the length of "scheme://" (0: not an absolute URI) and whether a query applies. */
export function absoluteUri(uri: string): { skip: number; query: boolean } {
  if (uri.startsWith('/') || uri.length <= 5) return { skip: 0, query: false };
  const lower = uri.slice(0, 12).toLowerCase();
  for (const [prefix, query] of SCHEMES) if (lower.startsWith(prefix)) return { skip: prefix.length, query };
  return { skip: 0, query: false };
}

export interface QuerySplit {
  filename: string;
  args: string | undefined;
}

/** splitout_queryargs: the query part of a substitution replaces (or with QSA, precedes) the request's. */
export function splitQuery(
  filename: string,
  args: string | undefined,
  f: { qsNone: boolean; qsAppend: boolean; qsDiscard: boolean; qsLast: boolean },
): QuerySplit {
  if (f.qsNone) return { filename, args: undefined };
  const abs = absoluteUri(filename);
  if (abs.skip && !abs.query) return { filename, args: undefined };
  let a = f.qsDiscard ? undefined : args;
  const q = f.qsLast ? filename.lastIndexOf('?') : filename.indexOf('?', abs.skip);
  if (q < abs.skip || q < 0) return { filename, args: a };
  const query = filename.slice(q + 1);
  const name = filename.slice(0, q);
  if (f.qsAppend) {
    if (query) a = a === undefined ? `${query}&` : `${query}&${a}`;
  } else a = query;
  if (a !== undefined) {
    if (a === '') a = undefined;
    else if (a.endsWith('&')) a = a.slice(0, -1);
  }
  return { filename: name, args: a };
}

export interface ThisServer {
  scheme: string;
  host: string;
  port: number;
}

function defaultPort(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

/** fully_qualify_uri: a path becomes scheme://server[:port]/path (the port only when not the scheme's default). */
export function fullyQualify(filename: string, s: ThisServer): string {
  if (absoluteUri(filename).skip) return filename;
  const port = s.port === defaultPort(s.scheme) ? '' : `:${s.port}`;
  return `${s.scheme}://${s.host}${port}${filename.startsWith('/') ? '' : '/'}${filename}`;
}

/** reduce_uri: "http[s]://this-server[:port]/path" → "/path" when it names this server. */
export function reduceUri(filename: string, s: ThisServer, names: readonly string[]): string {
  const prefix = `${s.scheme}://`;
  if (filename.length <= prefix.length || filename.slice(0, prefix.length).toLowerCase() !== prefix) return filename;
  const rest = filename.slice(prefix.length);
  const m = /^([^/:]*)(?::([^/]*))?(.*)$/.exec(rest);
  if (!m) return filename;
  const host = m[1] as string;
  const port = m[2] !== undefined ? Number.parseInt(m[2], 10) || 0 : defaultPort(s.scheme);
  const url = (m[3] as string) || '/';
  const matches = names.some((n) => n.toLowerCase() === host.toLowerCase()) && port === s.port;
  return matches ? url : filename;
}

/** ap_escape_uri (ap_os_escape_path with a partial path): %-encodes every byte but alnum and $-_.+!*'(),:;@&=/~. */
export function escapeUri(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9$\-_.+!*'(),:;@&=/~]/.test(c) && b < 0x80) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** escape_absolute_uri for the schemes with an authority: the host part kept, the rest escaped (ldap's '?' parts each). */
export function escapeAbsoluteUri(uri: string, skip: number): string {
  if (uri[skip - 1] !== '/') return uri.slice(0, skip) + escapeUri(uri.slice(skip));
  const slash = uri.indexOf('/', skip);
  if (slash < 0 || slash === uri.length - 1) return uri;
  const head = uri.slice(0, slash + 1);
  const tail = uri.slice(slash + 1);
  if (uri.slice(0, 4).toLowerCase() === 'ldap') return head + tail.split('?').slice(0, 5).map(escapeUri).join('?');
  return head + escapeUri(tail);
}

/** subst_prefix_path: input under `match` (a directory) → the same under `subst`; else unchanged. */
export function substPrefixPath(input: string, match: string, subst: string): string {
  const m = match.endsWith('/') ? match.slice(0, -1) : match;
  if (!input.startsWith(m) || input[m.length] !== '/') return input;
  const base = subst.endsWith('/') || subst === '' ? subst : `${subst}/`;
  return base + input.slice(m.length + 1);
}
