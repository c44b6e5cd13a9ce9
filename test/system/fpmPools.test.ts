/**
 * src/system's FpmPools seam, backed by src/fpm: which files are read (installations, each running
 * master's own -y and -p, the pool.d files nothing includes, the files named) and how a pool is
 * flattened for the probes, on a fixture machine.
 */
import { describe, expect, it } from 'vitest';
import { fixtureSystem } from '../../src/system/fixture.js';
import { fpmMasterCommands, fpmPoolsFrom } from '../../src/system/fpmPools.js';

describe('FpmPools reads PHP-FPM as FPM does', () => {
  it("finds the Docker images' layout: include= relative to the /usr/local prefix", () => {
    const sys = fixtureSystem({
      files: {
        '/usr/local/etc/php-fpm.conf': '[global]\nerror_log = /proc/self/fd/2\ninclude=etc/php-fpm.d/*.conf\n',
        '/usr/local/etc/php-fpm.d/www.conf': '[www]\nuser = www-data\nlisten = 9000\n',
      },
    });
    const scan = sys.fpm.scan();
    expect(scan.pools.map((p) => [p.name, p.main, p.endpoint])).toEqual([
      ['www', '/usr/local/etc/php-fpm.conf', { kind: 'tcp', host: '0.0.0.0', port: 9000 }],
    ]);
    // Read once, through php-fpm.conf, though the pool.d glob matches it too.
    expect(scan.filesRead).toEqual(['/usr/local/etc/php-fpm.conf', '/usr/local/etc/php-fpm.d/www.conf']);
    expect(scan.configs.map((c) => [c.config.file, c.poolFile])).toEqual([['/usr/local/etc/php-fpm.conf', false]]);
  });

  it("a running master's own configuration, under its -p prefix, with the version of its binary", () => {
    const sys = fixtureSystem({
      files: {
        '/srv/app/fpm.conf': '[global]\ninclude=pools/*.conf\n',
        '/srv/app/pools/app.conf':
          '[app]\nuser = www-data\nlisten = run/$pool.sock\npm.status_listen = 127.0.0.1:9001\n',
        '/proc/700/exe': { type: 'symlink', target: '/usr/sbin/php-fpm8.3' },
      },
      processes: [
        { pid: 700, comm: 'php-fpm8.3', cmdline: ['php-fpm8.3', '-y', '/srv/app/fpm.conf', '-p', '/srv/app'] },
      ],
    });
    const [app] = sys.fpm.scan().pools;
    expect(app?.name).toBe('app');
    expect(app?.version).toBe('8.3');
    expect(app?.endpoint).toEqual({ kind: 'unix', path: '/srv/app/run/app.sock' });
    expect(app?.settings['pm.status_listen']).toBe('127.0.0.1:9001');
    expect(app?.config.get('listen')?.line).toBe(3);
  });

  it('a pool file nothing includes is read alone; an unreadable one is a problem naming the viewer', () => {
    const sys = fixtureSystem({
      files: {
        '/etc/php/8.2/fpm/pool.d/left.conf': '[left]\nlisten = /run/php/left.sock\n',
        '/etc/php-fpm.d/secret.conf': { content: '[s]\nlisten=/x\n', denied: true },
      },
      viewer: { uid: 33 },
    });
    const scan = sys.fpm.scan();
    expect(scan.pools.map((p) => [p.name, p.version])).toEqual([['left', '8.2']]);
    expect(scan.configs.map((c) => c.poolFile)).toEqual([true, true]);
    expect(scan.problems).toEqual([
      'failed to load configuration file: /etc/php-fpm.d/secret.conf is not visible to user www-data; run with sudo to read it',
    ]);
  });

  it('a master whose /proc entry vanished mid-read: the packaged layouts are still read', () => {
    const sys = fixtureSystem({
      files: { '/etc/php/8.2/fpm/php-fpm.conf': '[www]\nlisten = /run/php/php8.2-fpm.sock\n' },
    });
    // A read of /proc that throws is what an entry vanishing mid-read looks like.
    const vanishing = {
      commandLines: () => {
        throw Object.assign(new Error('ENOENT: /proc/812/cmdline'), { code: 'ENOENT' });
      },
    };
    const fpm = fpmPoolsFrom(sys.fs, { masters: () => fpmMasterCommands(vanishing) });
    expect(fpm.scan().pools.map((p) => p.name)).toEqual(['www']);
  });

  it('a bug while listing the masters is not taken for "no master": it ends the run (exit 2 upstream)', () => {
    const sys = fixtureSystem({ files: { '/etc/php/8.2/fpm/php-fpm.conf': '[www]\nlisten = /x.sock\n' } });
    const fpm = fpmPoolsFrom(sys.fs, {
      masters: () => {
        throw new TypeError('undefined is not a function');
      },
    });
    expect(() => fpm.scan()).toThrow(TypeError);
  });
});
