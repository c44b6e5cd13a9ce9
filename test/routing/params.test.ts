/**
 * backendParams and unknownParams on hand-made request records. mod_proxy_fcgi
 * and mod_fcgid are also held to a real Apache in
 * test/integration/params-parity.test.ts; mod_fastcgi is not packaged by
 * Debian, so its cases here cite the lines of its source they rely on
 * (github:FastCGI-Archives/mod_fastcgi at commit 48cb8e5, mod_fastcgi 2.4.7).
 */
import { describe, expect, it } from 'vitest';
import type { Directive } from '../../src/apache/index.js';
import { evalCondition, evalString, ExprUnknown } from '../../src/routing/apache/apExpr.js';
import { findPathInfo } from '../../src/routing/apache/cgiEnv.js';
import { canonProxyFcgi, fixupUdsFilename, scriptFilename } from '../../src/routing/apache/proxyFcgiEnv.js';
import { backendParams, unknownParams } from '../../src/routing/apache/params.js';
import type { BackendChoice, RequestRecord } from '../../src/routing/apache/seams.js';

function dir(written: string, ...args: string[]): Directive {
  return {
    name: written.toLowerCase(),
    written,
    args,
    raw: args.join(' '),
    file: '/etc/apache2/sites-enabled/site.conf',
    line: 7,
    includedFrom: [],
    isSection: false,
    children: [],
    active: true,
  };
}

/** A request for http://www.example.org/… from 192.0.2.7:50000, DocumentRoot /srv/www. */
function record(p: {
  path: string;
  uri?: string;
  filename: string | null;
  pathInfo?: string;
  handler: string | null;
  method?: string;
  headers?: Record<string, string>;
  env?: Record<string, string>;
  directives?: Directive[];
  prev?: RequestRecord;
  known?: boolean;
  serverComponents?: string[];
}): RequestRecord {
  const q = p.path.indexOf('?');
  const path = q < 0 ? p.path : p.path.slice(0, q);
  const query = q < 0 ? undefined : p.path.slice(q + 1);
  const known = p.known ?? true;
  return {
    request: {
      url: `http://www.example.org${p.path}`,
      scheme: 'http',
      host: 'www.example.org',
      port: 80,
      ...(known ? { localAddress: '192.0.2.1', remoteAddress: '192.0.2.7', remotePort: 50000 } : {}),
      method: p.method ?? 'GET',
      path,
      query,
      headers: p.headers ?? {},
    },
    unparsedUri: p.path,
    uri: p.uri ?? decodeURIComponent(path),
    args: query,
    filename: p.filename,
    pathInfo: p.pathInfo ?? '',
    handler: p.handler,
    serverName: 'www.example.org',
    serverPort: 80,
    serverAdmin: 'webmaster@example.org',
    ...(known ? { serverSoftware: 'Apache/2.4.62 (Debian)', serverComponents: p.serverComponents ?? [] } : {}),
    documentRoot: '/srv/www',
    contextPrefix: '',
    contextDocumentRoot: '/srv/www',
    // Apache's PATH is known only when SetEnv gives one (env2env reads subprocess_env first)
    env: known ? { PATH: '/usr/bin:/bin', ...(p.env ?? {}) } : { ...(p.env ?? {}) },
    directives: p.directives ?? [],
    prev: p.prev,
    redirectStatus: p.prev ? 200 : undefined,
  };
}

const PROXY: BackendChoice = { module: 'proxy_fcgi', mode: 'proxy', target: 'unix:/run/php/php8.2-fpm.sock' };
const FCGID: BackendChoice = { module: 'fcgid', mode: 'fcgid', target: null };
const FASTCGI_EXTERNAL: BackendChoice = { module: 'fastcgi', mode: 'external', target: 'unix:/run/php.sock' };
const FASTCGI_STATIC: BackendChoice = { module: 'fastcgi', mode: 'static', target: null };
const FASTCGI_DYNAMIC: BackendChoice = { module: 'fastcgi', mode: 'dynamic', target: null };
const FPM_HANDLER = 'proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost';

