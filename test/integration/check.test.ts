/**
 * The whole `check` command (the built bin, as a child process) on a real
 * Apache 2.4 in front of a real PHP-FPM pool: healthy, then broken on
 * purpose. The configuration, the live probes, the request and Apache's own
 * error log must agree, and be joined into one finding per cause.
 */
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startApache, type ApacheServer } from './harness/apache.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { assertNoCrashInOutput } from '../checks/strict.js';

const haveServers =
  requireBuiltCli() && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi) && hasBinary(BINARIES.phpFpm);

interface Finding {
  id: string;
  severity: string;
  evidence: Array<{ kind: string; text: string }>;
  location?: { file: string; line?: number };
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function scenario(fpmOptions: Parameters<typeof startPhpFpm>[0]) {
  const fpm: PhpFpmServer = await startPhpFpm({ scripts: { 'index.php': '<?php echo "hello";' }, ...fpmOptions });
  stops.push(() => fpm.stop());
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  let vhost = '';
  const apache: ApacheServer = await startApache({
    modules: ['proxy_fcgi'],
    config: (ctx) => {
      vhost = `${ctx.extraDir}/site.conf`;
      writeFileSync(
        vhost,
        `<VirtualHost *:${ctx.port}>\nServerName site.test\nDocumentRoot ${fpm.docRoot}\n<Directory ${fpm.docRoot}>\nRequire all granted\n</Directory>\n<FilesMatch \\.php$>\nSetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n</VirtualHost>\n`,
      );
      return `Include ${vhost}\n`;
    },
  });
  stops.push(() => apache.stop());
  return { fpm, apache, vhost };
}

async function check(root: string, vhost: string, ...extra: string[]) {
  const r = await execa(
    process.execPath,
    [BIN, 'check', vhost, '--root', root, '--format', 'json', '--since', '1h', ...extra],
    { reject: false, timeout: 60_000 },
  );
  // A crashed step must fail the test, whatever the test then asserts.
  assertNoCrashInOutput(String(r.stdout));
  return {
    code: r.exitCode,
    json: JSON.parse(String(r.stdout)) as {
      findings: Finding[];
      summary: { error: number };
      checked: { setups: Array<{ request?: { status?: number } }> };
    },
  };
}

describe.skipIf(!haveServers)('check on a real Apache and PHP-FPM', () => {
  it('a healthy proxy_fcgi setup: no error finding, a 200 from the backend, the page (not its source) over HTTP', async () => {
    const { apache, vhost } = await scenario({});
    expect((await apache.http('/index.php')).body).toBe('hello');
    const { code, json } = await check(apache.confPath, vhost, '--http');
    expect(json.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
    expect(json.checked.setups[0]?.request?.status).toBe(200);
    // --http really asked Apache (a failure to ask would be a notice).
    expect((json.checked as unknown as { notices: string[] }).notices.filter((n) => n.startsWith('--http'))).toEqual(
      [],
    );
  });

  it("a socket owned by root 0660: the probe, the config line and Apache's log agree, in one finding", async () => {
    const { apache, vhost } = await scenario({ listenOwner: null, listenGroup: null });
    // A visitor's request makes Apache log "(13)Permission denied … AH02454".
    expect((await apache.http('/index.php')).status).toBe(503);
    const { code, json } = await check(apache.confPath, vhost);
    expect(code).toBe(1);
    const denied = json.findings.filter((f) => f.id === 'socket-permission-denied');
    expect(denied).toHaveLength(1);
    const kinds = new Set(denied[0]!.evidence.map((e) => e.kind));
    expect(kinds.has('probe')).toBe(true);
    expect(kinds.has('config')).toBe(true);
    expect(kinds.has('log')).toBe(true);
    expect(denied[0]!.location?.file).toBe(vhost);
  });

  it('a socket owned by root 0660: the request made as root is no ✓, and says why it does not show the site works', async () => {
    const { apache, vhost } = await scenario({ listenOwner: null, listenGroup: null });
    const { json } = await check(apache.confPath, vhost);
    // The doctor runs as root and gets its 200: the JSON says as whom, and why that proves nothing.
    const request = (
      json.checked.setups[0] as {
        request?: { status?: number; madeAs?: { user: string; webUser: string; why: string } };
      }
    ).request;
    expect(request?.status).toBe(200);
    expect(request?.madeAs).toMatchObject({ user: 'root', webUser: 'www-data' });
    expect(request?.madeAs?.why).toMatch(/www-data may not.*does not show that the site works/);
    const denied = json.findings.find((f) => f.id === 'socket-permission-denied');
    expect(
      denied?.evidence.some(
        (e) =>
          e.kind === 'request' && /200 OK to a request made as root.*not a request www-data could make/.test(e.text),
      ),
    ).toBe(true);
    const text = await execa(
      process.execPath,
      [BIN, 'check', vhost, '--root', apache.confPath, '--since', '1h', '--no-color'],
      { reject: false, timeout: 60_000 },
    );
    const requestLine =
      String(text.stdout)
        .split('\n')
        .find((l) => /^\s*\S request\s/.test(l)) ?? '';
    expect(requestLine).toMatch(/^\s*! request\s+GET http:\/\/site\.test:\d+\/index\.php → 200 OK as root/);
    expect(String(text.stdout)).not.toMatch(/✓ request/);
    expect(String(text.stdout)).toContain('does not show that the site works');
  });

  it('a healthy www-data socket: the request is a plain ✓, not marked as made as root', async () => {
    const { apache, vhost } = await scenario({});
    const { json } = await check(apache.confPath, vhost);
    const request = (json.checked.setups[0] as { request?: { status?: number; madeAs?: unknown } }).request;
    expect(request?.status).toBe(200);
    expect(request?.madeAs).toBeUndefined();
  });

  it('a stopped pool: socket-missing at the SetHandler line', async () => {
    const { fpm, apache, vhost } = await scenario({});
    await fpm.stop();
    const { code, json } = await check(apache.confPath, vhost);
    expect(code).toBe(1);
    const missing = json.findings.find((f) => f.id === 'socket-missing' || f.id === 'socket-stale');
    expect(missing?.location).toMatchObject({ file: vhost, line: 8 });
  });
});
