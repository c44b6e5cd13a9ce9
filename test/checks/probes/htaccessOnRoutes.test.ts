/**
 * A .htaccess on the route to a script a site serves, read as Apache reads it:
 * php_value under PHP-FPM (no mod_php) makes every URL beneath answer 500.
 */
import { describe, expect, it } from 'vitest';
import { DEBIAN_POOL, FPM_PROCESSES, fpmSocket, ids, only, probe } from './helpers.js';

const DEBIAN_PHP = `<FilesMatch ".+\\.ph(?:ar|p|tml)$">\n  SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"\n</FilesMatch>\nDirectoryIndex index.html index.php`;
const BLOG = `<VirtualHost *:80>\n  ServerName blog.example.org\n  DocumentRoot /srv/blog\n  <Directory /srv/blog>\n    AllowOverride All\n  </Directory>\n</VirtualHost>`;
const machine = (htaccess: string) => ({
  files: { ...DEBIAN_POOL, ...fpmSocket(), '/srv/blog/index.php': '<?php', '/srv/blog/.htaccess': htaccess },
  processes: FPM_PROCESSES,
  unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
});

describe('htaccess-invalid-command on the routes a site serves', () => {
  it('php_value under PHP-FPM: one finding at the .htaccess line, naming the site, with the fix for FPM', async () => {
    const r = await probe(`${DEBIAN_PHP}\n${BLOG}`, machine('# tuned\nphp_value memory_limit 256M\n'));
    const f = only(r, 'htaccess-invalid-command');
    expect(f.location).toMatchObject({ file: '/srv/blog/.htaccess', line: 2 });
    expect(f.message).toContain('blog.example.org');
    expect(f.fix).toContain('memory_limit');
  });

  it('a valid .htaccess (Options, Require, AddType under AllowOverride All): nothing to say', async () => {
    const r = await probe(
      `${DEBIAN_PHP}\n${BLOG}`,
      machine('Options -Indexes\nRequire all granted\nAddType text/plain .txt\n'),
    );
    expect(ids(r), JSON.stringify(r.findings.map((f) => f.message))).not.toContain('htaccess-invalid-command');
  });

  it('AllowOverride None: Apache never reads it, nor do we', async () => {
    const blog = BLOG.replace('AllowOverride All', 'AllowOverride None');
    const r = await probe(`${DEBIAN_PHP}\n${blog}`, machine('php_value memory_limit 256M\n'));
    expect(ids(r)).not.toContain('htaccess-invalid-command');
  });
});