describe('mod_proxy_fcgi', () => {
  it("Debian's php-fpm.conf wiring: the whole CGI environment, SCRIPT_FILENAME with the proxy:fcgi:// prefix", () => {
    const rec = record({
      path: '/blog/index.php/feed?x=1',
      filename: '/srv/www/blog/index.php',
      pathInfo: '/feed',
      handler: FPM_HANDLER,
      headers: { 'user-agent': 'curl/8', accept: '*/*' },
    });
    expect(backendParams(rec, PROXY)).toEqual({
      HTTP_HOST: 'www.example.org',
      HTTP_USER_AGENT: 'curl/8',
      HTTP_ACCEPT: '*/*',
      PATH: '/usr/bin:/bin',
      SERVER_SIGNATURE: '',
      SERVER_SOFTWARE: 'Apache/2.4.62 (Debian)',
      SERVER_NAME: 'www.example.org',
      SERVER_ADDR: '192.0.2.1',
      SERVER_PORT: '80',
      REMOTE_ADDR: '192.0.2.7',
      DOCUMENT_ROOT: '/srv/www',
      REQUEST_SCHEME: 'http',
      CONTEXT_PREFIX: '',
      CONTEXT_DOCUMENT_ROOT: '/srv/www',
      SERVER_ADMIN: 'webmaster@example.org',
      SCRIPT_FILENAME: 'proxy:fcgi://localhost/srv/www/blog/index.php',
      REMOTE_PORT: '50000',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: 'GET',
      QUERY_STRING: 'x=1',
      REQUEST_URI: '/blog/index.php/feed?x=1',
      SCRIPT_NAME: '/blog/index.php',
      PATH_INFO: '/feed',
      PATH_TRANSLATED: '/srv/www/feed',
      // no worker is defined for fcgi://localhost: the default reverse worker (proxy_util.c:ap_proxy_pre_request)
      'proxy-nokeepalive': '1',
    });
  });

  it('a <Proxy> worker for the socket: no proxy-nokeepalive', () => {
    const proxy = { ...dir('Proxy', 'unix:/run/php/php8.2-fpm.sock|fcgi://localhost/'), isSection: true };
    const rec = record({
      path: '/i.php',
      filename: '/srv/www/i.php',
      handler: FPM_HANDLER,
      directives: [proxy],
    });
    expect(backendParams(rec, PROXY)['proxy-nokeepalive']).toBeUndefined();
  });

  it('GENERIC strips the prefix, and a query left in the path by nocanon when it is QUERY_STRING', () => {
    expect(scriptFilename('proxy:fcgi://127.0.0.1:9000/srv/app/x.php?a=1', 'GENERIC', 'a=1')).toBe('/srv/app/x.php');
    expect(scriptFilename('proxy:fcgi://127.0.0.1:9000/srv/app/x.php?a=1', 'FPM', 'a=1')).toBe(
      'proxy:fcgi://127.0.0.1:9000/srv/app/x.php?a=1',
    );
    // "proxy:balancer://" goes in every mode (send_environment)
    expect(scriptFilename('proxy:balancer://php/srv/x.php', 'FPM', undefined)).toBe('/srv/x.php');
    const rec = record({
      path: '/x.php',
      filename: '/srv/www/x.php',
      handler: 'proxy:fcgi://127.0.0.1:9000',
      directives: [dir('ProxyFCGIBackendType', 'FPM'), dir('ProxyFCGIBackendType', 'GENERIC')],
    });
    expect(backendParams(rec, PROXY).SCRIPT_FILENAME).toBe('/srv/www/x.php');
  });

  it('fixup_uds_filename and canon: socket dropped, host lower-cased, port 8000 left out, path re-encoded for ProxyPass', () => {
    expect(fixupUdsFilename('proxy:unix:/run/a.sock|fcgi://localhost/srv/x.php')).toBe(
      'proxy:fcgi://localhost/srv/x.php',
    );
    expect(fixupUdsFilename('proxy:unix:/run/a.sock|fcgi:')).toBe('proxy:fcgi://localhost');
    expect(fixupUdsFilename('proxy:unix:/run/a.sock|fcgi:/srv/x.php')).toBe('proxy:fcgi://localhost/srv/x.php');
    expect(canonProxyFcgi('fcgi://LOCALHOST:8000/a b/ü.php', true)?.filename).toBe(
      'proxy:fcgi://localhost/a%20b/%C3%BC.php',
    );
    expect(canonProxyFcgi('fcgi://127.0.0.1:9000/a b', false)?.filename).toBe('proxy:fcgi://127.0.0.1:9000/a b');
  });

  it('proxy-fcgi-pathinfo: last-dot, unescape, and full (not modelled: unknown)', () => {
    const base = {
      path: '/app/a.b.php/x%2Fy/z',
      uri: '/app/a.b.php/x%2Fy/z',
      filename: 'proxy:fcgi://127.0.0.1:9000/srv/a.b.php/x%2Fy/z',
      handler: 'proxy-server',
    };
    const last = backendParams(record({ ...base, env: { 'proxy-fcgi-pathinfo': 'last-dot' } }), PROXY);
    expect(last.PATH_INFO).toBe('/x%2Fy/z');
    const unesc = backendParams(record({ ...base, env: { 'proxy-fcgi-pathinfo': 'unescape' } }), PROXY);
    expect(unesc.PATH_INFO).toBe('/srv/a.b.php/x%2Fy/z');
    const fullRec = record({ ...base, env: { 'proxy-fcgi-pathinfo': 'full' } });
    expect(backendParams(fullRec, PROXY).PATH_INFO).toBeUndefined();
    expect(unknownParams(fullRec, PROXY).some((u) => u.startsWith('PATH_INFO:'))).toBe(true);
  });

  it('ProxyFCGISetEnvIf: evaluated in order after the CGI variables; an expression outside the model is unknown, not guessed', () => {
    const rec = record({
      path: '/x.php',
      filename: '/srv/www/x.php',
      handler: FPM_HANDLER,
      headers: { authorization: 'Basic eDp5' },
      directives: [
        dir('ProxyFCGISetEnvIf', "-n req('Authorization')", 'HTTP_AUTHORIZATION', '%{req:Authorization}'),
        dir('ProxyFCGISetEnvIf', 'true', 'SCRIPT_FILENAME', '%{reqenv:DOCUMENT_ROOT}%{reqenv:SCRIPT_NAME}'),
        dir('ProxyFCGISetEnvIf', '-f %{REQUEST_FILENAME}', 'ODD', '1'),
      ],
    });
    const params = backendParams(rec, PROXY);
    expect(params.HTTP_AUTHORIZATION).toBe('Basic eDp5');
    expect(params.SCRIPT_FILENAME).toBe('/srv/www/x.php');
    expect(params.ODD).toBeUndefined();
    expect(unknownParams(rec, PROXY).find((u) => u.startsWith('ODD:'))).toContain('site.conf:7');
  });
});

