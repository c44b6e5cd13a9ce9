/**
 * `fcgi-doctor trace` through main(), in-process, on the fixture vhost
 * fixtures/trace/fpm-site (Debian's PHP-FPM wiring in one vhost): the exit
 * statuses of the contract, the JSON shape, and a live request to the real
 * echo app (`fcgi-doctor serve`) whose answer lists the params it received.
 *
 * The tests under "with the routing model" need src/routing/apache/index.ts
 * and src/routing/url.ts, which another branch of issue 14 provides.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApacheAnswer } from '../../src/checks/request/apacheAnswer.js';
import { main } from '../../src/cli/main.js';
import type { Route } from '../../src/routing/types.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { captureIO, makeTempDir, ROOT, type TempDir } from '../client/support.js';
import { errorsText, outputValidator } from '../report/support.js';

const SITE = join(ROOT, 'fixtures', 'trace', 'fpm-site');
const validate = outputValidator();

async function trace(args: string[], env: Record<string, string> = {}) {
  const io = captureIO();
  io.env = { TRACE_SITE: SITE, ...env };
  const code = await main(['trace', ...args], io);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

const onSite = (url: string, ...more: string[]) => [
  url,
  '--root',
  join(SITE, 'httpd.conf'),
  '--server-root',
  SITE,
  ...more,
];

/** The members of trace's JSON these tests read. */
interface TraceDoc {
  command: string;
  target: string;
  trace: Route;
  response?: { body: string };
  browser?: ApacheAnswer;
  findings: Array<{ id: string }>;
}

function json(stdout: string): TraceDoc {
  const doc = JSON.parse(stdout) as TraceDoc;
  expect(validate(doc), errorsText(validate.errors)).toBe(true);
  return doc;
}

