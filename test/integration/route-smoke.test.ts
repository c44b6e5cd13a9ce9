/**
 * The route model against a real Apache 2.4 with mod_proxy_fcgi and the
 * `serve` echo app: five basic routes (SetHandler in a FilesMatch → a Unix
 * socket, ProxyPassMatch, DirectoryIndex, PATH_INFO, a 404), each traced
 * from the very configuration Apache runs and compared with what Apache did.
 * One more records an observation: with SetHandler proxy:…, a missing .php
 * is still forwarded to the backend (Apache does not answer 404 itself).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeVhost, listVhosts, LiveFileSource, parseConfig } from '../../src/apache/index.js';
import { routeApache } from '../../src/routing/apache/index.js';
import type { ApacheRoutingModel } from '../../src/routing/apache/model.js';
import { parseRouteUrl } from '../../src/routing/url.js';
import { extractSetups } from '../../src/setups/index.js';
import { liveFileSystem } from '../../src/system/fileSystem.js';
import { startApache, type ApacheServer } from './harness/apache.js';
import { BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { startServeApp, type ServeAppServer } from './harness/serveApp.js';

/** The routing model of the configuration the harness started Apache with, read as check reads it. */
function modelOfServer(apache: { confPath: string; serverRoot: string }): ApacheRoutingModel {
  const p = parseConfig({
    rootFile: apache.confPath,
    serverRoot: apache.serverRoot,
    source: new LiveFileSource(),
    env: {},
  });
  return {
    tree: p.directives,
    serverRoot: p.serverRoot,
    modulesLoaded: p.modules,
    vhosts: listVhosts(p.directives).map((v) => describeVhost(v, p.serverRoot)),
    setups: extractSetups(p.directives, p.serverRoot, p.modules),
  };
}

const built = requireBuiltCli();
const haveProxyFcgi = built && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi);
const haveFcgid = built && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modFcgid);

interface Echo {
  app: string;
  params: Record<string, string>;
}

