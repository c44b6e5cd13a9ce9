import { describe, expect, it } from 'vitest';
import { extensionAllowed, limitExtensionsCheck } from '../../../src/checks/probes/limitExtensions.js';
import { DEBIAN_POOL, probe, probeText } from './helpers.js';

const SOCK = '/run/php/php8.2-fpm.sock';
const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';

const shop = (match = '\\.ph(?:p|tml)$') => `<VirtualHost *:80>
ServerName shop.example.org
DocumentRoot /srv/shop
DirectoryIndex index.php
<FilesMatch "${match}">
  SetHandler "proxy:unix:${SOCK}|fcgi://localhost"
</FilesMatch>
</VirtualHost>`;

const pool = (limit?: string) => ({
  ...DEBIAN_POOL,
  [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}${limit === undefined ? '' : `security.limit_extensions = ${limit}\n`}`,
});

const run = (conf: string, files: Record<string, string>) => probe(conf, { files }, { checks: [limitExtensionsCheck] });

describe('script-extension-denied from the configuration (limitExtensionsCheck)', () => {
  it("a .phtml script the vhost hands to a pool limited to .php: fires at the pool's line, with the handler line", async () => {
    const r = await run(shop(), { ...pool('.php'), '/srv/shop/legacy/report.phtml': '<?php echo 1;' });
    expect(r.findings.map((f) => [f.id, f.location?.file, f.location?.line])).toEqual([
      ['script-extension-denied', POOL_FILE, 12],
    ]);
    const f = r.findings[0];
    expect(f?.message).toContain('http://shop.example.org/legacy/report.phtml is handed to PHP-FPM pool [www]');
    expect(f?.message).toContain('does not allow ".phtml"');
    expect(probeText(f as never)).toContain(`${POOL_FILE}:12: security.limit_extensions = .php`);
    expect(f?.evidence.map((e) => e.text).join('\n')).toMatch(/SetHandler "proxy:unix:/);
    expect(f?.fix).toContain('security.limit_extensions = .php .phtml');
  });

  it("no security.limit_extensions: FPM's default .php .phar refuses .php5, located at the pool's header", async () => {
    const r = await run(shop('\\.php5?$'), { ...pool(), '/srv/shop/old.php5': '<?php echo 1;' });
    expect(r.findings.map((f) => [f.id, f.location?.line])).toEqual([['script-extension-denied', 1]]);
    expect(r.findings[0]?.message).toContain('FPM\'s default ".php .phar"');
  });

  it('quiet: the pool lists the extension', async () => {
    const r = await run(shop(), { ...pool('.php .phtml'), '/srv/shop/legacy/report.phtml': '<?php echo 1;' });
    expect(r.findings).toEqual([]);
  });

  it('quiet: an empty security.limit_extensions allows every extension', async () => {
    const r = await run(shop(), { ...pool(''), '/srv/shop/legacy/report.phtml': '<?php echo 1;' });
    expect(r.findings).toEqual([]);
  });

  it('quiet: a healthy Debian site of .php scripts', async () => {
    const r = await run(shop(), { ...pool('.php'), '/srv/shop/index.php': '<?php echo 1;' });
    expect(r.findings).toEqual([]);
  });

  it('FPM compares the suffix exactly, case and all (fpm_php_limit_extensions)', () => {
    expect(extensionAllowed('/srv/a.php', ['.php'])).toBe(true);
    expect(extensionAllowed('/srv/a.PHP', ['.php'])).toBe(false);
    expect(extensionAllowed('.php', ['.php'])).toBe(false);
    expect(extensionAllowed('/srv/a.phtml', [])).toBe(true);
  });
});
