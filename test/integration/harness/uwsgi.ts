/**
 * uWSGI speaking FastCGI (`--fastcgi-socket`) with the python3 plugin, running
 * a WSGI app from the temp dir. The master runs as root, binds the socket,
 * then drops to www-data (`--uid/--gid`). `--die-on-term` matters: without it
 * uWSGI 2.0 treats SIGTERM as "reload" and never stops.
 */
import { harnessServer, type HarnessServer } from './server.js';
import type { Endpoint } from './endpoint.js';
import { freePort } from './freePort.js';
import { startProcess } from './process.js';
import { makeDir, makeTempDir, writeFile } from './tempdir.js';
import { waitForEndpoint } from './waitFor.js';

export const UWSGI_BINARY = '/usr/bin/uwsgi-core';

/** The seed's hello world (flup's example, as a plain WSGI app). */
export const WSGI_HELLO_APP = `\
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/html')])
    return [b'''<html>
<head>
<title>Hello World!</title>
</head>
<body>
<h1>Hello world!</h1>
</body>
</html>''']
`;

/** Returns the string values of environ as a JSON object (plus BODY_LENGTH, the bytes read from wsgi.input). */
export const WSGI_ECHO_APP = `\
import json

def application(environ, start_response):
    body = environ['wsgi.input'].read()
    out = {k: v for k, v in environ.items() if isinstance(v, str)}
    out['BODY_LENGTH'] = str(len(body))
    data = json.dumps(out, sort_keys=True).encode('utf-8')
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(data)))])
    return [data]
`;

/**
 * Returns a body of N bytes ('x' repeated): N from the query string \`n=\`,
 * else the app's default. Reads the request body and reports its length in
 * the X-Body-Length header.
 */
export function wsgiBytesApp(defaultBytes = 1024): string {
  return `\
from urllib.parse import parse_qs

DEFAULT = ${Math.max(0, Math.floor(defaultBytes))}

def application(environ, start_response):
    body = environ['wsgi.input'].read()
    qs = parse_qs(environ.get('QUERY_STRING', ''))
    n = int(qs.get('n', [DEFAULT])[0])
    start_response('200 OK', [
        ('Content-Type', 'application/octet-stream'),
        ('Content-Length', str(n)),
        ('X-Body-Length', str(len(body))),
    ])
    chunk = b'x' * 65536
    def gen():
        left = n
        while left > 0:
            part = chunk if left >= len(chunk) else chunk[:left]
            left -= len(part)
            yield part
    return gen()
`;
}

export interface StartUwsgiOptions {
  /** 'hello' (default), 'echo', 'bytes', or the source of a WSGI module defining `application`. */
  app?: 'hello' | 'echo' | 'bytes' | { source: string };
  /** Default body size of the 'bytes' app (default 1024). */
  bodyBytes?: number;
  /** Default `{ kind: 'unix' }` at `<dir>/run/uwsgi.sock`; TCP defaults to 127.0.0.1:<free port>. */
  listen?: { kind: 'unix'; path?: string } | { kind: 'tcp'; host?: string; port?: number };
  /**
   * The socket's protocol: 'fastcgi' (default, --fastcgi-socket) or 'uwsgi'
   * (--socket: uWSGI's native protocol, what a FastCGI client must not reach).
   */
  protocol?: 'fastcgi' | 'uwsgi';
  /** Worker processes (default 1). */
  processes?: number;
  /** Threads per worker (default: none). */
  threads?: number;
  /** Drop to (default www-data / www-data); `null` stays root (uWSGI only warns). */
  uid?: string | null;
  gid?: string | null;
  /** --chown-socket (default 'www-data:www-data'); `null` leaves the socket root's. */
  socketOwner?: string | null;
  /** --chmod-socket (default '660'); `null` leaves the umask's mode. */
  socketMode?: string | null;
  /** --harakiri seconds. */
  harakiri?: number;
  /** More command-line arguments. */
  extraArgs?: string[];
  timeoutMs?: number;
}

export interface UwsgiServer extends HarnessServer {
  endpoint: Endpoint;
  /** The WSGI file. */
  appPath: string;
  pidPath: string;
}

export async function startUwsgi(opts: StartUwsgiOptions = {}): Promise<UwsgiServer> {
  const tmp = makeTempDir('uwsgi');
  try {
    makeDir(tmp.join('run'));
    const app = opts.app ?? 'hello';
    const source =
      app === 'hello'
        ? WSGI_HELLO_APP
        : app === 'echo'
          ? WSGI_ECHO_APP
          : app === 'bytes'
            ? wsgiBytesApp(opts.bodyBytes)
            : app.source;
    const appPath = writeFile(tmp.join('app', 'app.py'), source);
    const listen = opts.listen ?? { kind: 'unix' };
    let endpoint: Endpoint;
    if (listen.kind === 'unix') {
      endpoint = { kind: 'unix', path: listen.path ?? tmp.join('run', 'uwsgi.sock') };
    } else {
      const host = listen.host ?? '127.0.0.1';
      endpoint = { kind: 'tcp', host, port: listen.port ?? (await freePort(host)) };
    }
    const pidPath = tmp.join('run', 'uwsgi.pid');
    const logPath = tmp.join('uwsgi.log');
    const args = [
      '--strict',
      '--plugin',
      'python3',
      opts.protocol === 'uwsgi' ? '--socket' : '--fastcgi-socket',
      endpoint.kind === 'unix' ? endpoint.path : `${endpoint.host}:${endpoint.port}`,
      '--wsgi-file',
      appPath,
      '--chdir',
      tmp.join('app'),
      '--master',
      '--processes',
      String(opts.processes ?? 1),
      '--die-on-term',
      '--need-app',
      '--pidfile',
      pidPath,
      '--vacuum',
    ];
    if (opts.threads !== undefined) args.push('--threads', String(opts.threads));
    const uid = opts.uid === undefined ? 'www-data' : opts.uid;
    const gid = opts.gid === undefined ? 'www-data' : opts.gid;
    if (uid !== null) args.push('--uid', uid);
    if (gid !== null) args.push('--gid', gid);
    if (endpoint.kind === 'unix') {
      const owner = opts.socketOwner === undefined ? 'www-data:www-data' : opts.socketOwner;
      const mode = opts.socketMode === undefined ? '660' : opts.socketMode;
      if (owner !== null) args.push('--chown-socket', owner);
      if (mode !== null) args.push(`--chmod-socket=${mode}`);
    }
    if (opts.harakiri !== undefined) args.push('--harakiri', String(opts.harakiri));
    args.push(...(opts.extraArgs ?? []));
    const proc = startProcess(UWSGI_BINARY, args, {
      name: 'uwsgi',
      outputPath: logPath,
      cwd: tmp.path,
      ownedPaths: [tmp.path],
    });
    const stop = async () => {
      await proc.stop();
      tmp.remove();
    };
    try {
      await waitForEndpoint(endpoint, { process: proc, timeoutMs: opts.timeoutMs ?? 20_000 });
    } catch (e) {
      await stop();
      throw e;
    }
    return { ...harnessServer(tmp.path, logPath, proc, stop), endpoint, appPath, pidPath };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}
