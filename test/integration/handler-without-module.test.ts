/**
 * What Apache 2.4 really does with a FastCGI handler whose module is not
 * loaded: the module-not-loaded finding's message must say the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeStrict as analyzeConfig } from '../checks/strict.js';
import { webRequests } from '../../src/checks/http/webRequest.js';
import { existsSync } from 'node:fs';
import { startApache, type ApacheServer } from './harness/apache.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';

const haveApache = requireBinary(BINARIES.apache.name, BINARIES.apache.path, BINARIES.apache.pkg);
const PHP = '<?php echo "secret";\n';
const handler = (ctx: { docRoot: string }) =>
  `<Directory ${ctx.docRoot}>\nRequire all granted\n</Directory>\n<FilesMatch \\.php$>\nSetHandler "proxy:unix:/nonexistent/php.sock|fcgi://localhost"\n</FilesMatch>\n`;

describe.skipIf(!haveApache)('a proxy: handler without its module, on a real Apache', () => {
  let apache: ApacheServer | undefined;
  afterEach(async () => {
    await apache?.stop();
    apache = undefined;
  });

  // mod_proxy alone does not claim a "proxy:…|fcgi://" handler (verified on 2.4.71):
  // the file is served as it is, as when no proxy module is loaded at all.
  it('with mod_proxy but not mod_proxy_fcgi: the PHP source as plain text, and our finding says so', async () => {
    apache = await startApache({ modules: ['proxy'], config: handler, files: { 'index.php': PHP } });
    const r = await apache.http('/index.php');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<?php');
    const f = analyzeConfig({ root: apache.confPath, env: {} }).findings.find((x) => x.id === 'module-not-loaded');
    expect(f?.message).toContain('plain text');
  });

  it('with neither proxy module: the PHP source as plain text, and our finding says so', async () => {
    apache = await startApache({ modules: [], config: handler, files: { 'index.php': PHP } });
    const r = await apache.http('/index.php');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<?php');
    const f = analyzeConfig({ root: apache.confPath, env: {} }).findings.find((x) => x.id === 'module-not-loaded');
    expect(f?.message).toContain('plain text');
  });

  it('check --http asks Apache as a visitor would and reports the source it sends', async () => {
    apache = await startApache({
      modules: [],
      config: (ctx) =>
        `<VirtualHost *:${ctx.port}>\nServerName site.test\nDocumentRoot ${ctx.docRoot}\n${handler(ctx)}</VirtualHost>\n`,
      files: { 'index.php': PHP },
    });
    const { model } = analyzeConfig({ root: apache.confPath, env: {} });
    const r = await webRequests(model, { timeoutMs: 5000, exists: existsSync });
    expect(r.findings.map((x) => x.id)).toEqual(['source-served-as-text']);
    expect(r.findings[0]!.evidence[0]!.text).toContain('/index.php');
  });
});
