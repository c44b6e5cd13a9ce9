import { describe, expect, it } from 'vitest';
import {
  checkFpmConfig,
  parseIniSize,
  parseListenAddress,
  parseTimeSeconds,
  readFpmConfig,
  scanIni,
} from '../../src/fpm/index.js';
import { memoryFpmFileReader } from '../../src/fpm/memoryReader.js';

const accounts = {
  userExists: (n: string) => ['www-data', 'nobody', 'blog'].includes(n),
  groupExists: (n: string) => ['www-data', 'nogroup'].includes(n),
};

const POOL =
  'user = www-data\ngroup = www-data\npm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n';

function check(
  files: Record<string, string | { error: string; code?: string }>,
  main: string,
  extra: { prefix?: string; version?: number; readerUser?: string; maxBytes?: number } = {},
) {
  return checkFpmConfig(main, { reader: memoryFpmFileReader(files), accounts, asRoot: true, ...extra });
}
const errors = (c: { issues: { severity: string; file: string; line: number; message: string }[] }) =>
  c.issues.filter((i) => i.severity === 'error').map((i) => `${i.file}:${i.line} ${i.message}`);

describe('scanIni: the INI scanner as FPM gets its values', () => {
  it('turns unquoted yes/on/true into "1" and no/off/false/none into "", leaves quoted words alone', () => {
    const ev = scanIni('a = yes\nb = Off\nc = "yes"\nd = none ; comment\n');
    expect(ev.map((e) => (e.kind === 'entry' ? e.value : e.kind))).toEqual(['1', '', 'yes', '']);
  });
  it('expands ${VAR} from the environment, outside single quotes', () => {
    const ev = scanIni('a = ${HOME}/x\nb = "${HOME}"\nc = \'${HOME}\'\n', { HOME: '/root' });
    expect(ev.map((e) => (e.kind === 'entry' ? e.value : ''))).toEqual(['/root/x', '/root', '${HOME}']);
  });
  it('expands ${VAR} in a section name; "#" is no comment since PHP 7', () => {
    expect(scanIni('[${SITE}]\n# note\n', { SITE: 'blog' })).toEqual([
      { kind: 'section', name: 'blog', line: 1 },
      { kind: 'entry', key: '# note', value: null, raw: '', line: 2 },
    ]);
  });
  it('reads key[offset], a bare key, and stops at an unbalanced [section', () => {
    const ev = scanIni('php_value[memory_limit] = 64M\nclear_env\n[www\nx = 1\n');
    expect(ev).toEqual([
      { kind: 'entry', key: 'php_value', offset: 'memory_limit', value: '64M', raw: '64M', line: 1 },
      { kind: 'entry', key: 'clear_env', value: null, raw: '', line: 2 },
      { kind: 'syntax', message: 'section "[www" has no closing "]"', line: 3 },
    ]);
  });
});

