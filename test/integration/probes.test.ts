/**
 * runProbes on real servers: Apache (root master, www-data children) with a
 * vhost file included from its private configuration, in front of PHP-FPM,
 * uWSGI, a libfcgi-perl app, mod_fcgid scripts, or bare sockets broken on
 * purpose. The configuration is read by analyzeConfig as the CLI would, the
 * machine through liveSystem(). Missing servers skip locally, fail on CI.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeStrict as analyzeConfig, assertRanClean } from '../checks/strict.js';
import { runProbes, type ProbeResult } from '../../src/checks/probes/index.js';
import type { Finding } from '../../src/findings/finding.js';
import { liveSystem } from '../../src/system/index.js';
import { startApache, type ApacheServer, type StartApacheOptions } from './harness/apache.js';
import { PERL_ECHO_APP, startPerlFcgi } from './harness/perlFcgi.js';
import { startPhpFpm } from './harness/phpFpm.js';
import { BINARIES, requireBinary, requirePerlModule } from './harness/requireServer.js';
import { listenUnixSocket, makeStaleSocket } from './harness/sockets.js';
import { makeTempDir } from './harness/tempdir.js';
import { startUwsgi } from './harness/uwsgi.js';

const has = (b: { name: string; path: string; pkg: string }) => requireBinary(b.name, b.path, b.pkg);
const haveApache = has(BINARIES.apache) && has(BINARIES.modProxyFcgi) && has(BINARIES.modFcgid);
const haveFpm = haveApache && has(BINARIES.phpFpm);
const haveUwsgi = haveApache && has(BINARIES.uwsgi) && has(BINARIES.uwsgiPython3);
const havePerl = haveApache && has(BINARIES.spawnFcgi) && requirePerlModule('FCGI', 'libfcgi-perl');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Scenario {
  apache: ApacheServer;
  vhostPath: string;
  result: ProbeResult;
  configFindings: Finding[];
}

/** Starts Apache with `vhost` in its own file (Include'd), then probes it the way `check` does. */
async function probeScenario(
  opts: StartApacheOptions & { vhost: (ctx: { docRoot: string; extraDir: string }) => string; fpmConfigs?: string[] },
): Promise<Scenario> {
  let vhostPath = '';
  const apache = await startApache({
    ...opts,
    config: (ctx) => {
      vhostPath = `${ctx.extraDir}/site.conf`;
      writeFileSync(vhostPath, opts.vhost(ctx));
      return `Include ${vhostPath}\n`;
    },
  });
  cleanups.push(() => apache.stop());
  const { model, findings } = analyzeConfig({ root: apache.confPath, target: vhostPath, env: {} });
  const result = await runProbes(model, liveSystem(opts.fpmConfigs ? { fpmConfigs: opts.fpmConfigs } : {}), {
    configFindings: findings,
  });
  assertRanClean(result);
  return { apache, vhostPath, result, configFindings: findings };
}

const errors = (r: ProbeResult) => r.findings.filter((f) => f.severity === 'error');
const byId = (r: ProbeResult, id: string) => r.findings.filter((f) => f.id === id);
function one(r: ProbeResult, id: string): Finding {
  const list = byId(r, id);
  expect(list, `${id} in ${JSON.stringify(r.findings.map((f) => f.id))}`).toHaveLength(1);
  return list[0] as Finding;
}
function probeText(f: Finding): string {
  return f.evidence
    .filter((e) => e.kind === 'probe')
    .map((e) => e.text)
    .join('\n');
}
function expectLocated(f: Finding, file: string): void {
  expect(f.location?.file).toBe(file);
  expect(f.location?.line).toBeGreaterThan(0);
  expect(f.evidence.some((e) => e.kind === 'probe')).toBe(true);
}
const proxyTo = (sock: string, docRoot: string) => `<Directory "${docRoot}">
  <FilesMatch "\\.php$">
    SetHandler "proxy:unix:${sock}|fcgi://localhost"
  </FilesMatch>
</Directory>
`;