describe.skipIf(!haveProxyFcgi)('route model vs a real Apache (mod_proxy_fcgi + serve)', () => {
  let serve: ServeAppServer;
  let apache: ApacheServer;
  let model: ApacheRoutingModel;
  beforeAll(async () => {
    serve = await startServeApp({ args: ['--mode', '0660', '--group', 'www-data'] });
    apache = await startApache({
      modules: ['proxy_fcgi', 'actions'],
      files: {
        'app/echo.php': '<?php // serve answers\n',
        'static.html': '<p>static</p>\n',
        'act/page.act': 'handled by an Action\n',
      },
      config: ({ docRoot }) => `
DirectoryIndex echo.php index.html
<Directory "${docRoot}/app">
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${serve.endpoint.path}|fcgi://localhost"
    </FilesMatch>
</Directory>
ProxyPassMatch ^/pm/(.*\\.php)$ unix:${serve.endpoint.path}|fcgi://localhost${docRoot}/app/$1
AddHandler via-action .act
Action via-action /actions-handler virtual
<Location /actions-handler>
    SetHandler "proxy:unix:${serve.endpoint.path}|fcgi://localhost"
</Location>
`,
    });
    model = modelOfServer(apache);
  });
  afterAll(async () => {
    await apache?.stop();
    await serve?.stop();
  });

  const traceOf = (path: string) => {
    const req = parseRouteUrl(`http://localhost:${apache.port}${path}`);
    if ('error' in req) throw new Error(req.error);
    return routeApache(model, { ...req, localAddress: '127.0.0.1' }, { fs: liveFileSystem() });
  };
  const echoOf = async (path: string): Promise<{ status: number; echo?: Echo }> => {
    const res = await apache.http(path, { headers: { Accept: 'application/json' } });
    let echo: Echo | undefined;
    try {
      const e = JSON.parse(res.body) as Echo;
      if (e.app === 'fcgi-doctor serve') echo = e;
    } catch {
      echo = undefined;
    }
    return { status: res.status, echo };
  };

  it('SetHandler in a FilesMatch → the Unix socket', async () => {
    const got = await echoOf('/app/echo.php?x=1');
    const r = traceOf('/app/echo.php?x=1');
    expect(got.echo?.params.SCRIPT_FILENAME).toBe(`proxy:fcgi://localhost${apache.docRoot}/app/echo.php`);
    expect(r.outcome).toBe('fastcgi');
    expect(r.file).toBe(`${apache.docRoot}/app/echo.php`);
    expect(r.backend?.target).toBe(`unix:${serve.endpoint.path}`);
  });

  it('ProxyPassMatch with a backreference', async () => {
    const got = await echoOf('/pm/echo.php');
    const r = traceOf('/pm/echo.php');
    expect(got.echo?.params.SCRIPT_FILENAME).toBe(`proxy:fcgi://localhost${apache.docRoot}/app/echo.php`);
    expect(r.outcome).toBe('fastcgi');
    expect(r.backend?.target).toBe(`unix:${serve.endpoint.path}`);
    expect(r.steps.some((s) => s.what === 'proxypass')).toBe(true);
  });

  it('DirectoryIndex', async () => {
    const got = await echoOf('/app/');
    const r = traceOf('/app/');
    expect(got.echo?.params.SCRIPT_NAME).toBe('/app/echo.php');
    expect(r.outcome).toBe('fastcgi');
    expect(r.file).toBe(`${apache.docRoot}/app/echo.php`);
  });

  it('PATH_INFO', async () => {
    const got = await echoOf('/app/echo.php/more/path');
    const r = traceOf('/app/echo.php/more/path');
    expect(got.echo?.params.PATH_INFO).toBe('/more/path');
    expect(r.pathInfo).toBe('/more/path');
    expect(r.outcome).toBe('fastcgi');
  });

  it('404 for a missing static file', async () => {
    const got = await echoOf('/nothing.html');
    const r = traceOf('/nothing.html');
    expect(got.status).toBe(404);
    expect(r).toMatchObject({ outcome: 'status', status: 404 });
  });

  it('observation: a missing .php under SetHandler proxy is forwarded to the backend', async () => {
    const got = await echoOf('/app/missing.php');
    const r = traceOf('/app/missing.php');
    expect(got.echo?.params.SCRIPT_FILENAME).toBe(`proxy:fcgi://localhost${apache.docRoot}/app/missing.php`);
    expect(r.outcome).toBe('fastcgi');
  });

  it.each([
    ['POST', 200],
    ['PUT', 405],
    ['DELETE', 405],
  ])('the default handler and %s on a static file', async (method, status) => {
    const got = await apache.http('/static.html', { method, body: 'x' });
    const req = parseRouteUrl(`http://localhost:${apache.port}/static.html`, { method });
    if ('error' in req) throw new Error(req.error);
    const r = routeApache(model, { ...req, localAddress: '127.0.0.1' }, { fs: liveFileSystem() });
    expect(got.status).toBe(status);
    if (status === 200) expect(r.outcome).toBe('static');
    else expect(r).toMatchObject({ outcome: 'status', status });
  });

  it('an Action chain: the original URI becomes the PATH_INFO of the action URL', async () => {
    const got = await echoOf('/act/page.act');
    const r = traceOf('/act/page.act');
    expect(got.echo?.params.PATH_INFO).toBe('/act/page.act');
    expect(r.outcome).toBe('fastcgi');
    expect(r.pathInfo).toBe('/act/page.act');
    expect(r.file).toBe(`${apache.docRoot}/actions-handler`);
    expect(got.echo?.params.SCRIPT_FILENAME).toBe(`proxy:fcgi://localhost${r.file}`);
  });

  it('URI refusals agree: %2F → 404, "/.." above the root → 400, an alias-less Redirect-free static file', async () => {
    for (const [p, status] of [
      ['/app%2Fecho.php', 404],
      ['/%2e%2e/etc/passwd', 400],
      ['/static.html', 200],
      // The walk stops at the missing directory: r->filename is ".../nodir", which the FilesMatch does not match.
      ['/app/nodir/x.php', 404],
    ] as const) {
      const got = await apache.http(p);
      const r = traceOf(p);
      expect(got.status, p).toBe(status);
      if (status === 200) expect(r.outcome, p).toBe('static');
      else expect(r.status, p).toBe(status);
    }
  });
});

