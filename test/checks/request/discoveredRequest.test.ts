/**
 * The request step with a discovery: each backend is asked for a real script
 * of a site with exactly the params its route gives (what Apache sends), and
 * the result records the URL; with no real script found, the request tests
 * FastCGI only and says so. A real stand-in backend (`serve`, which echoes
 * the params it received) on a real socket; the discovery is plain data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../../src/apache/source.js';
import type { Discovery } from '../../../src/checks/discovery/discover.js';
import { runCheck, type ProbeRunner } from '../../../src/checks/run.js';
import { summarizeCheck } from '../../../src/report/checkSummary.js';
import { formatCheckText } from '../../../src/report/checkText.js';
import { loadStyle } from '../../../src/report/style.js';
import type { Route } from '../../../src/routing/types.js';
import { startServer } from '../../../src/server/listen.js';
import { BASE, PROXY } from '../config/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function backend(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fcgi-discovered-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'app.sock');
  const server = await startServer({ kind: 'unix', path });
  cleanups.push(() => server.close());
  return path;
}

const ROOT = '/srv/httpd.conf';
const conf = (sock: string) =>
  `${BASE}${PROXY}User www-data\nGroup www-data\nDocumentRoot /var/www/html\n<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n<VirtualHost *:80>\nServerName blog.example.org\nDocumentRoot /srv/blog\n</VirtualHost>\n`;

const PARAMS = {
  SCRIPT_FILENAME: 'proxy:fcgi://localhost/srv/blog/index.php',
  SCRIPT_NAME: '/index.php',
  REQUEST_URI: '/index.php?format=json',
  QUERY_STRING: 'format=json',
  DOCUMENT_ROOT: '/srv/blog',
  SERVER_NAME: 'blog.example.org',
  SERVER_PORT: '80',
  REQUEST_METHOD: 'GET',
  GATEWAY_INTERFACE: 'CGI/1.1',
  SERVER_PROTOCOL: 'HTTP/1.1',
};

async function check(sock: string, discovery: (setupId: string, sock: string) => Discovery) {
  const probes: ProbeRunner = async (model) => ({
    findings: [],
    notices: [],
    discovery: discovery(model.setups[0]!.id, sock),
  });
  const report = await runCheck(
    {
      root: ROOT,
      serverRoot: '/srv',
      source: new MemoryFileSource({ [ROOT]: conf(sock) }),
      env: {},
      offline: false,
      timeoutMs: 3000,
      toolVersion: 'test',
    },
    probes,
  );
  return { report, summary: summarizeCheck(report) };
}

function traced(setupId: string, sock: string): Discovery {
  const route = {
    url: 'http://blog.example.org/index.php?format=json',
    vhost: { file: ROOT, line: 16, serverName: 'blog.example.org' },
    steps: [],
    file: '/srv/blog/index.php',
    handler: `proxy:unix:${sock}|fcgi://localhost`,
    outcome: 'fastcgi',
    backend: { module: 'proxy_fcgi', mode: 'proxy', target: `unix:${sock}`, setupId, params: PARAMS },
    uncertain: [],
    htaccess: [],
  } as unknown as Route;
  return {
    scripts: [
      {
        site: { label: 'blog', scheme: 'http', host: 'blog.example.org', port: 80, roots: [], directoryIndex: [] },
        setup: undefined as never,
        file: '/srv/blog/index.php',
        url: route.url,
        why: 'directory-index',
        route,
      },
    ],
    notices: [],
  };
}

describe('check: the request for a real script', () => {
  it("sends exactly the route's params and records the URL", async () => {
    const sock = await backend();
    const { report, summary } = await check(sock, traced);
    const r = report.requests[0]!;
    expect(r.url).toBe('http://blog.example.org/index.php?format=json');
    expect(r.level).toBe('script');
    expect(r.script).toBe('/srv/blog/index.php');
    const echoed = JSON.parse(r.response!.body.toString('utf8')) as { params: Record<string, string> };
    expect(echoed.params).toEqual(PARAMS);
    expect(summary.setups[0]?.request?.url).toBe('http://blog.example.org/index.php?format=json');
    const text = formatCheckText(await loadStyle(false), summary, report.findings, { exitCode: 0 });
    expect(text).toMatch(/✓ request {3}GET http:\/\/blog\.example\.org\/index\.php\?format=json → 200 OK in/);
  });

  it('no real script found: FastCGI level only, said in a notice', async () => {
    const sock = await backend();
    const { report, summary } = await check(sock, () => ({ scripts: [], notices: [] }));
    expect(report.requests[0]?.level).toBe('fastcgi');
    expect(report.requests[0]?.url).toBeUndefined();
    expect(summary.setups[0]?.request?.level).toBe('fastcgi');
    expect(report.notices.join('\n')).toContain('tests only that the backend speaks FastCGI');
    expect(report.findings.filter((f) => f.severity !== 'info').map((f) => f.id)).not.toContain(
      'primary-script-unknown',
    );
  });
});
