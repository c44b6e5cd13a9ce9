/**
 * The integration harness itself: each server starts under a private
 * configuration and answers a real FastCGI request made by the reference
 * client cgi-fcgi (libfcgi-bin), and Apache forwards to them through
 * mod_proxy_fcgi and mod_fcgid. Missing servers skip a suite locally and
 * fail it on CI (requireBinary).
 */
import { existsSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApache, testApacheConfig, type ApacheServer } from './harness/apache.js';
import { cgiFcgi } from './harness/cgiFcgi.js';
import { CGI_ENV_SCRIPT, CGI_HELLO_PERL, startFcgiwrap, type FcgiwrapServer } from './harness/fcgiwrap.js';
import { PERL_ECHO_APP, startPerlFcgi, type PerlFcgiServer } from './harness/perlFcgi.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BINARIES, missingReason, requireBinary, requirePerlModule } from './harness/requireServer.js';
import { startUwsgi, type UwsgiServer } from './harness/uwsgi.js';
import { listenUnixSocket, makeStaleSocket } from './harness/sockets.js';
import { canConnect } from './harness/endpoint.js';
import { makeTempDir } from './harness/tempdir.js';
import { waitFor } from './harness/waitFor.js';

const has = (b: { name: string; path: string; pkg: string }) => requireBinary(b.name, b.path, b.pkg);
const why = (...bs: { name: string; path: string; pkg: string }[]) => {
  const missing = bs.filter((b) => !existsSync(b.path));
  return missing.length === 0
    ? ''
    : ` (skipped: ${missing.map((b) => missingReason(b.name, b.path, b.pkg)).join('; ')})`;
};

const haveClient = has(BINARIES.cgiFcgi);
const haveFpm = haveClient && has(BINARIES.phpFpm);
const haveUwsgi = haveClient && has(BINARIES.uwsgi) && has(BINARIES.uwsgiPython3);
const haveFcgiwrap = haveClient && has(BINARIES.fcgiwrap);
const havePerlModule = requirePerlModule('FCGI', 'libfcgi-perl');
const havePerlFcgi = haveClient && has(BINARIES.spawnFcgi) && havePerlModule;
const haveApache = has(BINARIES.apache) && has(BINARIES.modProxyFcgi) && has(BINARIES.modFcgid);

const PHP_INFO = `<?php
header('X-Powered-By-Test: harness');
echo "php ", PHP_VERSION, " uid=", posix_geteuid(), " script=", $_SERVER['SCRIPT_FILENAME'], "\\n";
`;

