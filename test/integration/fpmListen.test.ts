/**
 * Issue 15 §2 on a real Apache (root master, www-data children) in front of a
 * real PHP-FPM (whichever version is installed): the web server's endpoint
 * against the pool that should listen there. Missing servers skip locally and
 * fail on CI (requireBinary).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbes, type ProbeResult } from '../../src/checks/probes/index.js';
import type { Finding } from '../../src/findings/finding.js';
import { liveSystem } from '../../src/system/index.js';
import { analyzeStrict as analyzeConfig, assertRanClean } from '../checks/strict.js';
import { startApache, type ApacheServer } from './harness/apache.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';
import { makeTempDir } from './harness/tempdir.js';

const has = (b: { name: string; path: string; pkg: string }) => requireBinary(b.name, b.path, b.pkg);
const haveAll = has(BINARIES.apache) && has(BINARIES.modProxyFcgi) && has(BINARIES.phpFpm);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** "8.3" from the installed binary: the socket names below follow it, never an assumed version. */
function installedPhpVersion(): string {
  const v = execFileSync(BINARIES.phpFpm.path, ['-v'], { encoding: 'utf8' });
  const m = /^PHP (\d+\.\d+)/.exec(v);
  if (!m?.[1]) throw new Error(`no PHP version in: ${v.slice(0, 200)}`);
  return m[1];
}

/** An older version than the one installed, as a machine upgraded from it still names it. */
function olderVersion(v: string): string {
  const [major, minor] = v.split('.').map(Number) as [number, number];
  return minor > 0 ? `${major}.${minor - 1}` : `${major - 1}.4`;
}

interface Scenario {
  apache: ApacheServer;
  vhostPath: string;
  result: ProbeResult;
}

async function scenario(fpm: PhpFpmServer, vhost: string): Promise<Scenario> {
  let vhostPath = '';
  const apache = await startApache({
    modules: ['proxy_fcgi'],
    config: (ctx) => {
      vhostPath = `${ctx.extraDir}/site.conf`;
      writeFileSync(vhostPath, vhost);
      return `Include ${vhostPath}\n`;
    },
  });
  cleanups.push(() => apache.stop());
  const { model, findings } = analyzeConfig({ root: apache.confPath, target: vhostPath, env: {} });
  const result = await runProbes(model, liveSystem({ fpmConfigs: [fpm.confPath] }), { configFindings: findings });
  assertRanClean(result);
  return { apache, vhostPath, result };
}

const byId = (r: ProbeResult, id: string) => r.findings.filter((f) => f.id === id);
function one(r: ProbeResult, id: string): Finding {
  const list = byId(r, id);
  expect(list, `${id} in ${JSON.stringify(r.findings.map((f) => [f.id, f.message]))}`).toHaveLength(1);
  return list[0] as Finding;
}
/** The FPM document root under /app, its PHP files handed to the pool on TCP (SCRIPT_FILENAME is then FPM's own file). */
const tcpPass = (port: number, docRoot: string) => `Alias /app "${docRoot}"
<Directory "${docRoot}">
  Require all granted
  <FilesMatch "\\.php$">
    SetHandler "proxy:fcgi://127.0.0.1:${port}"
  </FilesMatch>
</Directory>
`;