describe('trace: the tool cannot work → exit 2, with a clear message', () => {
  it('a URL that is not a URL', async () => {
    const r = await trace(onSite('not a url at all', '--offline'), { TRACE_SOCKET: '/run/php/x.sock' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fcgi-doctor: cannot trace not a url at all: \S/);
    expect(r.stdout).toBe('');
  });

  it('a URL of 100 KB: exit 2, and the message does not repeat it whole', async () => {
    const url = `http://site.test/${'a'.repeat(100_000)}`;
    const r = await trace(onSite(url, '--offline'), { TRACE_SOCKET: '/run/php/x.sock' });
    expect(r.code).toBeLessThan(3);
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it('an nginx --root without --server is traced through nginx; a missing SCRIPT_FILENAME is a finding in every format', async () => {
    const dir = makeTempDir('trace-nginx-cli');
    try {
      const root = join(dir.path, 'nginx.conf');
      writeFileSync(
        root,
        `events { }\nhttp {\n  server {\n    listen 8080;\n    root ${dir.path};\n    location ~ \\.php$ {\n      fastcgi_param QUERY_STRING $query_string;\n      fastcgi_pass 127.0.0.1:9;\n    }\n  }\n}\n`,
      );
      const args = ['http://site.test:8080/x.php', '--root', root, '--offline'];
      const text = await trace([...args, '--no-color']);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain(`server ${root}:3`);
      expect(text.stdout).toContain('[fastcgi-param-missing]');
      const github = await trace([...args, '--format', 'github']);
      expect(github.code).toBe(1);
      expect(github.stdout).toMatch(
        new RegExp(`::error file=${root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')},line=8.*fastcgi-param-missing`),
      );
      const sarif = await trace([...args, '--format', 'sarif']);
      expect(sarif.code).toBe(1);
      expect(JSON.stringify(JSON.parse(sarif.stdout))).toContain('fastcgi-param-missing');
    } finally {
      dir.remove();
    }
  });

  it('--server nginx --root FILE: the route through that nginx configuration', async () => {
    const dir = makeTempDir('trace-nginx-cli');
    try {
      const root = join(dir.path, 'nginx.conf');
      writeFileSync(
        root,
        `events { }\nhttp {\n  server {\n    listen 8080;\n    root ${dir.path};\n    location ~ \\.php$ {\n      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n      fastcgi_pass 127.0.0.1:9;\n    }\n  }\n}\n`,
      );
      const r = await trace([
        'http://site.test:8080/x.php',
        '--server',
        'nginx',
        '--root',
        root,
        '--offline',
        '--format',
        'json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const doc = json(r.stdout);
      expect(doc.trace.backend).toMatchObject({ module: 'nginx', target: '127.0.0.1:9' });
      expect(doc.trace.backend?.params.SCRIPT_FILENAME).toBe(join(dir.path, 'x.php'));
    } finally {
      dir.remove();
    }
  });

  it('an unknown --server, a --root that does not exist, a malformed --header, --format nagios', async () => {
    expect((await trace(['http://site.test/', '--server', 'lighttpd'])).code).toBe(2);
    const root = await trace(['http://site.test/', '--root', '/nonexistent/httpd.conf']);
    expect(root.code).toBe(2);
    expect(root.stderr).toContain('--root /nonexistent/httpd.conf does not exist');
    expect((await trace(onSite('http://site.test/', '--header', 'novalue'))).code).toBe(2);
    const nagios = await trace(onSite('http://site.test/', '--format', 'nagios'));
    expect(nagios.code).not.toBe(0);
    expect(nagios.stdout + nagios.stderr).toMatch(/--format takes text, json, sarif, github/);
  });

  it('--help lists the options and the exit statuses', async () => {
    const io = captureIO();
    expect(await main(['trace', '--help'], io)).toBe(0);
    for (const o of [
      '--offline',
      '--root',
      '--server-root',
      '--method',
      '--header',
      '--timeout',
      '--server',
      '--format',
    ])
      expect(io.stdoutText).toContain(o);
    expect(io.stdoutText).toContain('Exit status: 0');
  });
});

describe('trace, with the routing model', () => {
  const offline = { TRACE_SOCKET: '/run/php/php8.2-fpm.sock' };

  it('--offline JSON: the route to PHP-FPM with the params Apache sends', async () => {
    const r = await trace(onSite('http://site.test/index.php/foo?x=1', '--offline', '--format', 'json'), offline);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r.stdout);
    expect(doc.command).toBe('trace');
    expect(doc.target).toBe('http://site.test/index.php/foo?x=1');
    const t = doc.trace;
    expect(t.url).toBe('http://site.test/index.php/foo?x=1');
    expect(t.vhost).toMatchObject({ file: join(SITE, 'httpd.conf'), serverName: 'site.test' });
    expect(t.outcome).toBe('fastcgi');
    expect(t.file).toBe(join(SITE, 'www', 'index.php'));
    expect(t.handler).toBe('proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost');
    expect(t.backend?.target).toBe('unix:/run/php/php8.2-fpm.sock');
    expect(t.backend?.params).toMatchObject({
      SCRIPT_FILENAME: `proxy:fcgi://localhost${join(SITE, 'www', 'index.php')}`,
      PATH_INFO: '/foo',
      QUERY_STRING: 'x=1',
      REQUEST_METHOD: 'GET',
      SERVER_NAME: 'site.test',
      REQUEST_URI: '/index.php/foo?x=1',
    });
    expect(t.steps.length).toBeGreaterThan(0);
    for (const s of t.steps) expect(typeof s.text).toBe('string');
    expect(doc.response).toBeUndefined();
  });

  it('a static file → 0; a denied directory → 1 (403); a missing file → 1 (404)', async () => {
    const file = await trace(onSite('http://site.test/robots.txt', '--offline', '--format', 'json'), offline);
    expect(file.code, file.stderr).toBe(0);
    expect(json(file.stdout).trace.outcome).toBe('static');
    const denied = await trace(onSite('http://site.test/private/notes.txt', '--offline', '--format', 'json'), offline);
    expect(denied.code, denied.stderr).toBe(1);
    expect(json(denied.stdout).trace).toMatchObject({ outcome: 'status', status: 403 });
    const missing = await trace(onSite('http://site.test/nothing-here.html', '--offline', '--format', 'json'), offline);
    expect(missing.code, missing.stderr).toBe(1);
    expect(json(missing.stdout).trace).toMatchObject({ outcome: 'status', status: 404 });
  });

  it('--format sarif and github carry the same findings and exit status', async () => {
    const sarif = await trace(onSite('http://site.test/private/notes.txt', '--offline', '--format', 'sarif'), offline);
    expect(sarif.code, sarif.stderr).toBe(1);
    expect((JSON.parse(sarif.stdout) as { version: string }).version).toBe('2.1.0');
    const github = await trace(onSite('http://site.test/robots.txt', '--offline', '--format', 'github'), offline);
    expect(github.code, github.stderr).toBe(0);
  });

  describe('live, against the real echo app on a temporary socket', () => {
    let dir: TempDir;
    let app: RunningServer;
    let env: Record<string, string>;
    beforeAll(async () => {
      dir = makeTempDir('trace');
      const sock = dir.join('php.sock');
      app = await startServer({ kind: 'unix', path: sock });
      env = { TRACE_SOCKET: sock };
    });
    afterAll(async () => {
      await app.close();
      dir.remove();
    });

    it('exit 0, and the backend received exactly the params the trace shows', async () => {
      const r = await trace(onSite('http://site.test/index.php/foo?format=json', '--format', 'json'), env);
      expect(r.code, r.stderr).toBe(0);
      const doc = json(r.stdout);
      expect(doc.trace.backend?.target).toBe(`unix:${env.TRACE_SOCKET}`);
      const received = (JSON.parse(doc.response?.body ?? '{}') as { params?: Record<string, string> }).params;
      expect(received).toEqual(doc.trace.backend?.params);
      expect(doc.browser).toMatchObject({ status: 200, contentType: 'application/json' });
      expect(doc.findings).toEqual([]);
    });

    it('a backend answering 503 → exit 1 with the finding ping gives', async () => {
      const r = await trace(onSite('http://site.test/index.php?format=json&status=503', '--format', 'json'), env);
      expect(r.code, r.stderr).toBe(1);
      const doc = json(r.stdout);
      expect(doc.findings.map((f) => f.id)).toContain('backend-error-status');
      expect(doc.browser?.status).toBe(503);
    });

    it('text: the route, the params, the answer and what a browser would see', async () => {
      const r = await trace(onSite('http://site.test/index.php?a=1'), env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('GET http://site.test/index.php?a=1');
      expect(r.stdout).toContain('QUERY_STRING = a=1');
      expect(r.stdout).toContain('The backend answered:');
      expect(r.stdout).toContain('A browser would see 200 OK');
    });

    it('a socket nobody listens on → exit 1, socket-missing, and a browser would see 503', async () => {
      const r = await trace(onSite('http://site.test/index.php', '--format', 'json'), {
        TRACE_SOCKET: dir.join('absent.sock'),
      });
      expect(r.code, r.stderr).toBe(1);
      const doc = json(r.stdout);
      expect(doc.findings.map((f) => f.id)).toEqual(['socket-missing']);
      expect(doc.browser?.status).toBe(503);
    });
  });
});
