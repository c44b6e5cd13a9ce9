/**
 * The terminal report of an integration scenario, colour off and on: a real
 * Apache in front of a real PHP-FPM pool whose socket is root's 0660, after a
 * visitor's request made Apache log the failure. What the configuration, the
 * probes, the request and the log say is one finding. Temp paths, ports, pids
 * and times are replaced before comparing.
 * After an intended change of wording: npx vitest run --project integration -u test/integration/reportSnapshots.test.ts
 */
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApache, type ApacheServer } from './harness/apache.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { assertNoCrashInOutput } from '../checks/strict.js';

const haveServers =
  requireBuiltCli() && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi) && hasBinary(BINARIES.phpFpm);

function normalize(text: string): string {
  return (
    text
      // The harness's directories, under the test run's private TMPDIR (test/setup/privateTmp.ts).
      .replace(/\/tmp\/(?:[\w.-]+\/)*fcgi-doctor-it-([a-z-]+?)-[A-Za-z0-9]{6}/g, '<tmp:$1>')
      .replace(/\*:\d{4,5}\b/g, '*:<port>')
      .replace(/(\/\/[\w.-]+):\d{4,5}\b/g, '$1:<port>')
      .replace(/\[pid \d+:tid \d+\]/g, '[pid <pid>:tid <tid>]')
      .replace(/\bpid \d+/g, 'pid <pid>')
      .replace(/\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d+ \d{4}\]/g, '[<time>]')
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, '<time>')
      .replace(/\b\d+(?:\.\d+)? ms\b/g, '<n> ms')
      .replace(/\u001b/g, '␛')
  );
}

describe.skipIf(!haveServers)('terminal report of a broken real setup', () => {
  let fpm: PhpFpmServer;
  let apache: ApacheServer;
  let vhost = '';
  beforeAll(async () => {
    fpm = await startPhpFpm({ scripts: { 'index.php': '<?php echo "hello";' }, listenOwner: null, listenGroup: null });
    const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    apache = await startApache({
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
    // A visitor's request: Apache logs "(13)Permission denied … AH02454".
    expect((await apache.http('/index.php')).status).toBe(503);
  });
  afterAll(async () => {
    await apache?.stop();
    await fpm?.stop();
  });

  for (const [name, env] of [
    ['plain', { NO_COLOR: '1' }],
    ['colour', { FORCE_COLOR: '1' }],
  ] as const) {
    it(`check of a socket the web server may not use (${name})`, async () => {
      const r = await execa(process.execPath, [BIN, 'check', vhost, '--root', apache.confPath, '--since', '1h'], {
        reject: false,
        env,
        timeout: 60_000,
      });
      assertNoCrashInOutput(String(r.stdout));
      expect(r.exitCode).toBe(1);
      await expect(normalize(String(r.stdout))).toMatchFileSnapshot(`__snapshots__/check-socket-root-0660.${name}.txt`);
    });
  }
});