describe.skipIf(!haveFpm)('probes: PHP-FPM behind mod_proxy_fcgi', () => {
  it('a healthy pool (www-data 0660 socket) gives no error finding', async () => {
    const fpm = await startPhpFpm({ scripts: { 'index.php': '<?php echo "ok";' } });
    cleanups.push(() => fpm.stop());
    const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    const s = await probeScenario({ modules: ['proxy_fcgi'], vhost: (c) => proxyTo(sock, c.docRoot) });
    expect(errors(s.result)).toEqual([]);
    expect(byId(s.result, 'user-mismatch')).toEqual([]);
  });

  it('a socket left root:root 0660 is socket-permission-denied, with the pool settings that fix it', async () => {
    const fpm = await startPhpFpm({ listenOwner: null, listenGroup: null, listenMode: null });
    cleanups.push(() => fpm.stop());
    const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    const s = await probeScenario({ modules: ['proxy_fcgi'], vhost: (c) => proxyTo(sock, c.docRoot) });
    const f = one(s.result, 'socket-permission-denied');
    expectLocated(f, s.vhostPath);
    expect(f.message).toContain('www-data');
    expect(f.message).toContain('write (w)');
    expect(f.message).toContain('"other" bits');
    expect(probeText(f)).toMatch(/srw-rw---- root:root \(0660\)/);
    // The pool is found from the running master's command line, without being told.
    expect(f.fix).toContain('listen.owner = www-data');
    expect(f.fix).toContain('listen.mode = 0660');
    expect(f.fix).toContain(fpm.poolConfPath);
  });

  it('a pool that is not running: socket-missing says which pool should listen there', async () => {
    const tmp = makeTempDir('probes-fpm-stopped');
    cleanups.push(() => tmp.remove());
    const sock = tmp.join('run', 'www.sock');
    mkdirSync(tmp.join('run'));
    mkdirSync(tmp.join('pool.d'));
    const pool = tmp.join('pool.d', 'www.conf');
    writeFileSync(
      pool,
      `[www]\nuser = www-data\ngroup = www-data\nlisten = ${tmp.join('run')}/$pool.sock\nlisten.owner = www-data\nlisten.group = www-data\npm = static\npm.max_children = 2\n`,
    );
    const conf = tmp.join('php-fpm.conf');
    writeFileSync(conf, `[global]\npid = ${tmp.join('run', 'fpm.pid')}\ninclude = ${tmp.join('pool.d')}/*.conf\n`);
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      vhost: (c) => proxyTo(sock, c.docRoot),
      fpmConfigs: [conf],
    });
    const f = one(s.result, 'socket-missing');
    expectLocated(f, s.vhostPath);
    expect(f.message).toContain('pool [www]');
    expect(f.message).toContain('PHP-FPM is not running');
    expect(probeText(f)).toContain(`${sock}: no such file`);
  });

  it('FPM on TCP while the vhost names its socket: socket-missing pointing at the TCP pool', async () => {
    const fpm = await startPhpFpm({ listen: { kind: 'tcp' } });
    cleanups.push(() => fpm.stop());
    const port = fpm.endpoint.kind === 'tcp' ? fpm.endpoint.port : 0;
    const sock = `${fpm.dir}/run/www.sock`;
    const s = await probeScenario({ modules: ['proxy_fcgi'], vhost: (c) => proxyTo(sock, c.docRoot) });
    const f = one(s.result, 'socket-missing');
    expect(f.message).toContain('TCP port');
    expect(f.fix).toContain(`proxy:fcgi://127.0.0.1:${port}`);
  });

  it('a backend on 0.0.0.0 reached on 127.0.0.1 is backend-exposed (a warning), and nothing else', async () => {
    const fpm = await startPhpFpm({ listen: { kind: 'tcp', host: '0.0.0.0' } });
    cleanups.push(() => fpm.stop());
    const port = fpm.endpoint.kind === 'tcp' ? fpm.endpoint.port : 0;
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      vhost: (c) =>
        `<Directory "${c.docRoot}">\n  <FilesMatch "\\.php$">\n    SetHandler "proxy:fcgi://127.0.0.1:${port}"\n  </FilesMatch>\n</Directory>\n`,
    });
    const f = one(s.result, 'backend-exposed');
    expect(f.severity).toBe('warning');
    expectLocated(f, s.vhostPath);
    expect(probeText(f)).toContain(`0.0.0.0:${port}`);
    expect(probeText(f)).toContain('php-fpm: master process');
    expect(errors(s.result)).toEqual([]);
  });

  it('nobody on the TCP port is backend-unreachable', async () => {
    const fpm = await startPhpFpm({ listen: { kind: 'tcp' } });
    const port = fpm.endpoint.kind === 'tcp' ? fpm.endpoint.port : 0;
    await fpm.stop();
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      vhost: (c) =>
        `<Directory "${c.docRoot}">\n  <FilesMatch "\\.php$">\n    SetHandler "proxy:fcgi://127.0.0.1:${port}"\n  </FilesMatch>\n</Directory>\n`,
    });
    const f = one(s.result, 'backend-unreachable');
    expect(probeText(f)).toContain(`no listener on port ${port}`);
  });
});