describe('readFpmConfig: layouts and values', () => {
  it('Debian: include= of pool.d, $pool in listen and slowlog, arrays, env, file:line on every entry', () => {
    const c = check(
      {
        '/etc/php/8.3/fpm/php-fpm.conf':
          '[global]\npid = /run/php/php8.3-fpm.pid\ninclude=/etc/php/8.3/fpm/pool.d/*.conf\n',
        '/etc/php/8.3/fpm/pool.d/blog.conf': `[blog]\nlisten = /run/php/$pool.sock\nslowlog = /var/log/$pool.slow\nphp_admin_value[open_basedir] = /srv/$pool\nphp_flag[display_errors] = off\nenv[APP] = $pool\n${POOL}`,
      },
      '/etc/php/8.3/fpm/php-fpm.conf',
      { version: 803 },
    );
    expect(errors(c)).toEqual([]);
    const pool = c.pools[0];
    expect(pool?.name).toBe('blog');
    expect(pool?.listen).toEqual({ kind: 'unix', path: '/run/php/blog.sock' });
    expect(pool?.get('slowlog')).toMatchObject({
      value: '/var/log/blog.slow',
      file: '/etc/php/8.3/fpm/pool.d/blog.conf',
      line: 3,
    });
    expect(pool?.phpAdminValues[0]).toMatchObject({ offset: 'open_basedir', value: '/srv/blog', line: 4 });
    expect(pool?.phpValues[0]).toMatchObject({ offset: 'display_errors', value: 'Off' });
    expect(pool?.env[0]).toMatchObject({ offset: 'APP', value: 'blog' });
    expect(c.files).toEqual(['/etc/php/8.3/fpm/php-fpm.conf', '/etc/php/8.3/fpm/pool.d/blog.conf']);
  });

  it('Docker: a relative include= is under the prefix (/usr/local), not beside php-fpm.conf', () => {
    const c = check(
      {
        '/usr/local/etc/php-fpm.conf': '[global]\ninclude=etc/php-fpm.d/*.conf\n',
        '/usr/local/etc/php-fpm.d/www.conf': `[www]\n${POOL}`,
        '/usr/local/etc/php-fpm.d/zz-docker.conf': '[global]\ndaemonize = no\n[www]\nlisten = 9000\n',
      },
      '/usr/local/etc/php-fpm.conf',
      { prefix: '/usr/local' },
    );
    expect(errors(c)).toEqual([]);
    expect(c.pools[0]?.listen).toEqual({ kind: 'tcp', host: '', port: 9000, ipv6: false });
    expect(c.globalGet('daemonize')?.value).toBe('');
  });

  it('RHEL: /etc/php-fpm.d pools on TCP with allowed clients', () => {
    const c = check(
      {
        '/etc/php-fpm.conf': '[global]\npid = /run/php-fpm/php-fpm.pid\ninclude=/etc/php-fpm.d/*.conf\n',
        '/etc/php-fpm.d/www.conf': `[www]\nlisten = 127.0.0.1:9000\nlisten.allowed_clients = 127.0.0.1\n${POOL.replace('www-data', 'nobody')}`,
      },
      '/etc/php-fpm.conf',
    );
    expect(errors(c)).toEqual([]);
    expect(c.pools[0]?.listen).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000, ipv6: false });
  });

  it('a directive newer than the installed PHP is unknown to it', () => {
    const files = { '/f.conf': `[www]\nlisten = /s\npm.max_spawn_rate = 4\n${POOL}` };
    expect(errors(check(files, '/f.conf', { version: 703 }))).toEqual(["/f.conf:3 unknown entry 'pm.max_spawn_rate'"]);
    expect(errors(check(files, '/f.conf', { version: 802 }))).toEqual([]);
  });
});

describe('values: listen, sizes, times', () => {
  it('listen forms', () => {
    expect(parseListenAddress('9000')).toEqual({ kind: 'tcp', host: '', port: 9000, ipv6: false });
    expect(parseListenAddress('[::]:9000')).toEqual({ kind: 'tcp', host: '::', port: 9000, ipv6: true });
    expect(parseListenAddress('localhost:9001')).toEqual({ kind: 'tcp', host: 'localhost', port: 9001, ipv6: false });
    expect(parseListenAddress('/run/php/www.sock')).toEqual({ kind: 'unix', path: '/run/php/www.sock' });
  });
  it('k/m/g sizes and s/m/h/d times', () => {
    expect(parseIniSize('128M')).toBe(128 * 1024 * 1024);
    expect(parseIniSize('1g')).toBe(1024 ** 3);
    expect(parseIniSize('12q')).toBeUndefined();
    expect(parseTimeSeconds('30m')).toBe(1800);
    expect(parseTimeSeconds('20')).toBe(20);
  });
});

