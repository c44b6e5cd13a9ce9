import { posix } from 'node:path';

/**
 * The CGI environment a web server sends with a request. Defaults make a
 * request that PHP-FPM, uWSGI, fcgiwrap, flup and libfcgi apps all accept;
 * every value can be overridden.
 */
export interface RequestEnvironmentOptions {
  /** SCRIPT_FILENAME; also sets DOCUMENT_ROOT and SCRIPT_NAME unless given */
  script?: string;
  documentRoot?: string;
  scriptName?: string;
  /** REQUEST_URI, with an optional ?query that becomes QUERY_STRING */
  uri?: string;
  method?: string;
  /** HTTP request headers: become HTTP_* (Content-Type/-Length: CONTENT_*) */
  headers?: Array<[string, string]>;
  /** explicit parameters, applied last */
  params?: Array<[string, string]>;
  /** length of the request body; undefined: none */
  contentLength?: number;
  serverName?: string;
  serverPort?: number;
  softwareVersion?: string;
}

export function headerToParam(name: string): string {
  const upper = name.trim().toUpperCase().replace(/-/g, '_');
  if (upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH') return upper;
  return `HTTP_${upper}`;
}

export function buildRequestEnvironment(opts: RequestEnvironmentOptions = {}): Array<[string, string]> {
  const script = opts.script;
  let documentRoot = opts.documentRoot;
  let scriptName = opts.scriptName;
  if (script !== undefined) {
    if (documentRoot === undefined) documentRoot = posix.dirname(script);
    if (scriptName === undefined) {
      const root = documentRoot.endsWith('/') ? documentRoot : `${documentRoot}/`;
      scriptName = script.startsWith(root) ? `/${script.slice(root.length)}` : `/${posix.basename(script)}`;
    }
  }
  documentRoot ??= '/';
  scriptName ??= '/';
  const uri = opts.uri ?? scriptName;
  const q = uri.indexOf('?');
  const queryString = q === -1 ? '' : uri.slice(q + 1);
  const version = opts.softwareVersion ?? '0';
  const env = new Map<string, string>([
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', `fcgi-doctor/${version}`],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['SERVER_NAME', opts.serverName ?? 'localhost'],
    ['SERVER_ADDR', '127.0.0.1'],
    ['SERVER_PORT', String(opts.serverPort ?? 80)],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['REMOTE_PORT', '50000'],
    ['REQUEST_SCHEME', 'http'],
    ['REQUEST_METHOD', (opts.method ?? 'GET').toUpperCase()],
    ['REQUEST_URI', uri],
    ['QUERY_STRING', queryString],
    ['DOCUMENT_ROOT', documentRoot],
    ['SCRIPT_NAME', scriptName],
    ['SCRIPT_FILENAME', script ?? posix.join(documentRoot, scriptName)],
    ['CONTENT_LENGTH', opts.contentLength === undefined ? '' : String(opts.contentLength)],
    ['CONTENT_TYPE', opts.contentLength ? 'application/octet-stream' : ''],
    ['HTTP_HOST', opts.serverName ?? 'localhost'],
    ['HTTP_USER_AGENT', `fcgi-doctor/${version}`],
  ]);
  for (const [name, value] of opts.headers ?? []) env.set(headerToParam(name), value);
  for (const [name, value] of opts.params ?? []) env.set(name, value);
  return [...env];
}