describe('ap_add_common_vars / ap_add_cgi_vars', () => {
  it('what the model cannot know is left out and named, for `uncertain`', () => {
    const rec = record({ path: '/x.php', filename: '/srv/www/x.php', handler: FPM_HANDLER, known: false, env: {} });
    const params = backendParams(rec, PROXY);
    for (const name of ['REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_ADDR', 'SERVER_SOFTWARE', 'PATH']) {
      expect(params[name]).toBeUndefined();
    }
    const names = unknownParams(rec).map((u) => u.slice(0, u.indexOf(':')));
    expect(names.sort()).toEqual(['PATH', 'REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_ADDR', 'SERVER_SOFTWARE']);
    expect(unknownParams(rec)).toContain("REMOTE_ADDR: the client's address");
  });

  it('headers: Proxy never, Authorization only with CGIPassAuth On, names with other characters than [A-Za-z0-9-] dropped', () => {
    const headers = { proxy: 'x', authorization: 'Basic eDp5', x_under: '1', 'x-ok': '2', 'content-type': 't/p' };
    const off = backendParams(
      record({ path: '/x.php', filename: '/srv/www/x.php', handler: FPM_HANDLER, headers }),
      PROXY,
    );
    expect(off.HTTP_PROXY).toBeUndefined();
    expect(off.HTTP_AUTHORIZATION).toBeUndefined();
    expect(off.HTTP_X_UNDER).toBeUndefined();
    expect(off.HTTP_X_OK).toBe('2');
    expect(off.CONTENT_TYPE).toBe('t/p');
    const on = backendParams(
      record({
        path: '/x.php',
        filename: '/srv/www/x.php',
        handler: FPM_HANDLER,
        headers,
        directives: [dir('CGIPassAuth', 'On')],
      }),
      PROXY,
    );
    expect(on.HTTP_AUTHORIZATION).toBe('Basic eDp5');
  });

  it('ap_find_path_info: SCRIPT_NAME is the URI up to where PATH_INFO starts', () => {
    expect(findPathInfo('/a.php/b/c', '/b/c')).toBe(6);
    expect(findPathInfo('/a.php//b', '/b')).toBe(6);
    expect(findPathInfo('/x', '/x')).toBe(0);
  });

  it('ServerSignature On/EMail, REDIRECT_URL qualified by QualifyRedirectURL', () => {
    const sig = backendParams(
      record({
        path: '/x.php',
        filename: '/srv/www/x.php',
        handler: FPM_HANDLER,
        directives: [dir('ServerSignature', 'EMail')],
      }),
      PROXY,
    );
    expect(sig.SERVER_SIGNATURE).toBe(
      '<address>Apache/2.4.62 (Debian) Server at <a href="mailto:webmaster@example.org">www.example.org</a> Port 80</address>\n',
    );
    const prev = record({ path: '/old?q=1', filename: '/srv/www/old', handler: 'x' });
    const rec = record({
      path: '/old?q=1',
      uri: '/new.php',
      filename: '/srv/www/new.php',
      handler: FPM_HANDLER,
      prev,
      directives: [dir('QualifyRedirectURL', 'On')],
    });
    const params = backendParams(rec, PROXY);
    expect(params.REDIRECT_URL).toBe('http://www.example.org/old?q=1');
    expect(params.REDIRECT_QUERY_STRING).toBe('q=1');
    expect(params.REDIRECT_STATUS).toBe('200');
    expect(params.REDIRECT_PATH).toBe('/usr/bin:/bin');
  });
});

