import { describe, expect, it } from 'vitest';
import { statusPageExposedCheck } from '../../../src/checks/probes/statusPageExposed.js';
import { DEBIAN_POOL, probe, probeText } from './helpers.js';

const SOCK = '/run/php/php8.2-fpm.sock';
const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';

/** Debian's pool with a status page and a ping page (lines 12 and 13). */
const POOL = {
  ...DEBIAN_POOL,
  [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}pm.status_path = /fpm-status\nping.path = /fpm-ping\n`,
};

const shop = (inside: string) => `<VirtualHost *:80>
ServerName shop.example.org
DocumentRoot /srv/shop
<FilesMatch "\\.php$">
  SetHandler "proxy:unix:${SOCK}|fcgi://localhost"
</FilesMatch>
${inside}
</VirtualHost>`;

const files = { ...POOL, '/srv/shop/index.php': '<?php echo 1;' };

describe('status-page-exposed (statusPageExposedCheck)', () => {
  it('a ProxyPass that sends /fpm-status to the pool with no Require: fires at the pool line, with the ProxyPass line', async () => {
    const r = await probe(
      shop(`ProxyPass /fpm-status unix:${SOCK}|fcgi://localhost/fpm-status`),
      { files },
      {
        checks: [statusPageExposedCheck],
        discovery: false,
      },
    );
    expect(r.findings.map((f) => [f.id, f.location?.file, f.location?.line])).toEqual([
      ['status-page-exposed', POOL_FILE, 12],
    ]);
    const f = r.findings[0];
    expect(f?.message).toContain('http://shop.example.org/fpm-status goes to PHP-FPM pool [www]');
    expect(probeText(f as never)).toContain(`${POOL_FILE}:12: pm.status_path = /fpm-status`);
    expect(f?.evidence.map((e) => e.text).join('\n')).toMatch(/ProxyPass \/fpm-status/);
    expect(f?.fix).toContain('Require local');
  });

  it('a catch-all handler (SetHandler in <Location />) exposes both the status and the ping page', async () => {
    const conf = `<VirtualHost *:80>
ServerName shop.example.org
DocumentRoot /srv/shop
<Location />
  SetHandler "proxy:unix:${SOCK}|fcgi://localhost"
</Location>
</VirtualHost>`;
    const r = await probe(conf, { files }, { checks: [statusPageExposedCheck], discovery: false });
    expect(r.findings.map((f) => f.location?.line)).toEqual([12, 13]);
  });

  it('quiet: the FilesMatch handler only (/fpm-status does not end in .php)', async () => {
    const r = await probe(shop(''), { files }, { checks: [statusPageExposedCheck], discovery: false });
    expect(r.findings).toEqual([]);
  });

  it('quiet: the ProxyPass is inside a <Location> with Require local', async () => {
    const r = await probe(
      shop(
        `<Location /fpm-status>\n  Require local\n  ProxyPass unix:${SOCK}|fcgi://localhost/fpm-status\n</Location>`,
      ),
      { files },
      { checks: [statusPageExposedCheck], discovery: false },
    );
    expect(r.findings).toEqual([]);
  });

  it('quiet: Require all denied on the path', async () => {
    const r = await probe(
      shop(
        `ProxyPass /fpm-status unix:${SOCK}|fcgi://localhost/fpm-status\n<Location /fpm-status>\n  Require all denied\n</Location>`,
      ),
      { files },
      { checks: [statusPageExposedCheck], discovery: false },
    );
    expect(r.findings).toEqual([]);
  });

  it('quiet: the route goes to another pool than the one with the status page', async () => {
    const r = await probe(
      shop('ProxyPass /fpm-status unix:/run/php/other.sock|fcgi://localhost/fpm-status'),
      { files },
      {
        checks: [statusPageExposedCheck],
        discovery: false,
      },
    );
    expect(r.findings).toEqual([]);
  });
});
