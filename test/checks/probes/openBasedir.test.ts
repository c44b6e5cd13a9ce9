import { describe, expect, it } from 'vitest';
import { insideBasedir, openBasedirCheck } from '../../../src/checks/probes/openBasedir.js';
import { DEBIAN_POOL, probe, probeText } from './helpers.js';

const SOCK = '/run/php/php8.2-fpm.sock';
const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';

const shop = `<VirtualHost *:80>
ServerName shop.example.org
DocumentRoot /srv/shop
DirectoryIndex index.php
<FilesMatch "\\.php$">
  SetHandler "proxy:unix:${SOCK}|fcgi://localhost"
</FilesMatch>
</VirtualHost>`;

const files = (extra: string) => ({
  ...DEBIAN_POOL,
  [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}${extra}`,
  '/srv/shop/index.php': '<?php echo 1;',
});
const run = (extra: string) => probe(shop, { files: files(extra) }, { checks: [openBasedirCheck] });

describe('script-outside-open-basedir (openBasedirCheck)', () => {
  it("the site moved to /srv/shop, the pool's open_basedir still says /var/www: fires at the pool line, with the DocumentRoot", async () => {
    const r = await run('php_admin_value[open_basedir] = /var/www/:/tmp/\n');
    expect(r.findings.map((f) => [f.id, f.location?.file, f.location?.line])).toEqual([
      ['script-outside-open-basedir', POOL_FILE, 12],
    ]);
    const f = r.findings[0];
    expect(f?.message).toContain(
      'http://shop.example.org/index.php is handed to PHP-FPM pool [www] as /srv/shop/index.php',
    );
    expect(f?.message).toContain('No input file specified.');
    expect(probeText(f as never)).toContain(`${POOL_FILE}:12: php_admin_value[open_basedir] = /var/www/:/tmp/`);
    expect(f?.evidence.map((e) => e.text).join('\n')).toMatch(/DocumentRoot \/srv\/shop/);
    expect(f?.fix).toContain('/var/www/:/tmp/:/srv/shop');
  });

  it('quiet: open_basedir names the site', async () => {
    const r = await run('php_admin_value[open_basedir] = /srv/shop:/tmp\n');
    expect(r.findings).toEqual([]);
  });

  it('quiet: no open_basedir in the pool', async () => {
    const r = await run('');
    expect(r.findings).toEqual([]);
  });

  it('a directory name, not a prefix (PHP ≥ 5.3.4); a relative entry is not judged', () => {
    expect(insideBasedir('/srv/shop2/a.php', ['/srv/shop'])).toBe(false);
    expect(insideBasedir('/srv/shop/a.php', ['/srv/shop/'])).toBe(true);
    expect(insideBasedir('/srv/shop/a.php', ['/'])).toBe(true);
    expect(insideBasedir('/srv/shop/a.php', ['.', '/tmp'])).toBeUndefined();
  });
});
