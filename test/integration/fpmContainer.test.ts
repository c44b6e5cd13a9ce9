/**
 * "Primary script unknown" for a file that exists here but not where PHP-FPM
 * looks: a real PHP-FPM (the installed version) started by `unshare --mount`
 * in a mount namespace of its own, as a container is, with an empty tmpfs
 * over the directory holding the site, so the site is in Apache's view and
 * not in FPM's. Through a real Apache the visitor gets 404 "File not found.";
 * `check` names the master, its namespace and the path as FPM sees it, and
 * `ping --script` says the same. The same start without the tmpfs (FPM sees
 * the site) is quiet. Needs root (unshare and mount); missing servers skip
 * locally, fail on CI.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runProbes } from '../../src/checks/probes/index.js';
import { runCheck } from '../../src/checks/run.js';
import { liveSystem } from '../../src/system/index.js';
import { captureIO } from '../client/support.js';
import { startApache } from './harness/apache.js';
import { startPhpFpm } from './harness/phpFpm.js';
import { BINARIES, hasBinary } from './harness/requireServer.js';

const haveServers = hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi) && hasBinary(BINARIES.phpFpm);

/** unshare(1) with a private mount namespace works here (root, and a kernel that allows it). */
function canUnshare(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', '--', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A site in <dir>/site; FPM is started in its own mount namespace, with <dir> hidden under a tmpfs when `hide`. */
async function scenario(hide: boolean) {
  const dir = mkdtempSync(`${process.env['TMPDIR'] ?? '/tmp'}/ns-site-`);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const root = `${dir}/site`;
  mkdirSync(root);
  writeFileSync(`${root}/index.php`, '<?php echo "seen by fpm";');
  chmodSync(dir, 0o755);
  chmodSync(root, 0o755);
  // sh mounts the tmpfs inside the new namespace, then execs php-fpm: the pid started is the master.
  const launcher = {
    command: 'unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      hide ? 'mount -t tmpfs none "$1" && shift && exec "$@"' : 'shift && exec "$@"',
      'sh',
      dir,
    ],
  };
  const fpm = await startPhpFpm({ launcher });
  cleanups.push(() => fpm.stop());
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  const apache = await startApache({
    modules: ['proxy_fcgi'],
    config: `DocumentRoot ${root}\n<Directory ${root}>\n  Require all granted\n</Directory>\nDirectoryIndex index.php\n<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`,
  });
  cleanups.push(() => apache.stop());
  const system = liveSystem({ fpmConfigs: [fpm.confPath] });
  const report = await runCheck(
    { root: apache.confPath, env: {}, offline: false, timeoutMs: 5000, toolVersion: 'test' },
    (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: 2000 }),
  );
  const http = await apache.http('/index.php');
  return { fpm, apache, report, http, root, sock };
}

describe.skipIf(!haveServers || !canUnshare())('a script that is not in the mount namespace PHP-FPM runs in', () => {
  it('the site hidden from FPM: 404 through Apache, and check names the master, its namespace and the path as FPM sees it', async () => {
    const { fpm, apache, report, http, root, sock } = await scenario(true);
    expect(http.status).toBe(404);
    expect(http.body).toContain('File not found.');
    // FPM says why on the FastCGI error stream, which Apache logs (AH01071).
    expect(apache.errorLog()).toMatch(/Primary script unknown/);
    expect(report.internalErrors).toEqual([]);
    const f = report.findings.filter((x) => x.id === 'primary-script-unknown');
    expect(f, JSON.stringify(report.findings, null, 1)).toHaveLength(1);
    const finding = f[0]!;
    expect(finding.message).toContain(`is handed to PHP-FPM as ${root}/index.php, a file that exists on this machine`);
    expect(finding.message).toContain(`(pid ${fpm.pid}) runs in a container (another mount namespace)`);
    const evidence = finding.evidence.map((e) => e.text).join('\n');
    expect(evidence).toContain(`${sock} is held by the PHP-FPM master pid ${fpm.pid}`);
    expect(evidence).toMatch(/its mount namespace mnt:\[\d+\] is not this machine's mnt:\[\d+\]/);
    expect(evidence).toContain(`/proc/${fpm.pid}/root${root}/index.php: no such file`);
    expect(finding.fix).toContain(`mount the site into the container at the same path (docker run -v ${root}:${root}`);

    // ping --script on the same socket: the same cause, from FPM's answer.
    const io = captureIO('');
    await main(['ping', `unix:${sock}`, '--script', `${root}/index.php`, '--format', 'json'], io);
    const json = JSON.parse(io.stdoutText) as { findings: Array<{ id: string; message: string }> };
    const pinged = json.findings.find((x) => x.id === 'primary-script-unknown');
    expect(pinged?.message).toContain(`${root}/index.php exists on this machine, but the PHP-FPM master behind`);
  }, 60_000);

  it('FPM in its own mount namespace that still sees the site: 200, and check stays quiet', async () => {
    const { report, http } = await scenario(false);
    expect(http.status).toBe(200);
    expect(http.body).toContain('seen by fpm');
    expect(report.internalErrors).toEqual([]);
    expect(report.findings.filter((x) => x.id === 'primary-script-unknown')).toEqual([]);
  }, 60_000);
});