describe('SERVER_SOFTWARE: core.c set_banner / ap_add_version_component', () => {
  const at = (tokens: string | undefined, components?: string[]) =>
    backendParams(
      record({
        path: '/x.php',
        filename: '/srv/www/x.php',
        handler: FPM_HANDLER,
        directives: tokens ? [dir('ServerTokens', tokens)] : [],
        ...(components ? { serverComponents: components } : {}),
      }),
      PROXY,
    ).SERVER_SOFTWARE;
  it('Full (the default) appends the modules components; the others cut the description and never do', () => {
    expect(at(undefined, ['mod_fcgid/2.3.9'])).toBe('Apache/2.4.62 (Debian) mod_fcgid/2.3.9');
    expect(at('Full', [])).toBe('Apache/2.4.62 (Debian)');
    expect(at('OS', ['mod_fcgid/2.3.9'])).toBe('Apache/2.4.62 (Debian)');
    expect(at('Min', ['mod_fcgid/2.3.9'])).toBe('Apache/2.4.62');
    expect(at('Minimal')).toBe('Apache/2.4.62');
    expect(at('Minor')).toBe('Apache/2.4');
    expect(at('Major')).toBe('Apache/2');
    expect(at('Prod')).toBe('Apache');
    expect(at('ProductOnly')).toBe('Apache');
  });
  it('Full with the components unknown: SERVER_SOFTWARE is unknown, not guessed', () => {
    const rec = record({ path: '/x.php', filename: '/srv/www/x.php', handler: FPM_HANDLER });
    delete rec.serverComponents;
    expect(backendParams(rec, PROXY).SERVER_SOFTWARE).toBeUndefined();
    expect(unknownParams(rec, PROXY).some((u) => u.startsWith('SERVER_SOFTWARE:'))).toBe(true);
  });
});

describe('ap_expr subset', () => {
  const ctx = {
    variable: (n: string) => ({ REQUEST_URI: '/app/x.php', QUERY_STRING: 'a=1' })[n],
    header: (n: string) => (n.toLowerCase() === 'x-a' ? 'yes' : undefined),
    reqenv: (n: string) => (n === 'SCRIPT_NAME' ? '/app/x.php' : undefined),
  };
  it('conditions and string values with captures', () => {
    const r = evalCondition("%{REQUEST_URI} =~ m#^/(\\w+)/# && !(-z req('X-A'))", ctx);
    expect(r.value).toBe(true);
    expect(evalString('/srv/$1%{reqenv:SCRIPT_NAME}', ctx, r.captures)).toBe('/srv/app/app/x.php');
    expect(evalCondition("%{QUERY_STRING} in { 'a=1', 'b' }", ctx).value).toBe(true);
    expect(evalCondition("'1' -eq '1' || false", ctx).value).toBe(true);
    expect(() => evalCondition('-f %{REQUEST_FILENAME}', ctx)).toThrow(ExprUnknown);
  });
});

