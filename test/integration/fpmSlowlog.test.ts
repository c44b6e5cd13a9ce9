/**
 * A pool's slowlog, written by a real PHP-FPM (the installed version): with
 * request_slowlog_timeout = 1s, a script that sleeps 2 s inside a function gets
 * an entry (head, script_filename, one line per frame). `check FILE` reads the
 * slowlog of the pool serving the vhost and names the script and the innermost
 * frame, with the pool file's request_slowlog_timeout line; `logs FILE` does the
 * same on the file alone. A fast script leaves the slowlog empty and `check`
 * quiet. Missing servers skip locally, fail on CI.
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
import { BINARIES, hasBinary } from './harness/requireServer.js';
import { waitFor } from './harness/waitFor.js';

const haveServers = hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi) && hasBinary(BINARIES.phpFpm);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const WWW_DATA = 33;
const SLOW = '<?php\nfunction wait_a_bit() {\n    sleep(2);\n}\nwait_a_bit();\necho "late";\n';

async function site() {
  const fpm = await startPhpFpm({ slowlogTimeout: '1s' });
  cleanups.push(() => fpm.stop());
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  let vhostPath = '';
  let root = '';
  const apache = await startApache({
    modules: ['proxy_fcgi'],
    config: (ctx) => {
      root = `${ctx.extraDir}/site`;
      mkdirSync(root);
      writeFileSync(`${root}/index.php`, '<?php echo "ok";');
      writeFileSync(`${root}/slow.php`, SLOW);
      for (const f of [root, `${root}/index.php`, `${root}/slow.php`]) chownSync(f, WWW_DATA, WWW_DATA);
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
  const slowlog = fpm.pools[0]?.slowlogPath ?? '';
  return { fpm, apache, vhostPath, root, slowlog };
}

async function check(vhostPath: string, rootConf: string, fpmConf: string) {
  const system = liveSystem({ fpmConfigs: [fpmConf] });
  return runCheck(
    { root: rootConf, target: vhostPath, env: {}, offline: false, timeoutMs: 5000, toolVersion: 'test' },
    (model, configFindings) => runProbes(model, system, { configFindings, timeoutMs: 2000, discovery: false }),
  );
}

const lineOf = (file: string, prefix: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.startsWith(prefix)) + 1;

const readOr = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

describe.skipIf(!haveServers)("a pool's slowlog on a real PHP-FPM", () => {
  it('a 2 s script behind request_slowlog_timeout = 1s: check names the script, the top frame and the pool line', async () => {
    const { fpm, apache, vhostPath, root, slowlog } = await site();
    const answer = await apache.http('/slow.php', { headers: { Host: 'site.test' } });
    expect(answer.status).toBe(200);
    // FPM writes the entry while the request runs; the trace may end after the answer.
    await waitFor(() => /\+\+\+ dump failed|\] sleep\(\)/.test(readOr(slowlog)), {
      what: 'the slowlog entry',
      timeoutMs: 5000,
    });
    const entry = readOr(slowlog);
    expect(entry).toMatch(/^\n\[\d\d-[A-Z][a-z]{2}-\d{4} [\d:]{8}\] {1,2}\[pool www\] pid \d+\nscript_filename = /);
    const report = await check(vhostPath, apache.confPath, fpm.confPath);
    expect(report.internalErrors).toEqual([]);
    expect(report.logsScanned).toContain(slowlog);
    const f = report.findings.find(
      (x) => x.id === 'slow-request' && x.evidence.some((e) => e.text.includes('[rule fpm-slowlog-entry]')),
    );
    expect(f, JSON.stringify(report.findings, null, 1)).toBeDefined();
    expect(f?.message).toContain(`Slow request in pool www: ${root}/slow.php, at sleep() ${root}/slow.php:3`);
    expect(f?.evidence.map((e) => e.text).join('\n')).toContain(slowlog);
    expect(f?.evidence).toContainEqual({
      kind: 'config',
      text: `${fpm.poolConfPath}:${lineOf(fpm.poolConfPath, 'request_slowlog_timeout')}: request_slowlog_timeout = 1s (pool www)`,
    });

    // `logs FILE` on the slowlog alone: the same entry, one finding.
    const io = captureIO('');
    await main(['logs', slowlog, '--format', 'json'], io);
    const json = JSON.parse(io.stdoutText) as { findings: Array<{ id: string; message: string }> };
    expect(json.findings.map((x) => [x.id, x.message])).toEqual([
      ['slow-request', `Slow request in pool www: ${root}/slow.php, at sleep() ${root}/slow.php:3`],
    ]);
  }, 60_000);

  it('a fast script: the slowlog stays empty and check gives no slow-request', async () => {
    const { fpm, apache, vhostPath, slowlog } = await site();
    const answer = await apache.http('/index.php', { headers: { Host: 'site.test' } });
    expect(answer.status).toBe(200);
    expect(readOr(slowlog)).toBe('');
    const report = await check(vhostPath, apache.confPath, fpm.confPath);
    expect(report.internalErrors).toEqual([]);
    expect(report.findings.filter((x) => x.id === 'slow-request')).toEqual([]);
  }, 60_000);
});