describe.skipIf(!haveAll)('the web server endpoint against its pool (real Apache + PHP-FPM)', () => {
  it("an old PHP version's socket while the installed version's pool listens beside it: socket-missing names the pool's listen line", async () => {
    const version = installedPhpVersion();
    const tmp = makeTempDir('fpm-listen-old-socket');
    cleanups.push(() => tmp.remove());
    const live = tmp.join(`php${version}-fpm.sock`);
    const old = tmp.join(`php${olderVersion(version)}-fpm.sock`);
    const fpm = await startPhpFpm({ listen: { kind: 'unix', path: live } });
    cleanups.push(() => fpm.stop());
    const s = await scenario(
      fpm,
      `<Directory "${fpm.docRoot}">\n  <FilesMatch "\\.php$">\n    SetHandler "proxy:unix:${old}|fcgi://localhost"\n  </FilesMatch>\n</Directory>\n`,
    );
    const f = one(s.result, 'socket-missing');
    expect(f.location?.file).toBe(s.vhostPath);
    expect(f.location?.line).toBeGreaterThan(0);
    const listenLine = fpmListenLine(fpm.poolConfPath);
    expect(f.message).toContain(`(${fpm.poolConfPath}:${listenLine}: listen = ${live}) listens on ${live}`);
    expect(f.fix).toContain(`change the socket path in the configuration to ${live}`);
  });

  it('listen.allowed_clients without the address Apache connects from: fpm-client-not-allowed, and Apache indeed answers 503', async () => {
    const fpm = await startPhpFpm({
      listen: { kind: 'tcp' },
      listenAllowedClients: '10.255.0.7',
      scripts: { 'index.php': '<?php echo "ok";' },
    });
    cleanups.push(() => fpm.stop());
    const port = fpm.endpoint.kind === 'tcp' ? fpm.endpoint.port : 0;
    const s = await scenario(fpm, tcpPass(port, fpm.docRoot));
    const f = one(s.result, 'fpm-client-not-allowed');
    expect(f.location?.file).toBe(s.vhostPath);
    const line = lineOf(fpm.poolConfPath, 'listen.allowed_clients');
    expect(f.message).toContain(`${fpm.poolConfPath}:${line}: listen.allowed_clients = 10.255.0.7`);
    expect(f.fix).toContain('listen.allowed_clients = 10.255.0.7,127.0.0.1');
    // What the finding says happens, happens: FPM drops the connection and the visitor gets a 503.
    const r = await s.apache.http('/app/index.php');
    expect(r.status).toBe(503);
    expect(fpm.errorLog()).toContain("Connection disallowed: IP address '127.0.0.1' has been dropped.");
  });

  it('listen.allowed_clients naming 127.0.0.1: quiet, and the page is served', async () => {
    const fpm = await startPhpFpm({
      listen: { kind: 'tcp' },
      listenAllowedClients: '10.255.0.7,127.0.0.1',
      scripts: { 'index.php': '<?php echo "ok";' },
    });
    cleanups.push(() => fpm.stop());
    const port = fpm.endpoint.kind === 'tcp' ? fpm.endpoint.port : 0;
    const s = await scenario(fpm, tcpPass(port, fpm.docRoot));
    expect(byId(s.result, 'fpm-client-not-allowed')).toEqual([]);
    expect(s.result.findings.filter((x) => x.severity === 'error')).toEqual([]);
    const r = await s.apache.http('/app/index.php');
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok');
  });

  it('a pool file edited since FPM started (listen.mode 0600, root): socket-permission-denied as a warning, the live socket still works', async () => {
    const fpm = await startPhpFpm({ scripts: { 'index.php': '<?php echo "ok";' } });
    cleanups.push(() => fpm.stop());
    const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    const edited = readFileSync(fpm.poolConfPath, 'utf8')
      .replace(/^listen\.owner = .*$/m, 'listen.owner = root')
      .replace(/^listen\.group = .*$/m, 'listen.group = root')
      .replace(/^listen\.mode = .*$/m, 'listen.mode = 0600');
    writeFileSync(fpm.poolConfPath, edited);
    const s = await scenario(
      fpm,
      `<Directory "${fpm.docRoot}">\n  <FilesMatch "\\.php$">\n    SetHandler "proxy:unix:${sock}|fcgi://localhost"\n  </FilesMatch>\n</Directory>\n`,
    );
    const f = one(s.result, 'socket-permission-denied');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('now, but not after PHP-FPM restarts');
    expect(f.message).toContain('it will be root:root 0600');
    expect(f.fix).toContain(`${fpm.poolConfPath}:${lineOf(fpm.poolConfPath, 'listen')}`);
    expect(s.result.findings.filter((x) => x.severity === 'error')).toEqual([]);
  });
});

function lineOf(file: string, key: string): number {
  const lines = execFileSync('cat', [file], { encoding: 'utf8' }).split('\n');
  const i = lines.findIndex((l) => l.trim().startsWith(`${key} `) || l.trim().startsWith(`${key}=`));
  if (i < 0) throw new Error(`${key} not in ${file}`);
  return i + 1;
}
function fpmListenLine(file: string): number {
  return lineOf(file, 'listen');
}
