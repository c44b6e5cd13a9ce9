/**
 * `check FILE` reads PHP-FPM's own log for the pool that serves the vhost (issue 15 §1):
 * a pool with request_terminate_timeout = 1s and a script that sleeps 3 s, requested
 * through a real Apache, gives FPM's "execution timed out" finding with the pool file's
 * request_terminate_timeout line; a healthy pool gives no finding from FPM's log.
 * Missing servers skip locally, fail on CI.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runProbes } from '../../src/checks/probes/index.js';
import { runCheck } from '../../src/checks/run.js';
import { liveSystem } from '../../src/system/index.js';
import { captureIO } from '../client/support.js';
import { startApache } from './harness/apache.js';
import { startPhpFpm } from './harness/phpFpm.js';
import { execa } from 'execa';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';

const haveServers = hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi) && hasBinary(BINARIES.phpFpm);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const WWW_DATA = 33;

async function site(requestTerminateTimeout?: string, pool: Parameters<typeof startPhpFpm>[0] = {}) {
  const fpm = await startPhpFpm({ ...pool, ...(requestTerminateTimeout ? { requestTerminateTimeout } : {}) });
  cleanups.push(() => fpm.stop());
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  let vhostPath = '';
  const apache = await startApache({
    modules: ['proxy_fcgi'],
    config: (ctx) => {
      const root = `${ctx.extraDir}/site`;
      mkdirSync(root);
      writeFileSync(`${root}/index.php`, '<?php echo "ok";');
      writeFileSync(`${root}/slow.php`, '<?php sleep(3); echo "late";');
      writeFileSync(`${root}/busy.php`, '<?php usleep(2500000); echo "busy";');
      for (const f of [root, `${root}/index.php`, `${root}/slow.php`, `${root}/busy.php`])
        chownSync(f, WWW_DATA, WWW_DATA);
      chmodSync(root, 0o755);
      vhostPath = `${ctx.extraDir}/site.conf`;
      writeFileSync(
        vhostPath,
        `<VirtualHost *:${ctx.port}>\n  ServerName site.test\n  DocumentRoot ${root}\n  <Directory ${root}>\n    Require all granted\n  </Directory>\n  <FilesMatch "\\.php$">\n    SetHandler "proxy:unix:${sock}|fcgi://localhost"\n  </FilesMatch>\n</VirtualHost>\n`,
      );
      return `Include ${vhostPath}\n`;
    },
  });
  cleanups.push(() => apache.stop());
  return { fpm, apache, vhostPath };
}

/** As `check FILE` runs: the pool's configuration is found through the running master's --fpm-config. */
async function check(vhostPath: string, rootConf: string, fpmConf: string) {
  const system = liveSystem({ fpmConfigs: [fpmConf] });
  return runCheck(
    { root: rootConf, target: vhostPath, env: {}, offline: false, timeoutMs: 5000, toolVersion: 'test' },
    (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: 2000, discovery: false }),
  );
}

function lineOf(file: string, prefix: string): number {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith(prefix)) + 1
  );
}

