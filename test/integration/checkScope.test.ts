/**
 * The scope of `check FILE` on a real Apache serving two sites, one broken (its
 * backend socket is not there): the healthy site's check passes and names the
 * broken one in its elsewhere line; the broken site's check and the whole
 * server's fail.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { assertNoCrashInOutput } from '../checks/strict.js';
import { makeTempDir, type TempDir } from '../client/support.js';
import { startApache, type ApacheServer } from './harness/apache.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';

const haveServers = requireBuiltCli() && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi);

describe.skipIf(!haveServers)('check FILE on a real Apache with two sites, one broken', () => {
  let dir: TempDir;
  let app: RunningServer;
  let apache: ApacheServer;
  let healthy = '';
  let broken = '';
  beforeAll(async () => {
    dir = makeTempDir('scope-it');
    chmodSync(dir.path, 0o755);
    const socket = dir.join('app.sock');
    app = await startServer({ kind: 'unix', path: socket }, { mode: 0o666 });
    apache = await startApache({
      modules: ['proxy_fcgi'],
      config: (ctx) => {
        healthy = join(ctx.extraDir, 'healthy.conf');
        broken = join(ctx.extraDir, 'broken.conf');
        writeFileSync(
          healthy,
          `<VirtualHost *:${ctx.port}>\nServerName healthy.test\nProxyPass /app/ "unix:${socket}|fcgi://localhost/srv/healthy/"\n</VirtualHost>\n`,
        );
        writeFileSync(
          broken,
          // Two faults: a socket nobody listens on (seen live) and, in the configuration itself, a socket
          // path longer than a Unix socket can be (Apache starts; every request to /old answers 503).
          `<VirtualHost *:${ctx.port}>\nServerName broken.test\nProxyPass /app/ "unix:${dir.join('absent.sock')}|fcgi://localhost/srv/broken/"\n<Location /old>\nSetHandler "proxy:unix:/run/${'x'.repeat(120)}.sock|fcgi://localhost"\n</Location>\n</VirtualHost>\n`,
        );
        return `Include ${healthy}\nInclude ${broken}\n`;
      },
    });
  });
  afterAll(async () => {
    await apache?.stop();
    await app?.close();
    dir?.remove();
  });

  async function check(...args: string[]) {
    const r = await execa(process.execPath, [BIN, 'check', '--root', apache.confPath, '--no-color', ...args], {
      reject: false,
      timeout: 60_000,
    });
    assertNoCrashInOutput(String(r.stdout));
    return { code: r.exitCode, stdout: String(r.stdout) };
  }

  it("the healthy site passes, and sums up what the other site's configuration gets wrong (the other site is not probed)", async () => {
    const r = await check(healthy);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(`elsewhere on this server (from the configuration and the logs): `);
    expect(r.stdout).toContain(`in 1 other site (${broken})`);
    const json = JSON.parse((await check(healthy, '--format', 'json')).stdout) as {
      summary: { error: number };
      elsewhere: { findings: Array<{ id: string }> };
    };
    expect(json.summary.error).toBe(0);
    expect(json.elsewhere.findings.map((f) => f.id)).toContain('proxy-url-invalid');
    // check FILE probes only what reaches FILE's vhosts: the other site's socket is not looked at.
    expect(json.elsewhere.findings.map((f) => f.id)).not.toContain('socket-missing');
  });

  it('the broken site fails, and so does the whole server', async () => {
    const own = await check(broken, '--format', 'json');
    expect(own.code).toBe(1);
    expect((JSON.parse(own.stdout) as { findings: Array<{ id: string }> }).findings.map((f) => f.id)).toContain(
      'socket-missing',
    );
    const all = await check();
    expect(all.code).toBe(1);
    expect(all.stdout).not.toContain('elsewhere on this server');
  });
});