/** The process group is gone and the temp dir removed. */
async function expectGone(pid: number, dir: string): Promise<void> {
  await waitFor(
    () => {
      try {
        process.kill(-pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    { what: `process group ${pid} to end`, timeoutMs: 10_000 },
  );
  expect(existsSync(dir)).toBe(false);
}

describe.skipIf(!haveFpm)(`php-fpm harness${why(BINARIES.cgiFcgi, BINARIES.phpFpm)}`, () => {
  let fpm: PhpFpmServer;
  beforeAll(async () => {
    fpm = await startPhpFpm({ scripts: { 'info.php': PHP_INFO }, statusPath: '/status', pm: 'static', maxChildren: 2 });
  });
  afterAll(async () => {
    await fpm?.stop();
  });

  it('runs a PHP script as www-data on a Unix socket owned by www-data 0660', async () => {
    expect(fpm.endpoint.kind).toBe('unix');
    const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    const st = statSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.uid).toBe(33);
    const res = await cgiFcgi(fpm.endpoint, { scriptFilename: `${fpm.docRoot}/info.php` });
    expect(res.status).toBe(200);
    expect(res.headers['x-powered-by-test']).toBe('harness');
    expect(res.body).toContain('uid=33');
    expect(res.body).toContain(`script=${fpm.docRoot}/info.php`);
  });

  it('answers ping and status, and reports an unknown script', async () => {
    const ping = await cgiFcgi(fpm.endpoint, { scriptFilename: '/ping', scriptName: '/ping' });
    expect(ping.body).toBe('pong');
    const status = await cgiFcgi(fpm.endpoint, { scriptFilename: '/status', scriptName: '/status' });
    expect(status.body).toMatch(/pool:\s+www/);
    expect(status.body).toMatch(/process manager:\s+static/);
    const missing = await cgiFcgi(fpm.endpoint, { scriptFilename: `${fpm.docRoot}/nope.php` });
    expect(missing.status).toBe(404);
    expect(missing.stderr + fpm.errorLog()).toMatch(/Primary script unknown/);
  });

  it('writes the private configuration it was asked for', () => {
    expect(fpm.confPath.startsWith(fpm.dir)).toBe(true);
    expect(existsSync(fpm.poolConfPath)).toBe(true);
    expect(fpm.pid).toBeGreaterThan(1);
  });

  it('serves several pools, on TCP and on a root-owned 0660 socket, and stops cleanly', async () => {
    const multi = await startPhpFpm({
      scripts: { 'info.php': PHP_INFO },
      pools: [
        { name: 'tcp', listen: { kind: 'tcp' }, pm: 'dynamic', maxChildren: 3 },
        {
          name: 'rootsock',
          listenOwner: null,
          listenGroup: null,
          listenMode: '0660',
          limitExtensions: ['.php', '.inc'],
        },
      ],
    });
    try {
      const [tcp, rootsock] = multi.pools;
      expect(tcp?.endpoint.kind).toBe('tcp');
      if (!tcp || !rootsock || rootsock.endpoint.kind !== 'unix') throw new Error('pools missing');
      const res = await cgiFcgi(tcp.endpoint, { scriptFilename: `${multi.docRoot}/info.php` });
      expect(res.body).toContain('uid=33');
      const st = statSync(rootsock.endpoint.path);
      expect([st.uid, st.gid, st.mode & 0o777]).toEqual([0, 0, 0o660]);
      // root may still connect: the permission problem is for www-data (see the Apache test).
      expect((await cgiFcgi(rootsock.endpoint, { scriptFilename: '/ping', scriptName: '/ping' })).body).toBe('pong');
    } finally {
      await multi.stop();
    }
    await expectGone(multi.pid, multi.dir);
  });
});

describe.skipIf(!haveUwsgi)(`uwsgi harness${why(BINARIES.cgiFcgi, BINARIES.uwsgi, BINARIES.uwsgiPython3)}`, () => {
  const servers: UwsgiServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("runs the seed's hello world on a Unix socket", async () => {
    const s = await startUwsgi({ app: 'hello' });
    servers.push(s);
    const res = await cgiFcgi(s.endpoint, { scriptFilename: '/app.py' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.body).toContain('<h1>Hello world!</h1>');
  });

  it('echoes the environ as JSON over TCP, with the POST body length', async () => {
    const s = await startUwsgi({ app: 'echo', listen: { kind: 'tcp' } });
    servers.push(s);
    expect(s.endpoint.kind).toBe('tcp');
    const res = await cgiFcgi(s.endpoint, {
      scriptFilename: '/echo',
      method: 'POST',
      body: 'hello=world',
      queryString: 'a=1',
    });
    const env = JSON.parse(res.body) as Record<string, string>;
    expect(env['REQUEST_METHOD']).toBe('POST');
    expect(env['QUERY_STRING']).toBe('a=1');
    expect(env['BODY_LENGTH']).toBe('11');
  });

  it('returns N bytes and reports the request body length', async () => {
    const s = await startUwsgi({ app: 'bytes', bodyBytes: 10, processes: 2 });
    servers.push(s);
    const small = await cgiFcgi(s.endpoint, { scriptFilename: '/bytes' });
    expect(small.bodyBytes.length).toBe(10);
    const big = await cgiFcgi(s.endpoint, {
      scriptFilename: '/bytes',
      queryString: 'n=300000',
      method: 'POST',
      body: 'x'.repeat(5000),
    });
    expect(big.bodyBytes.length).toBe(300_000);
    expect(big.headers['x-body-length']).toBe('5000');
  });

  it('stops: no process and no temp dir left', async () => {
    const s = await startUwsgi({});
    await s.stop();
    await expectGone(s.pid, s.dir);
  });
});

describe.skipIf(!haveFcgiwrap)(`fcgiwrap harness${why(BINARIES.cgiFcgi, BINARIES.fcgiwrap)}`, () => {
  let fw: FcgiwrapServer;
  beforeAll(async () => {
    fw = await startFcgiwrap({ scripts: { 'env.sh': CGI_ENV_SCRIPT, 'hello.pl': CGI_HELLO_PERL }, socketMode: 0o660 });
  });
  afterAll(async () => {
    await fw?.stop();
  });

  it('runs a shell CGI script as www-data with the request body', async () => {
    const res = await cgiFcgi(fw.endpoint, { scriptFilename: fw.scripts['env.sh'], method: 'POST', body: 'abc' });
    expect(res.status).toBe(200);
    expect(res.headers['x-body-length']).toBe('3');
    expect(res.body).toContain('REQUEST_METHOD=POST');
    expect(statSync(fw.endpoint.path).uid).toBe(33);
  });

  it('runs a Perl CGI script', async () => {
    const res = await cgiFcgi(fw.endpoint, { scriptFilename: fw.scripts['hello.pl'] });
    expect(res.body).toBe('Hello from perl CGI\n');
  });

  it('answers 403 for a missing script and says why in its own log', async () => {
    // fcgiwrap 1.1.0 does not answer 404: a missing or non-executable script is
    // "403 Forbidden", with the reason on fcgiwrap's stderr (not FCGI_STDERR, without -f).
    const res = await cgiFcgi(fw.endpoint, { scriptFilename: `${fw.scriptDir}/missing.sh` });
    expect(res.status).toBe(403);
    await waitFor(() => fw.log().includes('Cannot get script name'), { what: "fcgiwrap's complaint", timeoutMs: 5000 });
  });
});

describe.skipIf(!havePerlFcgi)(`perl FCGI harness${why(BINARIES.cgiFcgi, BINARIES.spawnFcgi)}`, () => {
  let app: PerlFcgiServer;
  beforeAll(async () => {
    app = await startPerlFcgi();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('echoes params, body length, status and stderr', async () => {
    const res = await cgiFcgi(app.endpoint, {
      scriptFilename: '/echo',
      method: 'POST',
      body: 'hello',
      queryString: 'status=418&stderr=oops',
    });
    expect(res.status).toBe(418);
    expect(res.stderr).toContain('oops');
    const env = JSON.parse(res.body) as Record<string, unknown>;
    expect(env['BODY_LENGTH']).toBe(5);
    expect(env['REQUEST_METHOD']).toBe('POST');
    expect(env['PID']).toBe(app.pid);
    const st = statSync(app.endpoint.path);
    expect([st.uid, st.mode & 0o777]).toEqual([33, 0o660]);
  });
});

describe.skipIf(!haveApache || !haveFpm || !havePerlModule)(
  `apache harness${why(BINARIES.apache, BINARIES.modProxyFcgi, BINARIES.modFcgid, BINARIES.phpFpm, BINARIES.cgiFcgi)}`,
  () => {
    let fpm: PhpFpmServer;
    let rootFpm: PhpFpmServer;
    let apache: ApacheServer;
    beforeAll(async () => {
      fpm = await startPhpFpm({ scripts: { 'info.php': PHP_INFO } });
      rootFpm = await startPhpFpm({ scripts: { 'info.php': PHP_INFO }, listenOwner: null, listenGroup: null });
      const sock = (s: PhpFpmServer) => (s.endpoint.kind === 'unix' ? s.endpoint.path : '');
      apache = await startApache({
        modules: ['proxy_fcgi', 'fcgid'],
        files: { 'index.html': 'static ok\n', 'fcgid/echo.fcgi': { content: PERL_ECHO_APP, mode: 0o755 } },
        config: ({ docRoot }) => `
# PHP through mod_proxy_fcgi: the scripts live in the PHP-FPM harness's document root.
Alias /php/ "${fpm.docRoot}/"
<Directory "${fpm.docRoot}">
    Require all granted
    <FilesMatch \\.php$>
        SetHandler "proxy:unix:${sock(fpm)}|fcgi://localhost"
    </FilesMatch>
</Directory>
# The same, to a socket that only root may use (root:root 0660): a permission problem.
Alias /rootphp/ "${rootFpm.docRoot}/"
<Directory "${rootFpm.docRoot}">
    Require all granted
    <FilesMatch \\.php$>
        SetHandler "proxy:unix:${sock(rootFpm)}|fcgi://localhost"
    </FilesMatch>
</Directory>
# A Perl FCGI script run by mod_fcgid.
<Directory "${docRoot}/fcgid">
    Options +ExecCGI
    AddHandler fcgid-script .fcgi
</Directory>
`,
      });
    });
    afterAll(async () => {
      await apache?.stop();
      await fpm?.stop();
      await rootFpm?.stop();
    });

    it('serves a static file from its private ServerRoot', async () => {
      const res = await apache.http('/index.html');
      expect(res.status).toBe(200);
      expect(res.body).toBe('static ok\n');
      expect(apache.confPath.startsWith(apache.serverRoot)).toBe(true);
    });

    it('runs a PHP script through mod_proxy_fcgi and the PHP-FPM harness', async () => {
      const res = await apache.http('/php/info.php');
      expect(res.status).toBe(200);
      expect(res.headers['x-powered-by-test']).toBe('harness');
      expect(res.body).toContain(`script=${fpm.docRoot}/info.php`);
      expect(res.body).toContain('uid=33');
    });

    it('fails with 503 and "Permission denied" when the FPM socket is root:root 0660', async () => {
      const res = await apache.http('/rootphp/info.php');
      expect(res.status).toBe(503);
      await waitFor(() => /Permission denied.*AH02454|AH02454.*Permission denied/s.test(apache.errorLog()), {
        what: 'the permission error in the Apache error log',
        timeoutMs: 5000,
      });
    });

    it('runs a Perl FCGI script under mod_fcgid', async () => {
      const res = await apache.http('/fcgid/echo.fcgi?x=1', { method: 'POST', body: 'abcd' });
      expect(res.status).toBe(200);
      const env = JSON.parse(res.body) as Record<string, unknown>;
      expect(env['BODY_LENGTH']).toBe(4);
      expect(env['QUERY_STRING']).toBe('x=1');
      expect(env['SCRIPT_FILENAME']).toBe(`${apache.docRoot}/fcgid/echo.fcgi`);
    });

    it('checks a configuration with apache2 -t without starting it', async () => {
      const good = await testApacheConfig({ modules: ['proxy_fcgi'] });
      expect(good.ok).toBe(true);
      const bad = await testApacheConfig({
        config: 'SetHandler "proxy:unix:/x.sock|fcgi://localhost"\nFcgidNoSuchThing 1\n',
      });
      expect(bad.ok).toBe(false);
      expect(bad.output).toMatch(/Invalid command 'FcgidNoSuchThing'/);
      expect(existsSync(bad.confPath)).toBe(false);
    });

    it('stops Apache with its mod_fcgid children and removes the ServerRoot', async () => {
      const extra = await startApache({
        modules: ['fcgid'],
        files: { 'e.fcgi': { content: PERL_ECHO_APP, mode: 0o755 } },
        config: ({ docRoot }) =>
          `<Directory "${docRoot}">\n    Options +ExecCGI\n    AddHandler fcgid-script .fcgi\n</Directory>\n`,
      });
      expect((await extra.http('/e.fcgi')).status).toBe(200);
      await extra.stop();
      await expectGone(extra.pid, extra.serverRoot);
    });
  },
);

describe('bare sockets', () => {
  it('listens on a root:root 0660 socket, and leaves a stale one that refuses connections', async () => {
    const dir = makeTempDir('sockets');
    try {
      const live = await listenUnixSocket(dir.join('live.sock'));
      const st = statSync(live.path);
      expect([st.uid, st.gid, st.mode & 0o777]).toEqual([0, 0, 0o660]);
      expect(await canConnect({ kind: 'unix', path: live.path })).toBe(true);
      await live.close();
      const stale = makeStaleSocket(dir.join('stale.sock'));
      expect(statSync(stale).isSocket()).toBe(true);
      expect(await canConnect({ kind: 'unix', path: stale })).toBe(false);
    } finally {
      dir.remove();
    }
  });
});

describe('requireBinary', () => {
  it('returns false for a missing binary outside CI, and throws naming the package on CI', () => {
    const saved = process.env.CI;
    try {
      delete process.env.CI;
      expect(requireBinary('nothing', '/nonexistent/bin/nothing', 'pkg-nothing')).toBe(false);
      process.env.CI = 'true';
      expect(() => requireBinary('nothing', '/nonexistent/bin/nothing', 'pkg-nothing')).toThrow(/pkg-nothing/);
      expect(requireBinary('sh', '/bin/sh')).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});