describe.skipIf(!havePerl)('probes: external socket apps', () => {
  it('a healthy libfcgi-perl app on a www-data socket gives no error finding', async () => {
    const app = await startPerlFcgi();
    cleanups.push(() => app.stop());
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      vhost: () => `ProxyPass /app "unix:${app.endpoint.path}|fcgi://localhost/"\n`,
    });
    expect(errors(s.result)).toEqual([]);
    expect(s.result.findings).toEqual([]);
  });

  it('the socket of a killed app is socket-stale', async () => {
    const app = await startPerlFcgi();
    cleanups.push(() => app.stop());
    process.kill(app.pid, 'SIGKILL');
    await app.process.exitPromise;
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      vhost: () => `ProxyPass /app "unix:${app.endpoint.path}|fcgi://localhost/"\n`,
    });
    const f = one(s.result, 'socket-stale');
    expectLocated(f, s.vhostPath);
    expect(probeText(f)).toContain(`no listening socket is bound to ${app.endpoint.path}`);
    expect(probeText(f)).toContain('ECONNREFUSED');
    expect(f.fix).toContain(`rm ${app.endpoint.path}`);
  });

  it('a bare stale socket file (makeStaleSocket) is socket-stale too', async () => {
    const tmp = makeTempDir('probes-stale');
    cleanups.push(() => tmp.remove());
    const sock = makeStaleSocket(tmp.join('app.sock'), 0o666);
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      vhost: () => `ProxyPass /app "unix:${sock}|fcgi://localhost/"\n`,
    });
    one(s.result, 'socket-stale');
  });

  it('a regular file where the socket should be is socket-not-socket', async () => {
    const tmp = makeTempDir('probes-notsock');
    cleanups.push(() => tmp.remove());
    const p = tmp.join('app.sock');
    writeFileSync(p, '');
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      vhost: () => `ProxyPass /app "unix:${p}|fcgi://localhost/"\n`,
    });
    one(s.result, 'socket-not-socket');
  });
});

describe.skipIf(!haveUwsgi)('probes: uWSGI', () => {
  it('a socket path typo is socket-missing with the live uWSGI socket suggested', async () => {
    const uwsgi = await startUwsgi();
    cleanups.push(() => uwsgi.stop());
    const real = uwsgi.endpoint.kind === 'unix' ? uwsgi.endpoint.path : '';
    const typo = real.replace(/\.sock$/, '.socket');
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      vhost: () => `ProxyPass /app "unix:${typo}|fcgi://localhost/"\n`,
    });
    const f = one(s.result, 'socket-missing');
    expectLocated(f, s.vhostPath);
    expect(f.message).toContain(real);
    expect(f.message).toContain('uwsgi');
    expect(f.fix).toContain(real);
  });
});

const fcgidVhost = (docRoot: string, extra = '') => `<Directory "${docRoot}">
  Options +ExecCGI
  AddHandler fcgid-script .fcgi
${extra}</Directory>
`;

