/**
 * Backends that do not speak FastCGI, for real: uWSGI on a native socket
 * (--socket) next to one on --fastcgi-socket, and an HTTP server (node's
 * http, which answers FastCGI bytes with 400 at once; Apache's own port would
 * not: it waits for a line feed until its Timeout, and the request times
 * out) named as a FastCGI backend. `ping`, `check`'s request step and
 * `trace` (the built bin, as child processes) name the same cause with the
 * same fix.
 */
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoCrashInOutput } from '../checks/strict.js';
import { startApache, type ApacheServer } from './harness/apache.js';
import { endpointToString } from './harness/endpoint.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { startUwsgi, type UwsgiServer } from './harness/uwsgi.js';
import { execFileSync } from 'node:child_process';
import { freePort } from './harness/freePort.js';
import { startProcess, type ServerProcess } from './harness/process.js';
import { requireBinary } from './harness/requireServer.js';
import { makeTempDir, type TempDir } from './harness/tempdir.js';
import { waitForEndpoint } from './harness/waitFor.js';

const haveServers =
  requireBuiltCli() &&
  hasBinary(BINARIES.uwsgi) &&
  hasBinary(BINARIES.uwsgiPython3) &&
  hasBinary(BINARIES.apache) &&
  hasBinary(BINARIES.modProxyFcgi);

interface Finding {
  id: string;
  title: string;
  message: string;
  fix: string;
  evidence: Array<{ kind: string; text: string }>;
}

async function run(args: string[]) {
  const r = await execa(process.execPath, [BIN, ...args, '--format', 'json'], { reject: false, timeout: 60_000 });
  assertNoCrashInOutput(String(r.stdout));
  return { code: r.exitCode, json: JSON.parse(String(r.stdout)) as { findings: Finding[] } };
}

const haveOpenssl = requireBuiltCli() && requireBinary('openssl', '/usr/bin/openssl', 'openssl');

const protocolError = (findings: Finding[]) => findings.filter((f) => f.id === 'backend-protocol-error');

