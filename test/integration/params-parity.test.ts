/**
 * backendParams against a real Apache 2.4: one Apache with mod_proxy_fcgi,
 * mod_fcgid, mod_rewrite and mod_actions in front of `fcgi-doctor serve`
 * (the echo app: on a Unix socket, on TCP, and started by mod_fcgid), one
 * request per setup. For each, the test writes by hand the RequestRecord the
 * route core would fill for that URL and configuration, and the params the
 * echo app received must equal backendParams' result exactly, but for the
 * params unknownParams names (their presence is checked).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Directive } from '../../src/apache/index.js';
import { backendParams, unknownParams } from '../../src/routing/apache/params.js';
import type { BackendChoice, RequestRecord } from '../../src/routing/apache/seams.js';
import { startApache, type ApacheServer } from './harness/apache.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import type { HarnessServer } from './harness/server.js';
import { startServeApp, startTcpServeApp, type ServeAppServer } from './harness/serveApp.js';
import { makeDir, writeFile } from './harness/tempdir.js';
import { waitFor } from './harness/waitFor.js';

const built = requireBuiltCli();
const haveAll = built && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi) && hasBinary(BINARIES.modFcgid);

interface Echo {
  app: string;
  pid: number;
  params: Record<string, string>;
}

interface Sent {
  status: number;
  body: string;
  /** The client's port (REMOTE_PORT). */
  localPort: number;
}

/** One HTTP/1.1 request with the headers exactly as given (arrays: one line per value), and the port it left from. */
function send(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let localPort = 0;
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        agent: false,
        headers: {
          Host: `localhost:${port}`,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Length': String(body.length) } : {}),
          ...(opts.headers ?? {}),
        },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), localPort }),
        );
        res.on('error', reject);
      },
    );
    req.on('socket', (s) => s.on('connect', () => (localPort = s.localPort ?? 0)));
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A directive as the parser would give it, for the record's `directives`. */
function dir(written: string, ...args: string[]): Directive {
  return {
    name: written.toLowerCase(),
    written,
    args,
    raw: args.join(' '),
    file: '/test/httpd.conf',
    line: 1,
    includedFrom: [],
    isSection: false,
    children: [],
    active: true,
  };
}

/** The lines of the configuration below that define proxy workers (mod_proxy.c:add_pass, ap_proxy_define_worker). */
function workers(t: string): Directive[] {
  return [
    dir('ProxyPassMatch', '^/pm/(.*\\.php(/.*)?)$', `fcgi://${t}/srv/pm/$1`),
    dir('ProxyPass', '/app/', `fcgi://${t}/`),
    dir('ProxyPass', '/fcgi-act', `fcgi://${t}/act-backend`),
    dir('ProxyPass', '/pi/', `fcgi://${t}/srv/pi/`),
  ];
}

const PROXY: BackendChoice = { module: 'proxy_fcgi', mode: 'proxy', target: null };
const FCGID: BackendChoice = { module: 'fcgid', mode: 'fcgid', target: null };

