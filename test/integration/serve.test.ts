/**
 * `fcgi-doctor serve` driven by the real FastCGI clients and process managers
 * it stands in front of, not by our own client: Apache with mod_fcgid (serve
 * started by mod_fcgid, on file descriptor 0), Apache with mod_proxy_fcgi
 * (serve on its own Unix socket), spawn-fcgi, and libfcgi's cgi-fcgi. Each
 * test checks what the echo page says the app received (params, method,
 * body) and what came back through the client.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApache, type ApacheServer } from './harness/apache.js';
import { cgiFcgi, cgiParams } from './harness/cgiFcgi.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { startServeApp, type ServeAppServer } from './harness/serveApp.js';
import { lookupUser } from './harness/tempdir.js';
import { waitFor } from './harness/waitFor.js';

const built = requireBuiltCli();
const haveApache = built && hasBinary(BINARIES.apache);
const haveFcgid = haveApache && hasBinary(BINARIES.modFcgid);
const haveProxyFcgi = haveApache && hasBinary(BINARIES.modProxyFcgi);
const haveCgiFcgi = built && hasBinary(BINARIES.cgiFcgi);
const haveSpawnFcgi = haveCgiFcgi && hasBinary(BINARIES.spawnFcgi);

/** What the echo page says in JSON (`?format=json`). */
interface Echo {
  app: string;
  pid: number;
  requestId: number;
  bodyBytes: number;
  keepConn: boolean;
  params: Record<string, string>;
}

function parseEcho(body: string): Echo {
  const echo = JSON.parse(body) as Echo;
  expect(echo.app).toBe('fcgi-doctor serve');
  return echo;
}

/** The real uid of a process, from /proc. */
function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

const WWW_DATA_UID = lookupUser('www-data').uid;
const BODY = 'name=fcgi&value=doctor';

