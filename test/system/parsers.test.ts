import { describe, expect, it } from 'vitest';
import { fixtureSystem } from '../../src/system/fixture.js';
import {
  expandGlob,
  parseBootTime,
  parseCmdline,
  parseGroup,
  parsePasswd,
  parseProcNetTcp,
  parseProcNetUnix,
  parseProcStat,
  parseProcStatus,
  resolveGroupId,
  socketInodeOf,
  usersFromText,
} from '../../src/system/index.js';

describe('passwd and group', () => {
  const passwd =
    'root:x:0:0:root:/root:/bin/bash\n# comment\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nbroken:x:notanumber:1::/:/bin/sh\napp:x:1001:1001::/home/app:/bin/sh\n';
  const group = 'root:x:0:\nwww-data:x:33:\nsites:x:2000:www-data,app\napp:x:1001:\n';
  it('parses entries and skips broken lines', () => {
    expect(parsePasswd(passwd).map((u) => u.name)).toEqual(['root', 'www-data', 'app']);
    expect(parseGroup(group).find((g) => g.name === 'sites')?.members).toEqual(['www-data', 'app']);
  });
  it('resolves names and ids both ways, with supplementary groups and "#uid"', () => {
    const u = usersFromText(passwd, group);
    expect(u.user('www-data')).toMatchObject({ uid: 33, gid: 33, groups: [2000] });
    expect(u.user('#1001')?.name).toBe('app');
    expect(u.user(0)?.name).toBe('root');
    expect(u.group('sites')?.gid).toBe(2000);
    expect(u.userName(33)).toBe('www-data');
    expect(u.groupName(1001)).toBe('app');
    expect(u.user('nobody')).toBeUndefined();
  });
  it('resolveGroupId still takes numbers and names', () => {
    expect(resolveGroupId('33')).toBe(33);
    expect(resolveGroupId('root')).toBe(0);
    expect(resolveGroupId('no-such-group-here')).toBeUndefined();
  });
});

describe('/proc/PID files', () => {
  it('stat: a comm with spaces and parentheses', () => {
    const text =
      '4242 (php-fpm: pool (www)) S 4200 4200 4200 0 -1 4194624 100 0 0 0 1 2 0 0 20 0 3 0 98765 1000 200 0 0 0';
    expect(parseProcStat(text)).toEqual({
      comm: 'php-fpm: pool (www)',
      state: 'S',
      ppid: 4200,
      threads: 3,
      startTicks: 98765,
    });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
  it('status: real and effective ids, groups, and an empty Groups line', () => {
    const text = 'Name:\tapache2\nUid:\t0\t33\t33\t33\nGid:\t0\t33\t33\t33\nGroups:\t33 2000 \nNStgid:\t1\n';
    expect(parseProcStatus(text)).toEqual({ uid: 0, euid: 33, gid: 0, egid: 33, groups: [33, 2000] });
    expect(parseProcStatus('Uid:\t1\t1\t1\t1\nGid:\t2\t2\t2\t2\nGroups:\t\nNStgid:\t9\n')?.groups).toEqual([]);
  });
  it('cmdline, btime, socket links', () => {
    expect(parseCmdline('/usr/bin/perl\0app.pl\0')).toEqual(['/usr/bin/perl', 'app.pl']);
    expect(parseCmdline('')).toEqual([]);
    expect(parseBootTime('cpu 1 2 3\nbtime 1700000000\n')).toBe(1700000000);
    expect(socketInodeOf('socket:[123]')).toBe(123);
    expect(socketInodeOf('pipe:[123]')).toBeUndefined();
  });
});

describe('/proc/net', () => {
  it('unix: only listening stream sockets with a path', () => {
    const text = [
      'Num       RefCount Protocol Flags    Type St Inode Path',
      '0000000000000000: 00000002 00000000 00010000 0001 01 27000 /run/php/php8.2-fpm.sock',
      '0000000000000000: 00000003 00000000 00000000 0001 03 27001 /run/php/php8.2-fpm.sock',
      '0000000000000000: 00000002 00000000 00010000 0002 01 27002 /run/dgram.sock',
      '0000000000000000: 00000002 00000000 00010000 0001 01 27003 @abstract',
      '0000000000000000: 00000002 00000000 00010000 0001 01 27004 /tmp/with space.sock',
      '0000000000000000: 00000002 00000000 00010000 0001 01 27005',
    ].join('\n');
    expect(parseProcNetUnix(text)).toEqual([
      { path: '/run/php/php8.2-fpm.sock', inode: 27000 },
      { path: '@abstract', inode: 27003 },
      { path: '/tmp/with space.sock', inode: 27004 },
    ]);
  });
  it('tcp: LISTEN rows, little-endian addresses', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 5001 1 0000000000000000 100 0 0 10 0',
      '   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 100 0 0 10 0',
      '   2: 0100007F:2328 0100007F:D3A2 01 00000000:00000000 00:00000000 00000000    33        0 5003 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    expect(parseProcNetTcp(text, 4)).toEqual([
      { address: '127.0.0.1', port: 9000, inode: 5001, family: 4 },
      { address: '0.0.0.0', port: 8080, inode: 5002, family: 4 },
    ]);
  });
  it('tcp6: ::, ::1 and v4-mapped addresses', () => {
    const row = (addr: string, inode: number) =>
      `   0: ${addr}:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 ${inode} 1`;
    const text = [
      'header',
      row('00000000000000000000000000000000', 1),
      row('00000000000000000000000001000000', 2),
      row('0000000000000000FFFF00000100007F', 3),
    ].join('\n');
    expect(parseProcNetTcp(text, 6).map((l) => l.address)).toEqual(['::', '::1', '::ffff:127.0.0.1']);
  });
});

