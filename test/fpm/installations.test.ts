import { describe, expect, it } from 'vitest';
import { findFpmInstallations, installationOfMaster, phpVersionOf, versionNumber } from '../../src/fpm/index.js';
import { memoryFpmFileReader } from '../../src/fpm/memoryReader.js';

describe('findFpmInstallations', () => {
  it('finds Debian versions side by side, RHEL and the Docker layout, each with its prefix', () => {
    const reader = memoryFpmFileReader({
      '/etc/php/7.4/fpm/php-fpm.conf': '',
      '/etc/php/8.3/fpm/php-fpm.conf': '',
      '/etc/php/8.3/cli/php.ini': '',
      '/etc/php/8.1/cli/php.ini': '',
      '/etc/php-fpm.conf': '',
      '/usr/local/etc/php-fpm.conf': '',
    });
    expect(findFpmInstallations(reader)).toEqual([
      { layout: 'debian', config: '/etc/php/7.4/fpm/php-fpm.conf', prefix: '/usr', version: '7.4' },
      { layout: 'debian', config: '/etc/php/8.3/fpm/php-fpm.conf', prefix: '/usr', version: '8.3' },
      { layout: 'rhel', config: '/etc/php-fpm.conf', prefix: '/usr' },
      { layout: 'docker', config: '/usr/local/etc/php-fpm.conf', prefix: '/usr/local' },
    ]);
  });

  it('adds a running master started on a private file, and marks a packaged one as running', () => {
    const reader = memoryFpmFileReader({ '/etc/php/8.1/fpm/php-fpm.conf': '' });
    const found = findFpmInstallations(reader, [
      { pid: 10, argv: ['php-fpm: master process (/etc/php/8.1/fpm/php-fpm.conf)'], exe: '/usr/sbin/php-fpm8.1' },
      {
        pid: 20,
        argv: ['/opt/php/sbin/php-fpm', '--fpm-config=/srv/app/fpm.conf', '-p', '/srv/app', '-c', '/srv/app/php.ini'],
      },
    ]);
    expect(found).toEqual([
      { layout: 'debian', config: '/etc/php/8.1/fpm/php-fpm.conf', prefix: '/usr', version: '8.1', pid: 10 },
      { layout: 'master', config: '/srv/app/fpm.conf', prefix: '/srv/app', pid: 20, phpIni: '/srv/app/php.ini' },
    ]);
  });
});

describe('installationOfMaster', () => {
  it('reads -y FILE, -yFILE and the version from the binary name', () => {
    expect(
      installationOfMaster({ pid: 1, argv: ['/usr/sbin/php-fpm8.3', '--nodaemonize', '-y', '/tmp/x.conf'] }),
    ).toMatchObject({ config: '/tmp/x.conf', version: '8.3', prefix: '/usr' });
    expect(installationOfMaster({ pid: 1, argv: ['php-fpm', '-y/usr/local/etc/php-fpm.conf'] })).toMatchObject({
      config: '/usr/local/etc/php-fpm.conf',
      prefix: '/usr/local',
    });
  });
  it('without a configuration it says nothing (the caller knows the build default)', () => {
    expect(installationOfMaster({ pid: 1, argv: ['php-fpm', '-F'] })).toBeUndefined();
    expect(installationOfMaster({ pid: 1, argv: ['php-fpm', '-F'] }, { config: '/etc/php-fpm.conf' })).toMatchObject({
      config: '/etc/php-fpm.conf',
    });
  });
});

describe('versions', () => {
  it('from paths and binary names, never assumed', () => {
    expect(phpVersionOf('/etc/php/8.2/fpm/pool.d/www.conf')).toBe('8.2');
    expect(phpVersionOf('/usr/sbin/php-fpm7.4')).toBe('7.4');
    expect(phpVersionOf('/opt/remi/php81/root/usr/sbin/php81-fpm')).toBe('8.1');
    expect(phpVersionOf('/usr/sbin/php-fpm')).toBeUndefined();
    expect(versionNumber('8.3')).toBe(803);
  });
});
