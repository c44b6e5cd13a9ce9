/**
 * `fcgi-doctor trace` through a real nginx (issue 17 §2): nginx under a
 * private prefix, PHP-FPM behind Debian's snippets/fastcgi-php.conf, and
 * `fcgi-doctor serve` (an app that echoes its params). The trace's route,
 * params and answer are compared with what nginx itself did for the same URL.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../client/support.js';
import { errorsText, outputValidator } from '../report/support.js';
import { NGINX_BINARY, startNginx, type NginxServer } from './harness/nginx.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { startServeApp, type ServeAppServer } from './harness/serveApp.js';

const ready = requireBuiltCli() && hasBinary(BINARIES.nginx) && hasBinary(BINARIES.phpFpm);

const INDEX = `<?php
header('Content-Type: text/plain');
echo 'PATH_INFO=', $_SERVER['PATH_INFO'] ?? '', ' y=', $_GET['y'] ?? '', "\\n";
`;

describe.skipIf(!ready)('trace through a real nginx', () => {
  let fpm: PhpFpmServer;
  let app: ServeAppServer;
  let nginx: NginxServer;
  const validate = outputValidator();

  beforeAll(async () => {
    fpm = await startPhpFpm({ scripts: { 'index.php': INDEX } });
    app = await startServeApp();
    const fpmSock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    nginx = await startNginx({
      http: (ctx) => `
    server {
        listen 127.0.0.1:${ctx.port};
        server_name site;
        root ${fpm.docRoot};
        index index.php;
        location / {
            try_files $uri $uri/ =404;
        }
        location ~ [^/]\\.php(/|$) {
            include snippets/fastcgi-php.conf;
            fastcgi_pass unix:${fpmSock};
        }
    }
    server {
        listen 127.0.0.1:${ctx.port};
        server_name echo;
        root ${app.dir};
        location / {
            include fastcgi.conf;
            fastcgi_pass unix:${app.endpoint.path};
        }
    }
    server {
        listen 127.0.0.1:${ctx.port};
        server_name broken;
        root ${fpm.docRoot};
        location ~ \\.php$ {
            include fastcgi_params;
            fastcgi_pass unix:${fpmSock};
        }
    }`,
    });
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await app?.stop();
    await fpm?.stop();
  });

  const trace = (url: string, ...args: string[]) =>
    execa(process.execPath, [BIN, 'trace', url, '--server', 'nginx', '--root', nginx.confPath, '--no-color', ...args], {
      reject: false,
      timeout: 30_000,
    });
  /** What nginx itself answers a browser for the same URL. */
  const viaNginx = (host: string, path: string) =>
    // node:http, not fetch: fetch does not let a request name its Host.
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port: nginx.port, path, headers: { host, connection: 'close' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('nginx did not answer')));
    });

  it('PHP-FPM behind snippets/fastcgi-php.conf: the route with file:line, the params, the answer nginx gave', async () => {
    const url = `http://site:${nginx.port}/index.php/x?y=1`;
    const r = await trace(url);
    const seen = await viaNginx('site', '/index.php/x?y=1');
    expect(seen).toMatchObject({ status: 200, body: 'PATH_INFO=/x y=1\n' });
    expect(r.exitCode, r.stderr).toBe(0);
    const conf = nginx.confPath;
    expect(r.stdout).toContain(`server ${conf}:`);
    expect(r.stdout).toMatch(new RegExp(`location +${conf.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+`));
    // The snippet's lines are named where they are, in the file nginx includes.
    expect(r.stdout).toMatch(/snippets\/fastcgi-php\.conf:\d+/);
    expect(r.stdout).toContain(`SCRIPT_FILENAME = ${fpm.docRoot}/index.php`);
    expect(r.stdout).toContain('PATH_INFO = /x');
    expect(r.stdout).toContain('QUERY_STRING = y=1');
    expect(r.stdout).toContain('PATH_INFO=/x y=1');
    expect(r.stdout).toContain('A browser would see 200 OK');
  });

  it('the params the echo app receives through nginx are the ones trace sends', async () => {
    const path = '/app/run.php?y=1&format=json';
    // Both send the Host a browser sends and "Connection: close", nothing else: the same request.
    const r = await trace(`http://echo:${nginx.port}${path}`, '--format', 'json', '--header', 'Connection=close');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      trace: { backend: { params: Record<string, string>; unknown?: string[] } };
      response: { body: string };
    };
    expect(validate(doc), errorsText(validate.errors)).toBe(true);
    const seen = await viaNginx(`echo:${nginx.port}`, path);
    expect(seen.status).toBe(200);
    const received = (JSON.parse(seen.body) as { params: Record<string, string> }).params;
    const predicted = doc.trace.backend.params;
    // The addresses and the client's port are the connection's: trace says it cannot know them.
    const unknown = ['REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_ADDR'];
    for (const name of unknown) expect(doc.trace.backend.unknown?.join(' ')).toContain(name);
    const known = (name: string) => !unknown.includes(name);
    const pick = (p: Record<string, string>) => Object.fromEntries(Object.entries(p).filter(([n]) => known(n)));
    expect(Object.keys(pick(predicted)).sort(), JSON.stringify({ predicted, received })).toEqual(
      Object.keys(pick(received)).sort(),
    );
    expect(pick(predicted)).toEqual(pick(received));
    expect(predicted.SCRIPT_FILENAME).toBe(`${app.dir}/app/run.php`);
  });

  it('--offline: the route only, no request', async () => {
    const r = await trace(`http://site:${nginx.port}/index.php/x?y=1`, '--offline');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('--offline: no request sent');
    expect(r.stdout).not.toContain('The backend answered');
  });

  it('--format json: valid against the schema, the trace member is the route, browser is what nginx sent', async () => {
    const r = await trace(`http://site:${nginx.port}/index.php/x?y=1`, '--format', 'json');
    const doc = JSON.parse(r.stdout) as {
      trace: { outcome: string; backend: { module: string } };
      browser: { status: number };
    };
    expect(validate(doc), errorsText(validate.errors)).toBe(true);
    expect(doc.trace).toMatchObject({ outcome: 'fastcgi', backend: { module: 'nginx' } });
    expect((doc as { server?: string }).server).toBe('nginx');
    expect(doc.browser.status).toBe((await viaNginx('site', '/index.php/x?y=1')).status);
  });

  it('a configuration nginx refuses: nginx-config-error at the file and line nginx -t names', async () => {
    const broken = `${nginx.confPath.replace(/\.conf$/, '')}-broken.conf`;
    writeFileSync(
      broken,
      readFileSync(nginx.confPath, 'utf8').replace(
        'server_name broken;',
        'server_name broken;\n        fastcgi_pas unix:/x.sock;',
      ),
    );
    try {
      const t = spawnSync(NGINX_BINARY, ['-t', '-c', broken, '-p', nginx.prefix], { encoding: 'utf8' });
      const m = /\[emerg\] (?:\d+#\d+: )?(.*) in (\S+):(\d+)/.exec(t.stderr);
      expect(m, t.stderr).not.toBeNull();
      const r = await execa(
        process.execPath,
        [
          BIN,
          'trace',
          `http://broken:${nginx.port}/index.php`,
          '--server',
          'nginx',
          '--root',
          broken,
          '--offline',
          '--format',
          'json',
        ],
        { reject: false },
      );
      expect(r.exitCode).toBe(1);
      const doc = JSON.parse(r.stdout) as {
        findings: Array<{ id: string; severity: string; message: string; location?: { file: string; line?: number } }>;
      };
      const f = doc.findings.find((x) => x.id === 'nginx-config-error');
      expect(f).toMatchObject({ severity: 'error', location: { file: m?.[2], line: Number(m?.[3]) } });
      expect(f?.message).toContain(m?.[1] ?? '?');
    } finally {
      rmSync(broken, { force: true });
    }
  });

  it("Debian's fastcgi_params alone: fastcgi-param-missing, and PHP-FPM's 404 as nginx sends it", async () => {
    const r = await trace(`http://broken:${nginx.port}/index.php`, '--format', 'json');
    const doc = JSON.parse(r.stdout) as {
      findings: Array<{ id: string; location?: { file: string; line?: number } }>;
      browser: { status: number };
      response: { status: number; body: string; stderr: string };
    };
    expect(validate(doc), errorsText(validate.errors)).toBe(true);
    expect(r.exitCode).toBe(1);
    const ids = doc.findings.map((f) => f.id);
    expect(ids).toContain('fastcgi-param-missing');
    // FPM's answer is the missing param's effect, said as its evidence, not a second finding with ping's fix.
    expect(ids).not.toContain('primary-script-unknown');
    expect(doc.findings.find((f) => f.id === 'fastcgi-param-missing')?.location?.file).toBe(nginx.confPath);
    const seen = await viaNginx('broken', '/index.php');
    expect(seen.status).toBe(404);
    expect(doc.browser.status).toBe(404);
    expect(doc.response.body).toContain('File not found.');
    // PHP-FPM says it on the request's FCGI_STDERR: to us, and to nginx, which logs it.
    expect(doc.response.stderr).toContain('Primary script unknown');
    expect(nginx.errorLog()).toContain('FastCGI sent in stderr: "Primary script unknown"');
    const text = await trace(`http://broken:${nginx.port}/index.php`);
    expect(text.stdout).toContain('fastcgi-param-missing');
    expect(text.stdout).toContain('A browser would see 404 Not Found');
  });
});