describe('PHP-FPM pool files', () => {
  it('pools are read by src/fpm: comments, quotes, inline comments, sections, ${ENV}, units and booleans', () => {
    const sys = fixtureSystem({
      files: {
        '/etc/php/8.2/fpm/pool.d/www.conf':
          '; top\n[www]\nuser = www-data\nlisten = "/run/php/x.sock"\nlisten.mode = 0660 ; comment\n# hash\n' +
          'catch_workers_output = yes\nrequest_terminate_timeout = 30s\nphp_admin_value[open_basedir] = /srv\n',
      },
    });
    const [www] = sys.fpm.scan().pools;
    expect(www?.settings['listen']).toBe('/run/php/x.sock');
    expect(www?.settings['listen.mode']).toBe('0660');
    expect(www?.lines['listen.mode']).toBe(5);
    // FPM's INI scanner turns yes into "1"; array entries are in the src/fpm pool, not in settings.
    expect(www?.settings['catch_workers_output']).toBe('1');
    expect(www?.settings['request_terminate_timeout']).toBe('30s');
    expect(Object.keys(www?.settings ?? {}).some((k) => k.startsWith('php_admin_value'))).toBe(false);
    expect(www?.config.phpAdminValues.map((e) => [e.offset, e.value])).toEqual([['open_basedir', '/srv']]);
  });
  it('listen forms, as FPM reads them', () => {
    const listenOf = (value: string) =>
      fixtureSystem({ files: { '/etc/php-fpm.d/a.conf': `[a]\nlisten = ${value}\n` } }).fpm.scan().pools[0]?.endpoint;
    expect(listenOf('/run/php/x.sock')).toEqual({ kind: 'unix', path: '/run/php/x.sock' });
    expect(listenOf('9000')).toEqual({ kind: 'tcp', host: '0.0.0.0', port: 9000 });
    expect(listenOf('127.0.0.1:9001')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9001 });
    expect(listenOf('[::1]:9002')).toEqual({ kind: 'tcp', host: '::1', port: 9002 });
    expect(listenOf('localhost:9003')).toEqual({ kind: 'tcp', host: 'localhost', port: 9003 });
    // A relative socket path is under FPM's prefix (fpm_evaluate_full_path).
    expect(listenOf('run/x.sock')).toEqual({ kind: 'unix', path: '/usr/run/x.sock' });
  });
  it('scan: php-fpm.conf include= glob, pool.d files once, $pool substituted, unreadable files reported', () => {
    const sys = fixtureSystem({
      files: {
        '/etc/php/8.2/fpm/php-fpm.conf': '[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n',
        '/etc/php/8.2/fpm/pool.d/www.conf':
          '[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm-$pool.sock\nlisten.owner = www-data\n',
        '/etc/php/8.2/fpm/pool.d/api.conf': '[api]\nlisten = 127.0.0.1:9000\n',
        '/etc/php-fpm.d/secret.conf': { content: '[s]\nlisten=/x\n', denied: true },
        '/srv/extra/fpm.conf': '[extra]\nlisten = /srv/extra.sock\n',
      },
    });
    const scan = sys.fpm.scan(['/srv/extra/fpm.conf']);
    expect(scan.pools.map((p) => p.name).sort()).toEqual(['api', 'extra', 'www']);
    const www = scan.pools.find((p) => p.name === 'www');
    expect(www?.endpoint).toEqual({ kind: 'unix', path: '/run/php/php8.2-fpm-www.sock' });
    expect(www?.lines['listen']).toBe(3);
    expect(scan.filesRead.filter((f) => f.endsWith('www.conf'))).toHaveLength(1);
    expect(scan.problems.join()).toContain('secret.conf');
  });
  it('expandGlob matches components and skips hidden files', () => {
    const sys = fixtureSystem({
      files: {
        '/etc/php/7.4/fpm/pool.d/a.conf': '',
        '/etc/php/8.2/fpm/pool.d/b.conf': '',
        '/etc/php/8.2/fpm/pool.d/.c.conf': '',
        '/etc/php/8.2/fpm/pool.d/d.txt': '',
      },
    });
    expect(expandGlob(sys.fs, '/etc/php/*/fpm/pool.d/*.conf')).toEqual([
      '/etc/php/7.4/fpm/pool.d/a.conf',
      '/etc/php/8.2/fpm/pool.d/b.conf',
    ]);
    expect(expandGlob(sys.fs, '/etc/php/8.[0-9]/fpm/pool.d/?.conf')).toEqual(['/etc/php/8.2/fpm/pool.d/b.conf']);
  });
});