describe.skipIf(!haveProxyFcgi)('vhost selection and static routes vs a real Apache', () => {
  let apache: ApacheServer;
  let model: ApacheRoutingModel;
  beforeAll(async () => {
    apache = await startApache({
      files: { 'a/who.html': 'A\n', 'b/who.html': 'B\n', 'b/sub/x.html': 'X\n' },
      config: ({ docRoot, port }) => `
<VirtualHost *:${port}>
    ServerName a.example
    DocumentRoot "${docRoot}/a"
</VirtualHost>
<VirtualHost *:${port}>
    ServerName b.example
    ServerAlias *.b.example
    DocumentRoot "${docRoot}/b"
    Alias /al "${docRoot}/a"
    Redirect /old http://n.example/
    RedirectMatch 301 ^/rm/(.*)$ /who.html?from=$1
</VirtualHost>
`,
    });
    model = modelOfServer(apache);
  });
  afterAll(async () => {
    await apache?.stop();
  });

  const cases: [host: string, path: string][] = [
    ['a.example', '/who.html'],
    ['b.example', '/who.html'],
    ['www.b.example', '/who.html'],
    ['unknown.example', '/who.html'],
    ['b.example', '/al/who.html'],
    ['b.example', '/alx/who.html'],
    ['b.example', '/sub'],
    ['b.example', '/sub/x.html/more'],
    ['b.example', '/old/page%20x?q=1'],
    ['b.example', '/rm/abc?q=1'],
  ];
  it.each(cases)('Host %s, %s', async (host, path) => {
    // The Host header as a browser sends it for this URL (with the port): UseCanonicalName Off builds redirects from it.
    const got = await apache.http(path, { headers: { Host: `${host}:${apache.port}` } });
    const req = parseRouteUrl(`http://${host}:${apache.port}${path}`);
    if ('error' in req) throw new Error(req.error);
    const r = routeApache(model, { ...req, localAddress: '127.0.0.1' }, { fs: liveFileSystem() });
    if (got.status === 200) {
      expect(r.outcome).toBe('static');
      expect(r.file && got.body).toBeTruthy();
      expect(readFileSync(r.file as string, 'utf8')).toBe(got.body);
    } else {
      expect(r).toMatchObject({ outcome: 'status', status: got.status });
      if (got.headers.location !== undefined) expect(r.location).toBe(got.headers.location);
    }
  });
});

describe.skipIf(!haveFcgid)('mod_fcgid refusals vs a real Apache', () => {
  let apache: ApacheServer;
  let model: ApacheRoutingModel;
  beforeAll(async () => {
    apache = await startApache({
      modules: ['fcgid'],
      files: { 'noexec/a.fcgi': '#!/bin/sh\n', 'exec/b.fcgi': '#!/bin/sh\n', 'exec/page.html': 'P\n' },
      config: ({ docRoot }) => `
AddHandler fcgid-script .fcgi
<Directory "${docRoot}/exec">
    Options +ExecCGI
    AcceptPathInfo Off
</Directory>
`,
    });
    model = modelOfServer(apache);
  });
  afterAll(async () => {
    await apache?.stop();
  });
  it.each([
    ['/noexec/a.fcgi', 403],
    ['/exec/missing.fcgi', 404],
    ['/exec/b.fcgi/more', 404],
  ])('%s → %i', async (path, status) => {
    const got = await apache.http(path);
    const req = parseRouteUrl(`http://localhost:${apache.port}${path}`);
    if ('error' in req) throw new Error(req.error);
    const r = routeApache(model, { ...req, localAddress: '127.0.0.1' }, { fs: liveFileSystem() });
    expect(got.status).toBe(status);
    expect(r).toMatchObject({ outcome: 'status', status });
  });
});