describe.skipIf(!haveAll)('backendParams equals what a real Apache sends', () => {
  let unix: ServeAppServer;
  let tcp: HarnessServer & { port: number };
  let apache: ApacheServer;
  let software: string;
  const appPids = new Set<number>();

  beforeAll(async () => {
    unix = await startServeApp({ args: ['--mode', '0660', '--group', 'www-data'] });
    tcp = await startTcpServeApp();
    const sock = unix.endpoint.path;
    const t = `127.0.0.1:${tcp.port}`;
    const script = `#!/bin/sh\nexec ${process.execPath} ${BIN} serve\n`;
    apache = await startApache({
      modules: ['proxy_fcgi', 'fcgid', 'rewrite', 'actions'],
      files: {
        'fm/index.php': '<?php\n',
        'generic/index.php': '<?php\n',
        'envif/index.php': '<?php\n',
        'setenv/index.php': '<?php\n',
        'auth/index.php': '<?php\n',
        'sig/index.php': '<?php\n',
        'px/index.php': '<?php\n',
        'rwh/x.php': '<?php\n',
        'act/page.act': 'never run\n',
        'fcgid/echo.fcgi': { content: '# FcgidWrapper runs serve\n', mode: 0o755 },
        'fcgid3/echo.fcgi': { content: '# FcgidWrapper runs serve\n', mode: 0o755 },
        'fcgid2/app.fcgi': { content: script, mode: 0o755 },
      },
      config: ({ docRoot, extraDir }) => `
FcgidPassHeader Authorization
<Directory "${docRoot}/fm">
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://localhost"
    </FilesMatch>
</Directory>
<Directory "${docRoot}/generic">
    ProxyFCGIBackendType GENERIC
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://localhost/"
    </FilesMatch>
</Directory>
<Directory "${docRoot}/envif">
    ProxyFCGISetEnvIf "true" SCRIPT_FILENAME "/srv/app%{reqenv:SCRIPT_NAME}"
    ProxyFCGISetEnvIf "%{QUERY_STRING} =~ /drop/" !HTTP_X_SECRET
    ProxyFCGISetEnvIf "%{REQUEST_URI} =~ m#^/envif/(\\w+)#" APP_NAME "app-$1"
    ProxyFCGISetEnvIf "-n req('X-Missing')" NEVER "set"
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://localhost"
    </FilesMatch>
</Directory>
<Directory "${docRoot}/setenv">
    SetEnv APP_ENV production
    SetEnvIf User-Agent "^parity" UA_MATCHED=yes
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://localhost"
    </FilesMatch>
</Directory>
<Directory "${docRoot}/auth">
    CGIPassAuth On
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://localhost"
    </FilesMatch>
</Directory>
<Proxy "unix:${sock}|fcgi://php-px">
    ProxySet timeout=30
</Proxy>
<Directory "${docRoot}/px">
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://php-px"
    </FilesMatch>
</Directory>
<Directory "${docRoot}/sig">
    ServerSignature On
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://localhost"
    </FilesMatch>
</Directory>
ProxyPassMatch "^/pm/(.*\\.php(/.*)?)$" "fcgi://${t}/srv/pm/$1"
ProxyPass /app/ fcgi://${t}/
<Location /app/cv/>
    CGIVar REQUEST_URI current-uri
</Location>
Alias /al/ "${extraDir}/al/"
<Directory "${extraDir}/al">
    Require all granted
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://localhost"
    </FilesMatch>
</Directory>
ProxyPass /fcgi-act fcgi://${t}/act-backend
SetEnvIf Request_URI "^/pi/" proxy-fcgi-pathinfo=first-dot
ProxyPass /pi/ fcgi://${t}/srv/pi/
Action act-handler /fcgi-act
<Directory "${docRoot}/act">
    SetEnv ACTVAR one
    AddHandler act-handler .act
</Directory>
RewriteEngine On
RewriteRule "^/rwp/(.*)$" "fcgi://${t}/srv/rwp/$1" [P]
RewriteRule "^/rwh/.+\\.php$" - [H=proxy:fcgi://${t}]
<Directory "${docRoot}/fcgid">
    Options +ExecCGI
    AddHandler fcgid-script .fcgi
    FcgidWrapper "${process.execPath} ${BIN} serve" .fcgi virtual
</Directory>
<Directory "${docRoot}/fcgid3">
    Options +ExecCGI
    SetEnv my-app.var "x y"
    SetEnv 1st one
    AddHandler fcgid-script .fcgi
    FcgidWrapper "${process.execPath} ${BIN} serve" .fcgi virtual
</Directory>
<Directory "${docRoot}/fcgid2">
    Options +ExecCGI
    AddHandler fcgid-script .fcgi
</Directory>
`,
    });
    // the Alias target of the /al/ case, outside the document root
    const aliasDir = makeDir(`${apache.serverRoot}/extra/al`);
    writeFile(`${aliasDir}/x.php`, '<?php\n');
    // ServerTokens Full (the default): SERVER_SOFTWARE is the banner AH00489 logs, with the version
    // components modules add (mod_fcgid/2.3.9), not only apache2 -v's "Server version:".
    const banner = /AH00489: (.*) configured -- resuming normal operations/;
    await waitFor(() => banner.test(apache.errorLog()), { what: "Apache's start-up line", timeoutMs: 10_000 });
    software = banner.exec(apache.errorLog())![1]!;
  }, 60_000);

  afterAll(async () => {
    await apache?.stop();
    await tcp?.stop();
    await unix?.stop();
    // mod_fcgid stops its apps with Apache; one that outlived it is a stray of this test
    for (const pid of appPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  });

  interface Case {
    method?: string;
    path: string;
    headers?: Record<string, string | string[]>;
    body?: string;
    backend?: BackendChoice;
    /** The record, but for what every case shares (filled from the request). */
    rec: (ctx: {
      docRoot: string;
      sock: string;
      tcp: string;
    }) => Partial<RequestRecord> & Pick<RequestRecord, 'uri' | 'filename' | 'pathInfo' | 'handler'>;
  }

  /**
   * mod_rewrite.c:hook_uri2file: with RewriteEngine On in the server
   * context, every request gets SCRIPT_URL (r->uri at translate time) and
   * SCRIPT_URI in r->subprocess_env — the route core's part of rec.env.
   */
  function scriptUrlEnv(uri: string): Record<string, string> {
    return { SCRIPT_URL: uri, SCRIPT_URI: `http://localhost:${apache.port}${uri}` };
  }

  /** The record the route core fills: the request as sent, then the case's own fields. */
  function recordFor(c: Case, sent: Sent): RequestRecord {
    const q = c.path.indexOf('?');
    const path = q < 0 ? c.path : c.path.slice(0, q);
    const query = q < 0 ? undefined : c.path.slice(q + 1);
    // node:http without an agent sends Connection: close; httpd sees it like any header.
    const headers: Record<string, string> = {
      accept: 'application/json',
      connection: 'close',
      ...(c.body !== undefined ? { 'content-length': String(Buffer.byteLength(c.body)) } : {}),
    };
    // httpd merges several lines of one header with ", " (ap_get_mime_headers_core); RouteRequest holds the merged value.
    for (const [k, v] of Object.entries(c.headers ?? {}))
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const own = c.rec({ docRoot: apache.docRoot, sock: unix.endpoint.path, tcp: `127.0.0.1:${tcp.port}` });
    return {
      request: {
        url: `http://localhost:${apache.port}${c.path}`,
        scheme: 'http',
        host: 'localhost',
        port: apache.port,
        localAddress: '127.0.0.1',
        remoteAddress: '127.0.0.1',
        remotePort: sent.localPort,
        method: c.method ?? 'GET',
        path,
        query,
        headers,
      },
      unparsedUri: c.path,
      args: query,
      serverName: 'localhost',
      serverPort: apache.port,
      serverSoftware: software,
      documentRoot: apache.docRoot,
      contextPrefix: '',
      contextDocumentRoot: apache.docRoot,
      ...own,
      env: { ...scriptUrlEnv(own.uri), ...own.env },
      // The server's proxy workers are server-wide: the route core gives them with every request's directives.
      directives: [...workers(`127.0.0.1:${tcp.port}`), ...(own.directives ?? [])],
    };
  }

  async function check(c: Case): Promise<void> {
    const sent = await send(apache.port, c.path, { method: c.method, headers: c.headers, body: c.body });
    expect(sent.status, `${c.path}: ${sent.body}\n${apache.errorLog().slice(-2000)}`).toBe(200);
    const echo = JSON.parse(sent.body) as Echo;
    expect(echo.app).toBe('fcgi-doctor serve');
    appPids.add(echo.pid);
    const rec = recordFor(c, sent);
    const backend = c.backend ?? PROXY;
    const predicted = backendParams(rec, backend);
    const unknown = unknownParams(rec, backend).map((u) => u.slice(0, u.indexOf(':')));
    const received = { ...echo.params };
    for (const name of unknown) {
      expect(Object.keys(received), `${name} is sent`).toContain(name);
      delete received[name];
    }
    expect(predicted).toEqual(received);
  }

  it('SetHandler proxy:unix in FilesMatch (Debian php-fpm.conf style)', () =>
    check({
      path: '/fm/index.php',
      rec: ({ docRoot, sock }) => ({
        uri: '/fm/index.php',
        filename: `${docRoot}/fm/index.php`,
        pathInfo: '',
        handler: `proxy:unix:${sock}|fcgi://localhost`,
      }),
    }));

  it('SetHandler with PATH_INFO and a query string', () =>
    check({
      path: '/fm/index.php/extra/p%20ath?x=1&y=%20z',
      rec: ({ docRoot, sock }) => ({
        uri: '/fm/index.php/extra/p ath',
        filename: `${docRoot}/fm/index.php`,
        pathInfo: '/extra/p ath',
        handler: `proxy:unix:${sock}|fcgi://localhost`,
      }),
    }));

  it('ProxyFCGIBackendType GENERIC strips proxy:fcgi://localhost (a handler ending in "/" doubles the slash)', () =>
    check({
      path: '/generic/index.php/more?q',
      rec: ({ docRoot, sock }) => ({
        uri: '/generic/index.php/more',
        filename: `${docRoot}/generic/index.php`,
        pathInfo: '/more',
        handler: `proxy:unix:${sock}|fcgi://localhost/`,
        directives: [dir('ProxyFCGIBackendType', 'GENERIC')],
      }),
    }));

  const envifDirectives = [
    dir('ProxyFCGISetEnvIf', 'true', 'SCRIPT_FILENAME', '/srv/app%{reqenv:SCRIPT_NAME}'),
    dir('ProxyFCGISetEnvIf', '%{QUERY_STRING} =~ /drop/', '!HTTP_X_SECRET'),
    dir('ProxyFCGISetEnvIf', '%{REQUEST_URI} =~ m#^/envif/(\\w+)#', 'APP_NAME', 'app-$1'),
    dir('ProxyFCGISetEnvIf', "-n req('X-Missing')", 'NEVER', 'set'),
  ];

  it('ProxyFCGISetEnvIf: set with %{reqenv:…}, a regex backreference, and unset with !VAR', () =>
    check({
      path: '/envif/index.php?drop=1',
      headers: { 'X-Secret': 'hunter2' },
      rec: ({ docRoot, sock }) => ({
        uri: '/envif/index.php',
        filename: `${docRoot}/envif/index.php`,
        pathInfo: '',
        handler: `proxy:unix:${sock}|fcgi://localhost`,
        directives: envifDirectives,
      }),
    }));

  it('ProxyFCGISetEnvIf whose unset condition is false keeps the header', () =>
    check({
      path: '/envif/index.php?keep=1',
      headers: { 'X-Secret': 'hunter2' },
      rec: ({ docRoot, sock }) => ({
        uri: '/envif/index.php',
        filename: `${docRoot}/envif/index.php`,
        pathInfo: '',
        handler: `proxy:unix:${sock}|fcgi://localhost`,
        directives: envifDirectives,
      }),
    }));

  it('SetEnv and SetEnvIf values are sent as params', () =>
    check({
      path: '/setenv/index.php',
      headers: { 'User-Agent': 'parity-test/1' },
      rec: ({ docRoot, sock }) => ({
        uri: '/setenv/index.php',
        filename: `${docRoot}/setenv/index.php`,
        pathInfo: '',
        handler: `proxy:unix:${sock}|fcgi://localhost`,
        env: { APP_ENV: 'production', UA_MATCHED: 'yes' },
      }),
    }));

  it('headers: Authorization and Proxy dropped, Content-Type/Length on a POST, odd names, two lines of one name', () =>
    check({
      method: 'POST',
      path: '/fm/index.php',
      body: 'a=1&b=2',
      headers: {
        Authorization: 'Basic dXNlcjpwYXNz',
        'Proxy-Authorization': 'Basic eA==',
        Proxy: 'http://evil.example:3128',
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Dash-Name': 'v1',
        X_Under_Score: 'dropped by httpd',
        'X.Dot': 'dropped too',
        'X-Multi': ['first', 'second'],
        'X-Odd-Value': 'spaces  and "quotes" & <tags>',
      },
      rec: ({ docRoot, sock }) => ({
        uri: '/fm/index.php',
        filename: `${docRoot}/fm/index.php`,
        pathInfo: '',
        handler: `proxy:unix:${sock}|fcgi://localhost`,
      }),
    }));

  it('CGIPassAuth On passes Authorization', () =>
    check({
      path: '/auth/index.php',
      headers: { Authorization: 'Bearer abc.def' },
      rec: ({ docRoot, sock }) => ({
        uri: '/auth/index.php',
        filename: `${docRoot}/auth/index.php`,
        pathInfo: '',
        handler: `proxy:unix:${sock}|fcgi://localhost`,
        directives: [dir('CGIPassAuth', 'On')],
      }),
    }));

  it('SetHandler to a socket with a <Proxy> worker (ProxySet): no proxy-nokeepalive', () =>
    check({
      path: '/px/index.php',
      rec: ({ docRoot, sock }) => ({
        uri: '/px/index.php',
        filename: `${docRoot}/px/index.php`,
        pathInfo: '',
        handler: `proxy:unix:${sock}|fcgi://php-px`,
        directives: [{ ...dir('Proxy', `unix:${sock}|fcgi://php-px`), isSection: true }],
      }),
    }));

  it('ServerSignature On', () =>
    check({
      path: '/sig/index.php',
      rec: ({ docRoot, sock }) => ({
        uri: '/sig/index.php',
        filename: `${docRoot}/sig/index.php`,
        pathInfo: '',
        handler: `proxy:unix:${sock}|fcgi://localhost`,
        directives: [dir('ServerSignature', 'On')],
      }),
    }));

  it('ProxyPassMatch to fcgi://127.0.0.1:port/path/$1: the whole URI is SCRIPT_NAME, no PATH_INFO', () =>
    check({
      path: '/pm/sub/a.php/b/c?q=1',
      rec: ({ tcp }) => ({
        uri: '/pm/sub/a.php/b/c',
        filename: `proxy:fcgi://${tcp}/srv/pm/sub/a.php/b/c`,
        pathInfo: '',
        handler: 'proxy-server',
      }),
    }));

  it('ProxyPass /app/ fcgi://…/ with an encoded space (canon re-encodes the path)', () =>
    check({
      path: '/app/x/y%20z.php?z',
      rec: ({ tcp }) => ({
        uri: '/app/x/y z.php',
        filename: `proxy:fcgi://${tcp}/x/y%20z.php`,
        pathInfo: '',
        handler: 'proxy-server',
      }),
    }));

  it('proxy-fcgi-pathinfo=first-dot (SetEnvIf) splits PATH_INFO off a ProxyPass path', () =>
    check({
      path: '/pi/a.php/b/c',
      rec: ({ tcp }) => ({
        uri: '/pi/a.php/b/c',
        filename: `proxy:fcgi://${tcp}/srv/pi/a.php/b/c`,
        pathInfo: '',
        handler: 'proxy-server',
        env: { 'proxy-fcgi-pathinfo': 'first-dot' },
      }),
    }));

  it('an Action chain to a ProxyPass: REDIRECT_* of the first request', () =>
    check({
      path: '/act/page.act?y=1',
      rec: ({ docRoot, tcp }) => {
        const first: RequestRecord = {
          ...recordFor(
            { path: '/act/page.act?y=1', rec: () => ({ uri: '', filename: null, pathInfo: '', handler: null }) },
            { status: 200, body: '', localPort: 0 },
          ),
          uri: '/act/page.act',
          filename: `${docRoot}/act/page.act`,
          handler: 'act-handler',
          env: { ...scriptUrlEnv('/act/page.act'), ACTVAR: 'one' },
          directives: [dir('Action', 'act-handler', '/fcgi-act'), dir('SetEnv', 'ACTVAR', 'one')],
        };
        return {
          uri: '/fcgi-act/act/page.act',
          unparsedUri: '/fcgi-act/act/page.act?y=1',
          filename: `proxy:fcgi://${tcp}/act-backend/act/page.act`,
          pathInfo: '',
          handler: 'proxy-server',
          prev: first,
          redirectStatus: 200,
          // mod_rewrite.c:hook_uri2file keeps the first request's SCRIPT_URL (REDIRECT_SCRIPT_URL) after an internal redirect
          env: scriptUrlEnv('/act/page.act'),
        };
      },
    }));

  it('RewriteRule [P] to fcgi://', () =>
    check({
      path: '/rwp/x.php?a=b',
      rec: ({ tcp }) => ({
        uri: '/rwp/x.php',
        filename: `proxy:fcgi://${tcp}/srv/rwp/x.php`,
        pathInfo: '',
        handler: 'proxy-server',
      }),
    }));

  // mod_rewrite lower-cases the [H=] handler: a socket path with capitals would not be found (the temp dir has some).
  it('RewriteRule - [H=proxy:fcgi://127.0.0.1:port]', () =>
    check({
      path: '/rwh/x.php?h=1',
      rec: ({ docRoot, tcp }) => ({
        uri: '/rwh/x.php',
        filename: `${docRoot}/rwh/x.php`,
        pathInfo: '',
        handler: `proxy:fcgi://${tcp}`,
      }),
    }));

  it('mod_fcgid with FcgidWrapper … virtual, PATH_INFO and FcgidPassHeader Authorization', () =>
    check({
      method: 'POST',
      path: '/fcgid/echo.fcgi/extra/path?x=1',
      body: 'k=v',
      headers: { 'Content-Type': 'text/plain', Authorization: 'Basic Zm9vOmJhcg==', 'Keep-Alive': '5' },
      backend: FCGID,
      rec: ({ docRoot }) => ({
        uri: '/fcgid/echo.fcgi/extra/path',
        filename: `${docRoot}/fcgid/echo.fcgi`,
        pathInfo: '/extra/path',
        handler: 'fcgid-script',
        directives: [dir('FcgidPassHeader', 'Authorization')],
      }),
    }));

  it('CGIVar REQUEST_URI current-uri (in a Location over a ProxyPass)', () =>
    check({
      path: '/app/cv/x.php?q=2',
      rec: ({ tcp }) => ({
        uri: '/app/cv/x.php',
        filename: `proxy:fcgi://${tcp}/cv/x.php`,
        pathInfo: '',
        handler: 'proxy-server',
        directives: [dir('CGIVar', 'REQUEST_URI', 'current-uri')],
      }),
    }));

  it('an Alias: CONTEXT_PREFIX/CONTEXT_DOCUMENT_ROOT, and PATH_TRANSLATED through the Alias', () =>
    check({
      path: '/al/x.php/al/y',
      rec: ({ sock }) => {
        const extra = `${apache.serverRoot}/extra`;
        return {
          uri: '/al/x.php/al/y',
          filename: `${extra}/al/x.php`,
          pathInfo: '/al/y',
          handler: `proxy:unix:${sock}|fcgi://localhost`,
          contextPrefix: '/al/',
          contextDocumentRoot: `${extra}/al/`,
          directives: [dir('Alias', '/al/', `${extra}/al/`)],
        };
      },
    }));

  it('mod_fcgid renames env names to letters, digits and _ (ap_create_environment)', () =>
    check({
      path: '/fcgid3/echo.fcgi',
      backend: FCGID,
      rec: ({ docRoot }) => ({
        uri: '/fcgid3/echo.fcgi',
        filename: `${docRoot}/fcgid3/echo.fcgi`,
        pathInfo: '',
        handler: 'fcgid-script',
        env: { 'my-app.var': 'x y', '1st': 'one' },
      }),
    }));

  it('mod_fcgid with FcgidWrapper: a GET', () =>
    check({
      path: '/fcgid/echo.fcgi',
      backend: FCGID,
      rec: ({ docRoot }) => ({
        uri: '/fcgid/echo.fcgi',
        filename: `${docRoot}/fcgid/echo.fcgi`,
        pathInfo: '',
        handler: 'fcgid-script',
      }),
    }));

  it('mod_fcgid with AddHandler fcgid-script (the script is the app)', () =>
    check({
      path: '/fcgid2/app.fcgi?y=2',
      headers: { 'X-Dash-Name': 'v', X_Under: 'kept by mod_fcgid? no: httpd drops it first' },
      backend: FCGID,
      rec: ({ docRoot }) => ({
        uri: '/fcgid2/app.fcgi',
        filename: `${docRoot}/fcgid2/app.fcgi`,
        pathInfo: '',
        handler: 'fcgid-script',
        directives: [dir('FcgidPassHeader', 'Authorization')],
      }),
    }));
});