describe('mod_fcgid', () => {
  it('FcgidPassHeader sends the name as written and its HTTP_ form; hop-by-hop headers go, HTTP_CONNECTION is close; names renamed to [A-Za-z0-9_]', () => {
    const rec = record({
      path: '/cgi/app.fcgi',
      filename: '/srv/www/cgi/app.fcgi',
      handler: 'fcgid-script',
      headers: { authorization: 'Basic eDp5', upgrade: 'h2c', te: 'trailers', connection: 'Upgrade' },
      env: { 'my-var': '1' },
      directives: [dir('FcgidPassHeader', 'Authorization')],
    });
    const params = backendParams(rec, FCGID);
    expect(params.Authorization).toBe('Basic eDp5');
    expect(params.HTTP_AUTHORIZATION).toBe('Basic eDp5');
    expect(params.HTTP_UPGRADE).toBeUndefined();
    expect(params.HTTP_TE).toBeUndefined();
    expect(params.HTTP_CONNECTION).toBe('close');
    expect(params.my_var).toBe('1');
    expect(params.CONTENT_LENGTH).toBe('0');
    expect(params.SCRIPT_FILENAME).toBe('/srv/www/cgi/app.fcgi');
  });

  it('FcgidFixPathinfo 1: apr_filepath_merge(DOCUMENT_ROOT, SCRIPT_NAME) keeps an absolute SCRIPT_NAME, normalised', () => {
    const rec = record({
      path: '/cgi//./app.fcgi/x',
      uri: '/cgi//./app.fcgi/x',
      filename: '/srv/www/cgi/app.fcgi',
      pathInfo: '/x',
      handler: 'fcgid-script',
      directives: [dir('FcgidFixPathinfo', '1')],
    });
    expect(backendParams(rec, FCGID).SCRIPT_NAME).toBe('/cgi/app.fcgi');
  });

  it('a chunked body: CONTENT_LENGTH is the length mod_fcgid reads, unknown here', () => {
    const rec = record({
      path: '/a.fcgi',
      method: 'POST',
      filename: '/srv/www/a.fcgi',
      handler: 'fcgid-script',
      headers: { 'transfer-encoding': 'chunked' },
    });
    expect(backendParams(rec, FCGID).CONTENT_LENGTH).toBeUndefined();
    expect(unknownParams(rec, FCGID).some((u) => u.startsWith('CONTENT_LENGTH:'))).toBe(true);
  });
});

