import { describe, expect, it } from 'vitest';
import { fixtureSystem } from '../../src/system/fixture.js';
import { fpmLogFiles } from '../../src/system/fpmLogs.js';

describe("fpmLogFiles: PHP-FPM's own logs where Debian and RHEL put them", () => {
  it("finds Debian's versioned log and RHEL's error logs, and nothing else", () => {
    const { fs } = fixtureSystem({
      files: {
        '/var/log/php8.2-fpm.log': 'x',
        '/var/log/php-fpm.log': 'x',
        '/var/log/syslog': 'x',
        '/var/log/error.log': 'x', // only RHEL's php-fpm directory names it so
        '/var/log/php-fpm/error.log': 'x',
        '/var/log/php-fpm/www-error.log': 'x',
        '/var/log/php-fpm/www-slow.log': 'x',
      },
    });
    expect(fpmLogFiles(fs).sort()).toEqual([
      '/var/log/php-fpm.log',
      '/var/log/php-fpm/error.log',
      '/var/log/php-fpm/www-error.log',
      '/var/log/php8.2-fpm.log',
    ]);
  });
  it('finds none where neither directory exists', () => {
    const { fs } = fixtureSystem({ files: { '/etc/hostname': 'x' } });
    expect(fpmLogFiles(fs)).toEqual([]);
  });
});
