/**
 * socket-in-private-tmp answered on a real Apache: as root the doctor looks at
 * the socket through /proc/<Apache's pid>/root. Apache in our mount namespace
 * sees the socket (no finding); Apache with a /var/tmp of its own (unshare and a
 * tmpfs, as systemd's PrivateTmp=true gives it) does not (an error).
 */
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { assertNoCrashInOutput } from '../checks/strict.js';
import { startApache } from './harness/apache.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';

const isRoot = process.getuid?.() === 0;
/** A mount namespace needs CAP_SYS_ADMIN: some containers do not give it, and then the private case cannot be made. */
const canUnshare = isRoot && spawnSync('unshare', ['--mount', 'true'], { stdio: 'ignore' }).status === 0;
const haveServers = requireBuiltCli() && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi);

interface Finding {
  id: string;
  severity: string;
  message: string;
}

describe.skipIf(!haveServers || !isRoot)('socket-in-private-tmp on a real Apache (root)', () => {
  let dir: string;
  let socket: string;
  let app: RunningServer;
  beforeAll(async () => {
    // Under /var/tmp itself, whatever TMPDIR says: the finding is about /tmp and /var/tmp.
    dir = mkdtempSync('/var/tmp/fcgi-doctor-test-private-tmp-');
    chmodSync(dir, 0o755);
    socket = join(dir, 'app.sock');
    app = await startServer({ kind: 'unix', path: socket }, { mode: 0o666 });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function checkWith(privateVarTmp: boolean): Promise<Finding[]> {
    let vhost = '';
    const apache = await startApache({
      modules: ['proxy_fcgi'],
      privateVarTmp,
      config: (ctx) => {
        vhost = `${ctx.extraDir}/site.conf`;
        writeFileSync(
          vhost,
          `<VirtualHost *:${ctx.port}>\nServerName site.test\nProxyPass /app/ "unix:${socket}|fcgi://localhost/srv/app/"\n</VirtualHost>\n`,
        );
        return `Include ${vhost}\n`;
      },
    });
    try {
      const r = await execa(process.execPath, [BIN, 'check', vhost, '--root', apache.confPath, '--format', 'json'], {
        reject: false,
        timeout: 60_000,
      });
      assertNoCrashInOutput(String(r.stdout));
      return (JSON.parse(String(r.stdout)) as { findings: Finding[] }).findings;
    } finally {
      await apache.stop();
    }
  }

  it('Apache in our mount namespace sees the socket: no finding', async () => {
    const findings = await checkWith(false);
    expect(findings.filter((f) => f.id === 'socket-in-private-tmp')).toEqual([]);
  });

  it.skipIf(!canUnshare)('Apache with a /var/tmp of its own does not: one error that says so', async () => {
    const findings = (await checkWith(true)).filter((f) => f.id === 'socket-in-private-tmp');
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe('error');
    expect(findings[0]?.message).toMatch(
      /Apache \(pid \d+\) sees another \/var\/tmp than you do: \/proc\/\d+\/root.* does not exist/,
    );
  });
});