describe.skipIf(!haveServers)('a backend that speaks another protocol', () => {
  let native: UwsgiServer;
  let fastcgi: UwsgiServer;
  let apache: ApacheServer;
  let httpServer: http.Server;
  let httpPort: number;
  const vhosts: Record<string, string> = {};

  beforeAll(async () => {
    native = await startUwsgi({ protocol: 'uwsgi', listen: { kind: 'tcp' } });
    fastcgi = await startUwsgi({ listen: { kind: 'tcp' } });
    const port = (e: UwsgiServer) => (e.endpoint.kind === 'tcp' ? e.endpoint.port : 0);
    httpServer = http.createServer((_req, res) => res.end('an HTTP app\n'));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    httpPort = (httpServer.address() as AddressInfo).port;
    apache = await startApache({
      modules: ['proxy', 'proxy_fcgi'],
      config: (ctx) => {
        const sites: Record<string, number> = { native: port(native), http: httpPort };
        return Object.entries(sites)
          .map(([name, to]) => {
            const file = `${ctx.extraDir}/${name}.conf`;
            vhosts[name] = file;
            writeFileSync(
              file,
              `<VirtualHost *:${ctx.port}>\nServerName ${name}.test\nProxyPass /app/ fcgi://127.0.0.1:${to}/\n</VirtualHost>\n`,
            );
            return `Include ${file}\n`;
          })
          .join('');
      },
    });
  }, 60_000);
  afterAll(async () => {
    await apache?.stop();
    await native?.stop();
    await fastcgi?.stop();
    await new Promise((resolve) => httpServer?.close(resolve));
  });

  describe('uWSGI', () => {
    it('on --fastcgi-socket, ping succeeds (the control)', async () => {
      const r = await run(['ping', endpointToString(fastcgi.endpoint), '--script', fastcgi.appPath]);
      expect(r.code).toBe(0);
    });

    it('on a native --socket, it closes at once without a byte, and logs the modifier it was asked for', async () => {
      const r = await run(['ping', endpointToString(native.endpoint), '--script', native.appPath, '--timeout', '20s']);
      expect(r.code).toBe(1);
      const [f, ...rest] = protocolError(r.json.findings);
      expect(rest).toEqual([]);
      expect(f!.title).toMatch(/uWSGI's own protocol/);
      expect(f!.message).toMatch(
        /uWSGI's native socket \(--socket 127\.0\.0\.1:\d+, the command line; uWSGI pid \d+\)/,
      );
      expect(f!.fix).toMatch(/fastcgi-socket = 127\.0\.0\.1:\d+ \(--fastcgi-socket\)/);
      expect(f!.fix).toMatch(/uwsgi:\/\/127\.0\.0\.1:\d+\/ \(mod_proxy_uwsgi/);
      expect(f!.fix).toMatch(/uwsgi_pass/);
      // What uWSGI itself says of the FastCGI bytes (core/uwsgi.c:unconfigured_hook).
      await expect.poll(() => native.log(), { timeout: 5_000 }).toMatch(/-- unavailable modifier requested: 1 --/);
      // …which `logs` reads as the same cause.
      const logs = await run(['logs', native.logPath]);
      expect(logs.json.findings.map((x) => x.id)).toContain('backend-protocol-error');
    });

    it("check's request step and trace give the same finding", async () => {
      const ping = await run(['ping', endpointToString(native.endpoint), '--timeout', '20s']);
      const check = await run(['check', vhosts.native!, '--root', apache.confPath, '--since', '1h']);
      const trace = await run(['trace', `http://native.test:${apache.port}/app/x`, '--root', apache.confPath]);
      const [p] = protocolError(ping.json.findings);
      for (const other of [check, trace]) {
        const [f] = protocolError(other.json.findings);
        expect(f, JSON.stringify(other.json.findings.map((x) => x.id))).toBeDefined();
        expect(f!.title).toBe(p!.title);
        expect(f!.fix).toBe(p!.fix);
      }
      expect(check.code).toBe(1);
      expect(trace.code).toBe(1);
    });
  });

  describe('HTTP (a node http server named as a FastCGI backend)', () => {
    it('ping: an HTTP server, the 400 it answered, and http:// as the fix', async () => {
      const r = await run(['ping', `127.0.0.1:${httpPort}`, '--timeout', '20s']);
      expect(r.code).toBe(1);
      const [f, ...rest] = protocolError(r.json.findings);
      expect(rest).toEqual([]);
      expect(f!.message).toMatch(/answered with the status line HTTP\/1\.1 400 Bad Request: it is an HTTP server/);
      expect(f!.fix).toMatch(
        new RegExp(`ProxyPass /app/ http://127\\.0\\.0\\.1:${httpPort}/ \\(mod_proxy_http\\) instead of fcgi://`),
      );
      expect(f!.evidence.map((e) => e.text).join('\n')).toMatch(
        /first bytes received: HTTP\/1\.1 400 Bad Request\\r\\n/,
      );
    });

    it("check's request step and trace give the same finding", async () => {
      const check = await run(['check', vhosts.http!, '--root', apache.confPath, '--since', '1h']);
      const trace = await run(['trace', `http://http.test:${apache.port}/app/x`, '--root', apache.confPath]);
      for (const other of [check, trace]) {
        const [f] = protocolError(other.json.findings);
        expect(f, JSON.stringify(other.json.findings.map((x) => x.id))).toBeDefined();
        expect(f!.message).toMatch(/it is an HTTP server, not a FastCGI server/);
        expect(f!.fix).toMatch(/instead of fcgi:\/\//);
      }
    });
  });
});

describe.skipIf(!haveOpenssl)('a TLS server (openssl s_server) named as a FastCGI backend', () => {
  let dir: TempDir;
  let server: ServerProcess;
  let port: number;
  beforeAll(async () => {
    dir = makeTempDir('tls');
    execFileSync(
      '/usr/bin/openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=tls.test',
        '-keyout',
        dir.join('key.pem'),
        '-out',
        dir.join('cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    port = await freePort('127.0.0.1');
    server = startProcess(
      '/usr/bin/openssl',
      [
        's_server',
        '-accept',
        `127.0.0.1:${port}`,
        '-cert',
        dir.join('cert.pem'),
        '-key',
        dir.join('key.pem'),
        '-quiet',
      ],
      { name: 'openssl-s_server', outputPath: dir.join('s_server.log'), cwd: dir.path, ownedPaths: [dir.path] },
    );
    await waitForEndpoint({ kind: 'tcp', host: '127.0.0.1', port }, { process: server, timeoutMs: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    dir?.remove();
  });

  it('OpenSSL closes on FastCGI bytes without an alert; the TLS handshake that follows names it', async () => {
    const r = await run(['ping', `127.0.0.1:${port}`, '--timeout', '20s']);
    expect(r.code).toBe(1);
    const [f, ...rest] = protocolError(r.json.findings);
    expect(rest).toEqual([]);
    expect(f!.title).toMatch(/a TLS server, not FastCGI/);
    expect(f!.message).toMatch(/TLSv1\.[23], a certificate for tls\.test/);
    expect(f!.fix).toMatch(/FastCGI has no TLS/);
    expect(f!.fix).toMatch(new RegExp(`https://127\\.0\\.0\\.1:${port}/`));
  });
});
