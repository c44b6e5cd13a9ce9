/**
 * %{NAME} as mod_rewrite's lookup_variable (mod_rewrite.c) resolves it, from
 * what the route model knows. A name httpd knows but the model does not
 * (absent from the context's vars: cookies, the client's address, the time,
 * a header the request may or may not carry) is unknown; a name httpd does
 * not know at all expands to '' in httpd too, so it is not uncertain.
 */

/** Every bare name lookup_variable answers (upper-case; it upper-cases the name). */
const APACHE_VARS = new Set([
  'TIME',
  'IPV6',
  'HTTPS',
  'TIME_DAY',
  'TIME_SEC',
  'TIME_MIN',
  'TIME_MON',
  'TIME_WDAY',
  'TIME_YEAR',
  'TIME_HOUR',
  'IS_SUBREQ',
  'PATH_INFO',
  'AUTH_TYPE',
  'HTTP_HOST',
  'SERVER_NAME',
  'REMOTE_ADDR',
  'SERVER_ADDR',
  'HTTP_ACCEPT',
  'THE_REQUEST',
  'API_VERSION',
  'HTTP_COOKIE',
  'SERVER_PORT',
  'REMOTE_HOST',
  'REMOTE_PORT',
  'REMOTE_USER',
  'SCRIPT_USER',
  'REQUEST_URI',
  'SCRIPT_GROUP',
  'REMOTE_IDENT',
  'HTTP_REFERER',
  'QUERY_STRING',
  'SERVER_ADMIN',
  'DOCUMENT_ROOT',
  'HTTP_FORWARDED',
  'CONTEXT_PREFIX',
  'REQUEST_METHOD',
  'REQUEST_SCHEME',
  'HTTP_USER_AGENT',
  'SCRIPT_FILENAME',
  'SERVER_PROTOCOL',
  'SERVER_SOFTWARE',
  'CONN_REMOTE_ADDR',
  'REQUEST_FILENAME',
  'HTTP_PROXY_CONNECTION',
  'CONTEXT_DOCUMENT_ROOT',
]);

/** What a condition or substitution depends on when its value is unknown, in plain words. */
function dependsOn(name: string): string {
  const n = name.toUpperCase();
  if (n.startsWith('TIME')) return 'the time of the request';
  if (n === 'HTTP_COOKIE') return "the request's cookies";
  if (n === 'REMOTE_ADDR' || n === 'CONN_REMOTE_ADDR' || n === 'REMOTE_HOST' || n === 'REMOTE_PORT')
    return "the client's address";
  if (n === 'REMOTE_USER' || n === 'AUTH_TYPE' || n === 'REMOTE_IDENT') return 'who the client authenticates as';
  if (n.startsWith('HTTP:') || n.startsWith('HTTP_'))
    return `the request header ${n.startsWith('HTTP:') ? name.slice(5) : name}`;
  if (n.startsWith('ENV:')) return `the environment variable ${name.slice(4)}`;
  if (n.startsWith('SSL:')) return `the TLS variable ${name.slice(4)}`;
  if (n.startsWith('LA-U:') || n.startsWith('LA-F:')) return `a look-ahead sub-request (%{${name}})`;
  return `%{${name}}`;
}

export interface VarState {
  vars: Record<string, string>;
  /** r->filename now (REQUEST_FILENAME, SCRIPT_FILENAME follow the rules). */
  filename: string;
  /** r->args now (undefined: none). */
  args: string | undefined;
  /** [E=] set by rules of this run. */
  env: Record<string, string>;
}

export type VarValue = { value: string } | { unknown: string };

function headerVar(vars: Record<string, string>, header: string): string | undefined {
  const direct = vars[`HTTP:${header}`];
  if (direct !== undefined) return direct;
  const key = `HTTP_${header.toUpperCase().replace(/-/g, '_')}`;
  if (vars[key] !== undefined) return vars[key];
  const lower = `http:${header.toLowerCase()}`;
  for (const [k, v] of Object.entries(vars)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function lookupVariable(name: string, st: VarState): VarValue {
  const found = (v: string | undefined): VarValue => (v === undefined ? { unknown: dependsOn(name) } : { value: v });
  const prefix = name.slice(0, name.indexOf(':') + 1).toUpperCase();
  const rest = name.slice(prefix.length);
  if (prefix === 'ENV:' && rest) return found(st.env[rest] ?? st.vars[`ENV:${rest}`]);
  if (prefix === 'SSL:' && rest) return found(st.vars[`SSL:${rest}`]);
  if (prefix === 'HTTP:' && rest) return found(headerVar(st.vars, rest));
  if ((prefix === 'LA-U:' || prefix === 'LA-F:') && rest) return { unknown: dependsOn(name) };
  if (prefix) return { value: '' };
  const n = name.toUpperCase();
  if (n === 'REQUEST_FILENAME' || n === 'SCRIPT_FILENAME') return { value: st.filename };
  if (n === 'QUERY_STRING') return { value: st.args ?? '' };
  if (!APACHE_VARS.has(n)) return { value: '' };
  if (n.startsWith('HTTP_') && n !== 'HTTP_HOST')
    return found(st.vars[n] ?? headerVar(st.vars, n.slice(5).replace(/_/g, '-')));
  return found(st.vars[n]);
}