describe('mod_fastcgi (from its source: FastCGI-Archives/mod_fastcgi 48cb8e5)', () => {
  // The classic PHP chain:
  //   FastCgiExternalServer /usr/lib/cgi-bin/php.fcgi -socket /run/php.sock -pass-header Authorization
  //   Alias /fcgi-bin/php.fcgi /usr/lib/cgi-bin/php.fcgi
  //   Action php-fcgi /fcgi-bin/php.fcgi
  //   AddHandler php-fcgi .php
  // mod_actions redirects /blog/index.php/x?y=1 to /fcgi-bin/php.fcgi/blog/index.php/x?y=1; the Alias maps it to
  // /usr/lib/cgi-bin/php.fcgi/blog/index.php/x; the directory walk stops at the missing php.fcgi, the rest is
  // PATH_INFO; mod_fastcgi.c:fixups (lines 2932-2946) makes it fastcgi-script because
  // fcgi_util.c:fcgi_util_fs_get_by_id (lines 308-334) matches the server's path.
  const server = dir(
    'FastCgiExternalServer',
    '/usr/lib/cgi-bin/php.fcgi',
    '-socket',
    '/run/php.sock',
    '-pass-header',
    'Authorization',
  );
  const action = dir('Action', 'php-fcgi', '/fcgi-bin/php.fcgi');
  const alias = dir('Alias', '/fcgi-bin/php.fcgi', '/usr/lib/cgi-bin/php.fcgi');
  const first = record({
    path: '/blog/index.php/x?y=1',
    filename: '/srv/www/blog/index.php',
    pathInfo: '/x',
    handler: 'php-fcgi',
    directives: [server, alias, action, dir('AddHandler', 'php-fcgi', '.php')],
  });

  it('an Action chain to an external server: SCRIPT_FILENAME is the Alias target, PATH_INFO/PATH_TRANSLATED the script, REDIRECT_*', () => {
    const rec = record({
      path: '/blog/index.php/x?y=1',
      uri: '/fcgi-bin/php.fcgi/blog/index.php/x',
      filename: '/usr/lib/cgi-bin/php.fcgi',
      pathInfo: '/blog/index.php/x',
      handler: 'fastcgi-script',
      headers: { authorization: 'Basic eDp5' },
      directives: [server, alias],
      prev: first,
    });
    const params = backendParams(rec, FASTCGI_EXTERNAL);
    expect(params).toMatchObject({
      // fcgi_protocol.c:fcgi_protocol_queue_env (lines 222-237): ap_add_common_vars, then add_pass_header_vars,
      // then ap_add_cgi_vars for a responder — the full httpd function, PATH_TRANSLATED included.
      SCRIPT_FILENAME: '/usr/lib/cgi-bin/php.fcgi',
      SCRIPT_NAME: '/fcgi-bin/php.fcgi',
      PATH_INFO: '/blog/index.php/x',
      PATH_TRANSLATED: '/srv/www/blog/index.php/x',
      REQUEST_URI: '/blog/index.php/x?y=1',
      QUERY_STRING: 'y=1',
      REDIRECT_URL: '/blog/index.php/x',
      REDIRECT_QUERY_STRING: 'y=1',
      REDIRECT_STATUS: '200',
      // mod_actions.c:action_handler sets HANDLER before the redirect
      REDIRECT_HANDLER: 'php-fcgi',
      // add_pass_header_vars (fcgi_protocol.c lines 198-218) with the server's -pass-header
      // (fcgi_config.c:get_pass_header lines 189-200, option parsed at line 924 for FastCgiExternalServer)
      HTTP_AUTHORIZATION: 'Basic eDp5',
    });
    // mod_fastcgi sends no proxy-* entry and the raw header name is not sent (USE_BROKEN_PASS_HEADER is off)
    expect(params.Authorization).toBeUndefined();
    expect(params['proxy-nokeepalive']).toBeUndefined();
  });

  it('-pass-header names go through its own http2env: every non-alphanumeric character becomes _ (fcgi_protocol.c lines 172-196)', () => {
    const s = dir('FastCgiServer', '/srv/app/app.fcgi', '-processes', '2', '-pass-header', 'X_Token.Id');
    const rec = record({
      path: '/app.fcgi',
      filename: '/srv/app/app.fcgi',
      handler: 'fastcgi-script',
      headers: { 'x_token.id': 'abc' },
      directives: [s],
    });
    // httpd's own http2env drops that header (util_script.c); the pass-header puts it back under its munged name
    expect(backendParams(rec, FASTCGI_STATIC).HTTP_X_TOKEN_ID).toBe('abc');
    // fcgi_util_fs_get_by_id: "/srv/app/app.fcgiX" is not the server's path (the match must end at '/' or the end)
    const other = record({
      ...{ path: '/x' },
      filename: '/srv/app/app.fcgiX',
      handler: 'fastcgi-script',
      headers: { 'x_token.id': 'abc' },
      directives: [s],
    });
    expect(backendParams(other, FASTCGI_STATIC).HTTP_X_TOKEN_ID).toBeUndefined();
  });

  it("a dynamic application takes FastCgiConfig's -pass-header (dynamic_pass_headers, fcgi_config.c line 1107), not a server's", () => {
    const rec = record({
      path: '/d.fcgi',
      filename: '/srv/www/d.fcgi',
      handler: 'fastcgi-script',
      headers: { 'x-a': '1', 'x-b': '2' },
      directives: [
        dir('FastCgiConfig', '-pass-header', 'X-A', '-idle-timeout', '30'),
        dir('FastCgiServer', '/srv/www/d.fcgi', '-pass-header', 'X-B'),
      ],
    });
    const params = backendParams(rec, FASTCGI_DYNAMIC);
    expect(params.HTTP_X_A).toBe('1');
    // X-B is exported by httpd anyway: the pass-header only matters for headers httpd drops
    expect(params.HTTP_X_B).toBe('2');
    const auth = record({
      path: '/d.fcgi',
      filename: '/srv/www/d.fcgi',
      handler: 'fastcgi-script',
      headers: { authorization: 'Basic eDp5' },
      directives: [dir('FastCgiServer', '/srv/www/d.fcgi', '-pass-header', 'Authorization')],
    });
    expect(backendParams(auth, FASTCGI_DYNAMIC).HTTP_AUTHORIZATION).toBeUndefined();
    expect(backendParams(auth, FASTCGI_STATIC).HTTP_AUTHORIZATION).toBe('Basic eDp5');
  });

  it('ap_create_environment renames names (leading digit and non-alphanumerics to _), as fcgi_protocol.c line 237 calls it', () => {
    const rec = record({
      path: '/app.fcgi',
      filename: '/srv/app/app.fcgi',
      handler: 'fastcgi-script',
      env: { 'my-var': 'a', '9lives': 'b' },
    });
    const params = backendParams(rec, FASTCGI_STATIC);
    expect(params.my_var).toBe('a');
    expect(params._lives).toBe('b');
    expect(params['my-var']).toBeUndefined();
  });
});