describe.skipIf(!havePerl)('probes: mod_fcgid scripts', () => {
  it('a healthy perl FastCGI script gives no error finding (and Apache runs it)', async () => {
    const s = await probeScenario({
      modules: ['fcgid'],
      files: { 'app.fcgi': { content: PERL_ECHO_APP, mode: 0o755 } },
      vhost: (c) => fcgidVhost(c.docRoot),
    });
    expect(errors(s.result)).toEqual([]);
    const res = await s.apache.http('/app.fcgi');
    expect(res.status).toBe(200);
  });

  it('#!/usr/bin/python (absent) is shebang-interpreter-missing with /usr/bin/python3 suggested', async () => {
    const s = await probeScenario({
      modules: ['fcgid'],
      files: { 'app.fcgi': { content: '#!/usr/bin/python\nprint("x")\n', mode: 0o755 } },
      vhost: (c) => fcgidVhost(c.docRoot),
    });
    const f = one(s.result, 'shebang-interpreter-missing');
    expectLocated(f, s.vhostPath);
    expect(f.message).toContain('/usr/bin/python does not exist');
    expect(f.fix).toContain('#!/usr/bin/python3');
  });

  it('a CRLF shebang is shebang-crlf, not a missing interpreter', async () => {
    const s = await probeScenario({
      modules: ['fcgid'],
      files: { 'app.fcgi': { content: PERL_ECHO_APP.replace(/\n/g, '\r\n'), mode: 0o755 } },
      vhost: (c) => fcgidVhost(c.docRoot),
    });
    one(s.result, 'shebang-crlf');
    expect(byId(s.result, 'shebang-interpreter-missing')).toEqual([]);
  });

  it('a non-executable script is script-not-executable for www-data', async () => {
    const s = await probeScenario({
      modules: ['fcgid'],
      files: { 'app.fcgi': { content: PERL_ECHO_APP, mode: 0o754 } },
      vhost: (c) => fcgidVhost(c.docRoot),
    });
    const f = one(s.result, 'script-not-executable');
    expect(f.message).toContain('www-data');
    expect(f.fix).toContain('chmod o+x');
  });

  it('a non-executable FcgidWrapper is script-not-executable', async () => {
    const tmp = makeTempDir('probes-wrapper');
    cleanups.push(() => tmp.remove());
    const wrapper = tmp.join('php-wrapper');
    writeFileSync(wrapper, '#!/bin/sh\nexec /usr/bin/php-cgi\n');
    chmodSync(wrapper, 0o644);
    const s = await probeScenario({
      modules: ['fcgid'],
      vhost: (c) =>
        `<Directory "${c.docRoot}">\n  Options +ExecCGI\n  AddHandler fcgid-script .php\n  FcgidWrapper ${wrapper} .php\n</Directory>\n`,
    });
    const f = one(s.result, 'script-not-executable');
    expect(f.message).toContain(wrapper);
  });
});

describe.skipIf(!haveApache)('probes: Apache itself', () => {
  it('a configuration whose Apache is not running is server-not-running', async () => {
    const tmp = makeTempDir('probes-down');
    cleanups.push(() => tmp.remove());
    const conf = tmp.join('httpd.conf');
    writeFileSync(
      conf,
      `ServerRoot "${tmp.path}"\nPidFile ${tmp.join('httpd.pid')}\nUser www-data\nGroup www-data\nListen 127.0.0.1:1\nLoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so\nLoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so\nProxyPass /x fcgi://127.0.0.1:9/\n`,
    );
    const { model, findings } = analyzeConfig({ root: conf, env: {} });
    const r = await runProbes(model, liveSystem(), { configFindings: findings });
    assertRanClean(r);
    const f = one(r, 'server-not-running');
    expect(f.location?.file).toBe(conf);
    expect(probeText(f)).toContain(`pid file ${tmp.join('httpd.pid')}: not there`);
  });
});

/**
 * Issue 12 item 19, check's side: a socket path longer than the 107 bytes
 * Node passes on whole. The probes reach it through its directory, as ping
 * does, so a live socket is not called stale nor a dead one missed; and since
 * Apache itself cannot connect past 108 bytes (EINVAL), the configuration
 * check says so, at the exact boundary Apache has.
 */