describe('fixture machine', () => {
  it('connect follows the data: listener → ok, file without listener → refused, nothing → ENOENT', async () => {
    const sys = fixtureSystem({
      files: { '/run/a.sock': { type: 'socket' }, '/run/b.sock': { type: 'socket' } },
      unixListeners: [{ path: '/run/a.sock', inode: 1 }],
      tcpListeners: [{ address: '0.0.0.0', port: 9000, inode: 2, family: 4 }],
    });
    expect((await sys.connector.connectUnix('/run/a.sock', 100)).ok).toBe(true);
    expect(await sys.connector.connectUnix('/run/b.sock', 100)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await sys.connector.connectUnix('/run/c.sock', 100)).toMatchObject({ ok: false, code: 'ENOENT' });
    expect((await sys.connector.connectTcp('localhost', 9000, 100)).ok).toBe(true);
    expect((await sys.connector.connectTcp('127.0.0.1', 9001, 100)).ok).toBe(false);
  });
  it('holders: socket inodes to pids, incomplete when fds are hidden', () => {
    const sys = fixtureSystem({
      processes: [
        { pid: 10, comm: 'a', sockets: [7] },
        { pid: 11, comm: 'b', sockets: 'hidden' },
      ],
    });
    expect(sys.sockets.holders(7)).toEqual({ pids: [10], complete: false });
    const all = fixtureSystem({ processes: [{ pid: 10, comm: 'a', sockets: [7] }] });
    expect(all.sockets.holders(8)).toEqual({ pids: [], complete: true });
  });
  it('stat follows symbolic links in every component; lstat does not', () => {
    const sys = fixtureSystem({
      files: { '/var/run': { target: '/run' }, '/run/x.sock': { type: 'socket', uid: 33 } },
    });
    expect(sys.fs.stat('/var/run/x.sock')).toMatchObject({ type: 'socket', uid: 33, path: '/run/x.sock' });
    expect(sys.fs.lstat('/var/run')).toMatchObject({ type: 'symlink' });
    expect(sys.fs.listDir('/run')).toEqual(['x.sock']);
  });
});
