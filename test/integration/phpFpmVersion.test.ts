/**
 * The harness runs whichever PHP-FPM is installed (Debian's php-fpm8.2,
 * php-fpm8.3, php-fpm8.4… or RHEL's php-fpm), so CI on another PHP version
 * runs the same suites instead of skipping or failing them.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startPhpFpm } from './harness/phpFpm.js';
import { BINARIES, hasBinary, pickPhpFpmBinary } from './harness/requireServer.js';
import { cgiFcgi } from './harness/cgiFcgi.js';

describe('which PHP-FPM the harness runs', () => {
  it('a Debian machine with PHP 8.3 or 8.4 only: that binary, not php-fpm8.2', () => {
    expect(pickPhpFpmBinary('/usr/sbin', ['apache2', 'php-fpm8.3'])).toBe('/usr/sbin/php-fpm8.3');
    expect(pickPhpFpmBinary('/usr/sbin', ['php-fpm8.4', 'phpquery'])).toBe('/usr/sbin/php-fpm8.4');
  });

  it('several versions: the newest, compared as numbers (8.10 after 8.9)', () => {
    expect(pickPhpFpmBinary('/usr/sbin', ['php-fpm7.4', 'php-fpm8.2', 'php-fpm8.10', 'php-fpm8.9'])).toBe(
      '/usr/sbin/php-fpm8.10',
    );
  });

  it('RHEL, Alpine or the official image: the unversioned php-fpm', () => {
    expect(pickPhpFpmBinary('/usr/sbin', ['php-fpm', 'httpd'])).toBe('/usr/sbin/php-fpm');
    expect(pickPhpFpmBinary('/usr/sbin', [])).toBe('/usr/sbin/php-fpm');
  });
});

describe.skipIf(!hasBinary(BINARIES.phpFpm))('the PHP-FPM found here', () => {
  it('is the one installed, and the harness starts it', async () => {
    const version = execFileSync(BINARIES.phpFpm.path, ['-v'], { encoding: 'utf8' });
    expect(version).toMatch(/^PHP \d+\.\d+\.\d+.*\(fpm-fcgi\)/);
    const fpm = await startPhpFpm({ scripts: { 'v.php': '<?php echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;' } });
    try {
      const r = await cgiFcgi(fpm.endpoint, { scriptFilename: `${fpm.docRoot}/v.php` });
      const minor = /^PHP (\d+\.\d+)/.exec(version)?.[1];
      expect(r.body.trim()).toBe(minor);
    } finally {
      await fpm.stop();
    }
  });
});