describe.skipIf(!haveApache)('probes: socket paths longer than sun_path (issue 12 item 19, check)', () => {
  /** A path of exactly `bytes` bytes in a fresh temporary directory (www-data may pass through). */
  function longPath(bytes: number, name = 'app.sock'): string {
    const tmp = makeTempDir('probes-long');
    cleanups.push(() => tmp.remove());
    const pad = bytes - tmp.path.length - 2 - name.length;
    expect(pad, 'the temporary directory leaves room for the path').toBeGreaterThan(0);
    const dir = tmp.join('d'.repeat(pad));
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const p = `${dir}/${name}`;
    expect(Buffer.byteLength(p)).toBe(bytes);
    return p;
  }

  /** Listens at `p` (bound through its directory, as bind has the same limit), mode 0666. */
  async function listenLong(p: string) {
    const fd = openSync(dirname(p), 'r');
    try {
      const l = await listenUnixSocket(`/proc/self/fd/${fd}/${basename(p)}`, { mode: 0o666 });
      cleanups.push(() => l.close());
      expect(statSync(p).isSocket()).toBe(true);
      return l;
    } finally {
      closeSync(fd);
    }
  }

  const handlerTo = (p: string) =>
    `<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${p}|fcgi://localhost"\n</FilesMatch>\n`;
  const socketIds = (s: Scenario) => s.result.findings.map((f) => f.id).filter((id) => id.startsWith('socket-'));

  it('a listening socket at a 120-byte path: no socket-stale or socket-missing from the probes; Apache cannot reach it, and the configuration check says why', async () => {
    const p = longPath(120);
    const listener = await listenLong(p);
    const s = await probeScenario({
      modules: ['proxy_fcgi'],
      files: { 'x.php': '<?php echo 1;' },
      vhost: () => handlerTo(p),
    });
    expect(socketIds(s), JSON.stringify(s.result.findings, null, 1)).toEqual([]);
    // What Apache does with it: EINVAL at connect, a 503, and nothing reaches the listener (the probe's connect did).
    const probed = listener.accepted();
    expect(probed).toBe(1);
    const r = await s.apache.http('/x.php');
    expect(r.status).toBe(503);
    expect(s.apache.errorLog()).toContain('(22)Invalid argument: AH02454');
    expect(listener.accepted()).toBe(probed);
    const f = s.configFindings.filter((x) => x.id === 'proxy-url-invalid');
    expect(f.map((x) => [x.severity, x.title, x.location?.file])).toEqual([
      ['error', 'The socket path is too long for Apache to connect to', s.vhostPath],
    ]);
    expect(f[0]?.message).toContain('is 120 bytes long');
  });

  it('a dead socket at a 120-byte path is still socket-stale', async () => {
    const p = longPath(120);
    // Bound through its directory by a process that then dies: the file stays, nobody listens.
    const bind = `const fd = require('fs').openSync(${JSON.stringify(dirname(p))}, 'r'); require('net').createServer().listen('/proc/self/fd/' + fd + '/' + ${JSON.stringify(basename(p))}, () => { require('fs').chmodSync(${JSON.stringify(p)}, 0o666); process.kill(process.pid, 'SIGKILL'); })`;
    spawnSync(process.execPath, ['-e', bind]);
    expect(statSync(p).isSocket()).toBe(true);
    const s = await probeScenario({ modules: ['proxy_fcgi'], vhost: () => handlerTo(p) });
    expect(socketIds(s)).toEqual(['socket-stale']);
    const f = one(s.result, 'socket-stale');
    expect(probeText(f)).toContain(`connect(${p}): ECONNREFUSED`);
    expect(probeText(f)).toContain('/proc/net/unix: not consulted');
  });

  it('Apache reaches a socket at 108 bytes (no proxy-url-invalid) and not at 109 (proxy-url-invalid)', async () => {
    for (const [bytes, reached] of [
      [108, true],
      [109, false],
    ] as const) {
      const p = longPath(bytes);
      const listener = await listenLong(p);
      const s = await probeScenario({
        modules: ['proxy_fcgi'],
        files: { 'x.php': '<?php echo 1;' },
        vhost: () => handlerTo(p),
      });
      expect(socketIds(s), `${bytes} bytes`).toEqual([]);
      const probed = listener.accepted();
      await s.apache.http('/x.php');
      expect(listener.accepted() > probed, `${bytes} bytes: Apache connected`).toBe(reached);
      expect(
        s.configFindings.some((x) => x.id === 'proxy-url-invalid'),
        `${bytes} bytes: proxy-url-invalid`,
      ).toBe(!reached);
      await s.apache.stop();
    }
  });
});