describe.skipIf(!haveFcgid)('serve behind Apache mod_fcgid (FcgidWrapper: serve on file descriptor 0)', () => {
  let apache: ApacheServer;
  const appPids = new Set<number>();
  beforeAll(async () => {
    apache = await startApache({
      modules: ['fcgid'],
      files: { 'app/echo.fcgi': { content: '# never run: FcgidWrapper serves every .fcgi here\n', mode: 0o755 } },
      config: ({ docRoot }) => `
<Directory "${docRoot}/app">
    Options +ExecCGI
    AddHandler fcgid-script .fcgi
    FcgidWrapper "${process.execPath} ${BIN} serve" .fcgi virtual
</Directory>
`,
    });
  });
  afterAll(async () => {
    await apache?.stop();
    // mod_fcgid stops its apps with Apache; one that outlived it is a stray of this test
    for (const pid of appPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  });

  it('a POST reaches serve with the params mod_fcgid sends, and its page comes back through Apache', async () => {
    const res = await apache.http('/app/echo.fcgi/extra/path?format=json&x=1', {
      method: 'POST',
      body: BODY,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const echo = parseEcho(res.body);
    appPids.add(echo.pid);
    expect(res.headers['x-fcgi-doctor-pid']).toBe(String(echo.pid));
    expect(echo.params).toMatchObject({
      SCRIPT_FILENAME: `${apache.docRoot}/app/echo.fcgi`,
      SCRIPT_NAME: '/app/echo.fcgi',
      PATH_INFO: '/extra/path',
      REQUEST_METHOD: 'POST',
      REQUEST_URI: '/app/echo.fcgi/extra/path?format=json&x=1',
      QUERY_STRING: 'format=json&x=1',
      CONTENT_LENGTH: String(BODY.length),
      CONTENT_TYPE: 'application/x-www-form-urlencoded',
      REMOTE_ADDR: '127.0.0.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
    });
    expect(echo.bodyBytes).toBe(BODY.length);
    // mod_fcgid started it, as Apache's User, with the listening socket on fd 0
    expect(uidOf(echo.pid)).toBe(WWW_DATA_UID);
    await waitFor(() => apache.errorLog().includes(`fcgi-doctor serve: listening on fd 0 (pid ${echo.pid})`), {
      what: "serve's start-up line in Apache's error log",
      timeoutMs: 5_000,
    });
  });

  it('?status=503 comes back from serve through Apache as 503', async () => {
    const res = await apache.http('/app/echo.fcgi?status=503');
    expect(res.status).toBe(503);
    expect(res.body).toContain('<h1>FastCGI works</h1>');
    appPids.add(Number(res.headers['x-fcgi-doctor-pid']));
  });
});

describe.skipIf(!haveProxyFcgi)('serve behind Apache mod_proxy_fcgi (SetHandler proxy:unix:…|fcgi://localhost)', () => {
  let serve: ServeAppServer;
  let apache: ApacheServer;
  beforeAll(async () => {
    // Apache's children (www-data) connect: the socket is root's, group www-data, 0660.
    serve = await startServeApp({ args: ['--mode', '0660', '--group', 'www-data'] });
    apache = await startApache({
      modules: ['proxy_fcgi'],
      files: {
        'app/echo.php': '<?php // never run: serve answers\n',
        'generic/echo.php': '<?php // never run: serve answers\n',
      },
      config: ({ docRoot }) => `
<Directory "${docRoot}/app">
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${serve.endpoint.path}|fcgi://localhost"
    </FilesMatch>
</Directory>
<Directory "${docRoot}/generic">
    ProxyFCGIBackendType GENERIC
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${serve.endpoint.path}|fcgi://localhost"
    </FilesMatch>
</Directory>
`,
    });
  });
  afterAll(async () => {
    await apache?.stop();
    await serve?.stop();
  });

  it('a POST reaches serve with the params mod_proxy_fcgi sends, and its page comes back through Apache', async () => {
    const res = await apache.http('/app/echo.php?format=json', {
      method: 'POST',
      body: BODY,
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status, res.body).toBe(200);
    const echo = parseEcho(res.body);
    expect(echo.pid).toBe(serve.pid);
    expect(echo.params).toMatchObject({
      // what mod_proxy_fcgi sends in its default mode (ProxyFCGIBackendType FPM): PHP-FPM strips the prefix itself
      SCRIPT_FILENAME: `proxy:fcgi://localhost${apache.docRoot}/app/echo.php`,
      SCRIPT_NAME: '/app/echo.php',
      REQUEST_METHOD: 'POST',
      REQUEST_URI: '/app/echo.php?format=json',
      QUERY_STRING: 'format=json',
      CONTENT_LENGTH: String(BODY.length),
      CONTENT_TYPE: 'text/plain',
      HTTP_HOST: 'localhost',
      REMOTE_ADDR: '127.0.0.1',
    });
    expect(echo.bodyBytes).toBe(BODY.length);
  });

  it('a GET, with HTML by default and the headers serve sets', async () => {
    const res = await apache.http('/app/echo.php');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-fcgi-doctor-pid']).toBe(String(serve.pid));
    expect(res.body).toContain(
      `<tr><th>SCRIPT_FILENAME</th><td>proxy:fcgi://localhost${apache.docRoot}/app/echo.php</td></tr>`,
    );
    expect(res.body).toContain('<tr><th>REQUEST_METHOD</th><td>GET</td></tr>');
  });

  it('with ProxyFCGIBackendType GENERIC, serve shows the SCRIPT_FILENAME a generic FastCGI app gets', async () => {
    const res = await apache.http('/generic/echo.php?format=json');
    expect(res.status, res.body).toBe(200);
    const echo = parseEcho(res.body);
    expect(echo.params.SCRIPT_FILENAME).toBe(`${apache.docRoot}/generic/echo.php`);
    expect(echo.params.REQUEST_METHOD).toBe('GET');
  });
});

describe.skipIf(!haveCgiFcgi)("serve against libfcgi's cgi-fcgi", () => {
  let serve: ServeAppServer;
  beforeAll(async () => {
    serve = await startServeApp();
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it('receives exactly the params cgi-fcgi sends, and the body', async () => {
    const request = {
      scriptFilename: '/srv/www/index.php',
      method: 'PUT',
      queryString: 'format=json',
      body: BODY,
      contentType: 'text/plain',
    };
    const res = await cgiFcgi(serve.endpoint, request);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const echo = parseEcho(res.body);
    expect(echo.params).toEqual(cgiParams(request));
    expect(echo.bodyBytes).toBe(BODY.length);
    expect(echo.pid).toBe(serve.pid);
  });

  it('a 1 MiB body arrives whole', async () => {
    const body = Buffer.alloc(1024 * 1024, 0x61);
    const res = await cgiFcgi(serve.endpoint, {
      scriptFilename: '/srv/www/upload.php',
      method: 'POST',
      queryString: 'format=json',
      body,
    });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(parseEcho(res.body).bodyBytes).toBe(body.length);
  });
});

describe.skipIf(!haveSpawnFcgi)('serve under spawn-fcgi (file descriptor 0, as www-data)', () => {
  let serve: ServeAppServer;
  beforeAll(async () => {
    serve = await startServeApp({ spawnFcgiUser: 'www-data' });
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it("answers cgi-fcgi as the user spawn-fcgi dropped to, in the process spawn-fcgi exec'd", async () => {
    const request = { scriptFilename: '/srv/www/app.php', method: 'POST', queryString: 'format=json', body: BODY };
    const res = await cgiFcgi(serve.endpoint, request);
    expect(res.exitCode, res.stderr).toBe(0);
    const echo = parseEcho(res.body);
    expect(echo.params).toEqual(cgiParams(request));
    expect(echo.bodyBytes).toBe(BODY.length);
    // spawn-fcgi -n execs the app in its own process, after dropping to www-data
    expect(echo.pid).toBe(serve.pid);
    expect(uidOf(echo.pid)).toBe(WWW_DATA_UID);
    expect(serve.log()).toContain(`fcgi-doctor serve: listening on fd 0 (pid ${serve.pid})`);
  });
});
