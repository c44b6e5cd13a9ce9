/**
 * handler-lowercased held to a real Apache 2.4: `fcgi-doctor serve` listens on
 * a socket under a directory with capitals. AddHandler and RewriteRule [H=]
 * lower-case the handler (mod_mime add_extension_info, mod_rewrite
 * force_type_handler), so Apache connects to a path where nothing listens and
 * answers 503, and the finding fires; SetHandler keeps the case: 200, no finding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeConfig } from '../../src/checks/config/index.js';
import type { Finding } from '../../src/findings/finding.js';
import { startApache } from './harness/apache.js';
import { BINARIES, requireBinary, requireBuiltCli } from './harness/requireServer.js';
import { startServeApp, type ServeAppServer } from './harness/serveApp.js';

const haveServers =
  requireBuiltCli() &&
  requireBinary(BINARIES.apache.name, BINARIES.apache.path, BINARIES.apache.pkg) &&
  requireBinary(BINARIES.modProxyFcgi.name, BINARIES.modProxyFcgi.path, BINARIES.modProxyFcgi.pkg);

const FILES = {
  'add/index.php': '<?php // never run: serve answers\n',
  'set/index.php': '<?php // never run: serve answers\n',
  'rw/x.php': '<?php // never run: serve answers\n',
};

describe.skipIf(!haveServers)('handler-lowercased on a real Apache', () => {
  let serve: ServeAppServer;
  beforeAll(async () => {
    // Apache's children (www-data) connect: the socket is root's, group www-data, 0660.
    serve = await startServeApp({ socketDir: 'Run/PHP', args: ['--mode', '0660', '--group', 'www-data'] });
  });
  afterAll(async () => {
    await serve?.stop();
  });

  /** Apache with `config`, the status of each path, and the configuration check's handler-lowercased findings. */
  async function run(config: (docRoot: string) => string, paths: string[]) {
    const apache = await startApache({
      modules: ['proxy_fcgi', 'rewrite'],
      files: FILES,
      config: (c) => config(c.docRoot),
    });
    try {
      const statuses: number[] = [];
      for (const p of paths) statuses.push((await apache.http(p)).status);
      const { findings, internalErrors } = analyzeConfig({ root: apache.confPath });
      expect(internalErrors).toEqual([]);
      return {
        statuses,
        findings: findings.filter((f: Finding) => f.id === 'handler-lowercased'),
        errorLog: apache.errorLog(),
      };
    } finally {
      await apache.stop();
    }
  }

  it('AddHandler and RewriteRule [H=] with the socket under Run/PHP: 503 from Apache, and the finding names the lower-case path', async () => {
    const sock = serve.endpoint.path;
    expect(sock).toMatch(/\/Run\/PHP\/serve\.sock$/);
    const lower = sock.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const r = await run(
      (docRoot) => `
<Directory "${docRoot}/add">
    AddHandler "proxy:unix:${sock}|fcgi://localhost" .php
</Directory>
RewriteEngine On
RewriteRule "^/rw/x\\.php$" - [H=proxy:unix:${sock}|fcgi://localhost]
`,
      ['/add/index.php', '/rw/x.php'],
    );
    expect(r.statuses, r.errorLog).toEqual([503, 503]);
    // Apache's own words: it tried the lower-cased path.
    expect(r.errorLog).toContain(lower);
    expect(r.findings.map((f) => [f.severity, f.evidence.map((e) => e.text.split(': ')[1]?.split(' ')[0])])).toEqual([
      ['error', ['AddHandler']],
      ['error', ['RewriteRule']],
    ]);
    for (const f of r.findings) {
      expect(f.message).toContain(`names the socket ${sock}`);
      expect(f.message).toContain(`Apache connects to ${lower}`);
    }
    expect(r.findings[0]?.fix).toContain('SetHandler');
  });

  it('SetHandler with the same path keeps the case: 200 from the app, no finding', async () => {
    const sock = serve.endpoint.path;
    const r = await run(
      (docRoot) => `
<Directory "${docRoot}/set">
    <FilesMatch "\\.php$">
        SetHandler "proxy:unix:${sock}|fcgi://localhost"
    </FilesMatch>
</Directory>
`,
      ['/set/index.php'],
    );
    expect(r.statuses, r.errorLog).toEqual([200]);
    expect(r.findings).toEqual([]);
  });
});
