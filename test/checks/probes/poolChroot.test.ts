import { describe, expect, it } from 'vitest';
import { poolChrootCheck } from '../../../src/checks/probes/poolChroot.js';
import { DEBIAN_POOL, probe, probeText } from './helpers.js';

const SOCK = '/run/php/php8.2-fpm.sock';
const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';

const site = `<VirtualHost *:80>
ServerName jail.example.org
DocumentRoot /srv/jail/www
DirectoryIndex index.php
<FilesMatch "\\.php$">
  SetHandler "proxy:unix:${SOCK}|fcgi://localhost"
</FilesMatch>
</VirtualHost>`;

const run = (extra: string, files: Record<string, string> = {}) =>
  probe(
    site,
    {
      files: {
        ...DEBIAN_POOL,
        [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}${extra}`,
        '/srv/jail/www/index.php': '<?php echo 1;',
        ...files,
      },
    },
    { checks: [poolChrootCheck] },
  );

describe('primary-script-unknown from a pool chroot (poolChrootCheck)', () => {
  it('the vhost sends the host path into a jail: fires at the chroot line, with the path as the jail sees it', async () => {
    const r = await run('chroot = /srv/jail\n');
    expect(r.findings.map((f) => [f.id, f.location?.file, f.location?.line])).toEqual([
      ['primary-script-unknown', POOL_FILE, 12],
    ]);
    const f = r.findings[0];
    expect(f?.message).toContain('as /srv/jail/www/index.php, but the pool runs in chroot /srv/jail');
    expect(probeText(f as never)).toContain('/srv/jail/srv/jail/www/index.php: no such file');
    expect(f?.fix).toContain('ProxyFCGISetEnvIf "true" SCRIPT_FILENAME "/www%{reqenv:SCRIPT_NAME}"');
  });

  it('quiet: the path also exists inside the jail (a bind mount or a mirrored tree)', async () => {
    const r = await run('chroot = /srv/jail\n', { '/srv/jail/srv/jail/www/index.php': '<?php echo 1;' });
    expect(r.findings).toEqual([]);
  });

  it('quiet: no chroot', async () => {
    const r = await run('');
    expect(r.findings).toEqual([]);
  });
});