describe('validation: what php-fpm -t rejects, with file:line', () => {
  const one = (pool: string, extra = '') =>
    check({ '/f.conf': `[global]\nerror_log = /l\n${extra}[www]\n${pool}` }, '/f.conf');
  it.each([
    ['unknown directive', `listen = /s\n${POOL}pm.max_childs = 3\n`, "/f.conf:12 unknown entry 'pm.max_childs'"],
    [
      'start_servers outside the spares',
      'listen = /s\nuser = www-data\npm = dynamic\npm.max_children = 9\npm.start_servers = 8\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n',
      '/f.conf:8 [pool www] pm.start_servers(8) must not be less than pm.min_spare_servers(1) and not greater than pm.max_spare_servers(3)',
    ],
    [
      'max_spare above max_children',
      'listen = /s\nuser = www-data\npm = dynamic\npm.max_children = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n',
      '/f.conf:9 [pool www] pm.min_spare_servers(1) and pm.max_spare_servers(3) cannot be greater than pm.max_children(2)',
    ],
    [
      'min_spare above max_spare',
      'listen = /s\nuser = www-data\npm = dynamic\npm.max_children = 9\npm.min_spare_servers = 4\npm.max_spare_servers = 2\n',
      '/f.conf:9 [pool www] pm.max_spare_servers(2) must not be less than pm.min_spare_servers(4)',
    ],
    [
      'max_children 0',
      'listen = /s\nuser = www-data\npm = static\npm.max_children = 0\n',
      '/f.conf:7 [pool www] pm.max_children must be a positive value',
    ],
    ['no listen', POOL, '/f.conf:3 [pool www] no listen address have been defined!'],
    [
      'unknown user',
      'listen = /s\nuser = ghost\npm = static\npm.max_children = 1\n',
      "/f.conf:5 [pool www] cannot get uid for user 'ghost'",
    ],
    [
      'bad boolean',
      `listen = /s\n${POOL}clear_env = maybe\n`,
      "/f.conf:12 unable to parse value for entry 'clear_env': invalid boolean value",
    ],
    [
      'bad time unit',
      `listen = /s\n${POOL}request_terminate_timeout = 5x\n`,
      "/f.conf:12 unable to parse value for entry 'request_terminate_timeout': unknown suffix used in time value",
    ],
    [
      'invalid pm',
      'listen = /s\nuser = www-data\npm = adaptive\n',
      "/f.conf:6 unable to parse value for entry 'pm': invalid process manager (static, dynamic or ondemand)",
    ],
  ])('%s', (_name, pool, expected) => {
    expect(errors(one(pool))).toContain(expected);
  });

  it('$pool in [global] and arrays in [global]', () => {
    expect(errors(one(`listen = /s\n${POOL}`, 'pid = /run/$pool.pid\n'))).toEqual([
      "/f.conf:3 unable to parse value for entry 'pid': Can't use '$pool' when the pool is not defined",
    ]);
    expect(errors(one(`listen = /s\n${POOL}`, 'env[X] = 1\n'))).toEqual([
      '/f.conf:3 Array are not allowed in the global section',
    ]);
  });

  it('two pools on one socket: an error at the second listen; one name twice: merged, a warning', () => {
    const c = check({ '/f.conf': `[a]\nlisten = /s\n${POOL}[b]\nlisten = /s\n${POOL}[a]\nuser = nobody\n` }, '/f.conf');
    expect(errors(c)).toEqual([
      "/f.conf:11 [pool b] unable to set listen address as it's already used in another pool 'a'",
    ]);
    expect(c.issues.filter((i) => i.severity === 'warning').map((i) => i.line)).toEqual([19]);
    expect(c.pools.find((p) => p.name === 'a')?.get('user')?.value).toBe('nobody');
  });
});

describe('bad input: an issue, never a throw', () => {
  it('a binary file', () => {
    expect(errors(check({ '/f.conf': '\u007fELF\u0000\u0001' }, '/f.conf'))).toEqual([
      '/f.conf:0 /f.conf is a binary file, not an INI configuration',
    ]);
  });
  it('a huge file is read no further than the bound', () => {
    const c = check({ '/f.conf': `[www]\n${'; padding\n'.repeat(200)}` }, '/f.conf', { maxBytes: 100 });
    expect(errors(c)[0]).toMatch(/larger than 100 bytes/);
  });
  it('an unreadable pool file names the user who cannot see it', () => {
    const c = check(
      { '/f.conf': 'include = /d/*.conf\n', '/d/www.conf': { error: 'EACCES: permission denied', code: 'EACCES' } },
      '/f.conf',
      { readerUser: 'alice' },
    );
    expect(errors(c)).toEqual([
      '/f.conf:1 Unable to include /d/www.conf: /d/www.conf is not visible to user alice; run with sudo to read it',
    ]);
  });
  it('an include loop stops at FPM depth limit', () => {
    const c = check({ '/f.conf': 'include = /d/*.conf\n', '/d/a.conf': 'include = /d/*.conf\n' }, '/f.conf');
    expect(errors(c)).toEqual(['/d/a.conf:1 failed to include more than 5 files recursively (an include loop?)']);
  });
  it('an unbalanced section and an unterminated quote', () => {
    expect(errors(check({ '/f.conf': '[global]\n[www\n' }, '/f.conf'))).toEqual([
      '/f.conf:2 syntax error: section "[www" has no closing "]"',
    ]);
    expect(errors(check({ '/f.conf': '[www]\nlisten = "/s\n' }, '/f.conf'))).toEqual([
      '/f.conf:2 syntax error: unterminated double-quoted string',
    ]);
  });
  it('a main file that is missing', () => {
    expect(errors(readFpmConfig('/nope.conf', { reader: memoryFpmFileReader({}) }))).toEqual([
      '/nope.conf:0 failed to load configuration file: cannot read /nope.conf: No such file or directory',
    ]);
  });
});