describe.skipIf(!haveServers)("check reads PHP-FPM's own log for the pool serving the vhost", () => {
  it('request_terminate_timeout: the timeout finding from FPM log, with the pool file line', async () => {
    const { fpm, apache, vhostPath } = await site('1s');
    const answer = await apache.http('/slow.php', { headers: { Host: 'site.test' } });
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(fpm.errorLog()).toContain('execution timed out');
    const report = await check(vhostPath, apache.confPath, fpm.confPath);
    expect(report.internalErrors).toEqual([]);
    expect(report.logsScanned).toContain(fpm.errorLogPath);
    const timeout = report.findings.find(
      (f) => f.id === 'backend-timeout' && f.evidence.some((e) => e.text.includes('[rule fpm-request-timeout]')),
    );
    expect(timeout, JSON.stringify(report.findings, null, 1)).toBeDefined();
    expect(timeout?.message).toContain('Pool www');
    expect(timeout?.evidence.map((e) => e.text).join('\n')).toContain(fpm.errorLogPath);
    const line = lineOf(fpm.poolConfPath, 'request_terminate_timeout');
    expect(timeout?.evidence).toContainEqual({
      kind: 'config',
      text: `${fpm.poolConfPath}:${line}: request_terminate_timeout = 1s (pool www)`,
    });
  }, 60_000);

  it('a healthy pool: FPM log is read and gives no finding', async () => {
    const { fpm, apache, vhostPath } = await site();
    const answer = await apache.http('/index.php', { headers: { Host: 'site.test' } });
    expect(answer.status).toBe(200);
    const report = await check(vhostPath, apache.confPath, fpm.confPath);
    expect(report.internalErrors).toEqual([]);
    expect(report.logsScanned).toContain(fpm.errorLogPath);
    const fromFpmLog = report.findings.filter((f) => f.evidence.some((e) => e.text.includes(fpm.errorLogPath)));
    expect(fromFpmLog).toEqual([]);
  }, 60_000);

  it("`logs` with no file named reads the running pool's error_log too, with --since", async () => {
    const { fpm, apache } = await site('1s');
    await apache.http('/slow.php', { headers: { Host: 'site.test' } });
    const io = captureIO('');
    const code = await main(['logs', '--root', apache.confPath, '--since', '1h', '--format', 'json'], io);
    const json = JSON.parse(io.stdoutText) as {
      target: string;
      findings: Array<{ id: string; message: string; evidence: Array<{ kind: string; text: string }> }>;
    };
    expect(json.target.split(', ')).toContain(fpm.errorLogPath);
    const timeout = json.findings.find((f) => f.id === 'backend-timeout' && f.message.includes('Pool www'));
    const line = lineOf(fpm.poolConfPath, 'request_terminate_timeout');
    expect(timeout?.evidence).toContainEqual({
      kind: 'config',
      text: `${fpm.poolConfPath}:${line}: request_terminate_timeout = 1s (pool www)`,
    });
    expect(code).toBe(1);
  }, 60_000);

  it("`logs` with no file named (the built program) shows the notes check shows: error_log = syslog, workers' stderr discarded", async () => {
    if (!requireBuiltCli()) return;
    // Later entries win in FPM's INI: this error_log replaces the harness's file.
    const { fpm, apache } = await site(undefined, { globalExtra: 'error_log = syslog', catchWorkersOutput: false });
    const run = (args: string[]) =>
      execa(process.execPath, [BIN, 'logs', '--root', apache.confPath, ...args], {
        reject: false,
        timeout: 30_000,
        env: { NO_COLOR: '1' },
      });
    const text = await run([]);
    const ours = text.stdout.split('\n').filter((l) => l.includes(fpm.confPath) || l.includes(fpm.poolConfPath));
    expect(ours.join('\n')).toMatch(/^note: PHP-FPM's error_log of \S+ goes to syslog \(\S+:\d+\), facility daemon/m);
    expect(ours.join('\n')).toContain('journalctl -u php');
    expect(text.stdout).toMatch(
      /note: Pool www does not set catch_workers_output = yes .* discarded \(sent to \/dev\/null\)/,
    );
    expect(text.stdout).not.toContain(fpm.errorLogPath);
    const json = JSON.parse((await run(['--format', 'json'])).stdout) as {
      notices: Array<{ code: string; message: string }>;
    };
    const notes = json.notices.filter((n) => n.code === 'elsewhere').map((n) => n.message);
    expect(notes.some((m) => m.includes(fpm.confPath) && m.includes('goes to syslog'))).toBe(true);
    // A note is no failure of the tool (exit 2); 0 or 1 is the verdict on the logs of the whole machine.
    expect([0, 1]).toContain(text.exitCode);
  }, 60_000);

  // dynamic: FPM's once-a-second maintenance logs the warning when no worker is idle at the limit
  // (fpm_process_ctl.c: fpm_pctl_perform_idle_server_maintenance); a static pool never logs it.
  it('pm.max_children reached (dynamic, 1 child, 2 requests at once): the finding names the pool line', async () => {
    const { fpm, apache, vhostPath } = await site(undefined, { pm: 'dynamic', maxChildren: 1 });
    const get = () => apache.http('/busy.php', { headers: { Host: 'site.test' } });
    await Promise.all([get(), get()]);
    expect(fpm.errorLog()).toContain('server reached pm.max_children setting (1)');
    const report = await check(vhostPath, apache.confPath, fpm.confPath);
    const f = report.findings.find((x) => x.id === 'max-children-reached');
    expect(f, JSON.stringify(report.findings, null, 1)).toBeDefined();
    const line = lineOf(fpm.poolConfPath, 'pm.max_children');
    expect(f?.evidence).toContainEqual({
      kind: 'config',
      text: `${fpm.poolConfPath}:${line}: pm.max_children = 1 (pool www)`,
    });
  }, 60_000);
});
