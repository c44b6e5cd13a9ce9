import { describe, expect, it } from 'vitest';
import { DEBIAN_POOL, FPM_PROCESSES, PHP_HANDLER, errors, fpmSocket, ids, only, probe, probeText } from './helpers.js';

const LIVE_82 = { unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }] };

describe('socket-missing', () => {
  it('after an upgrade: php7.4-fpm.sock named, php8.2-fpm.sock alive and suggested with its process', async () => {
    const r = await probe(PHP_HANDLER('/run/php/php7.4-fpm.sock'), {
      files: { ...DEBIAN_POOL, ...fpmSocket() },
      processes: FPM_PROCESSES,
      ...LIVE_82,
    });
    const f = only(r, 'socket-missing');
    expect(f.severity).toBe('error');
    expect(f.location).toMatchObject({ file: '/srv/httpd.conf' });
    expect(f.location?.line).toBeGreaterThan(0);
    expect(f.message).toContain('/run/php/php8.2-fpm.sock');
    expect(f.message).toContain('php-fpm: master process');
    expect(f.fix).toContain('/run/php/php8.2-fpm.sock');
    expect(probeText(f)).toContain('/run/php/php7.4-fpm.sock: no such file');
  });
  it("the live socket that is also the pool's: suggested once, in the message and in the fix (issue 12 item 8)", async () => {
    const r = await probe(PHP_HANDLER('/run/php/php7.4-fpm.sock'), {
      files: { ...DEBIAN_POOL, ...fpmSocket() },
      processes: FPM_PROCESSES,
      ...LIVE_82,
    });
    const f = only(r, 'socket-missing');
    const count = (text: string, what: string) => text.split(what).length - 1;
    expect(count(f.fix ?? '', 'change the socket path in the configuration to /run/php/php8.2-fpm.sock')).toBe(1);
    expect(count(f.message, 'A socket with a close name')).toBe(0);
    expect(f.message).toContain(
      'listens on /run/php/php8.2-fpm.sock, not on this path. It is listening (php-fpm: master process',
    );
  });
  it('a live socket that no pool names is still suggested beside the pool advice', async () => {
    const r = await probe('ProxyPass /app "unix:/tmp/fcgi.socket|fcgi://localhost/"', {
      files: { ...DEBIAN_POOL, '/tmp/fcgi.sock': { type: 'socket', uid: 33, gid: 33, mode: 0o660 } },
      unixListeners: [{ path: '/tmp/fcgi.sock', inode: 9 }],
      processes: [
        { pid: 300, comm: 'uwsgi', cmdline: ['uwsgi', '--fastcgi-socket', '/tmp/fcgi.sock'], uid: 33, sockets: [9] },
      ],
    });
    const f = only(r, 'socket-missing');
    expect(f.fix).toContain('If /tmp/fcgi.sock is the application meant here');
  });
  it('no pool listens there: says where the pool files were looked for (issue 12 item 7)', async () => {
    const r = await probe(PHP_HANDLER('/run/php/other.sock'), { files: DEBIAN_POOL });
    const f = only(r, 'socket-missing');
    expect(f.message).toContain(
      'No PHP-FPM pool is configured to listen there: 1 pool found in 2 files: /etc/php/8.2/fpm/php-fpm.conf, /etc/php/8.2/fpm/pool.d/www.conf, none on this path',
    );
    expect(f.message).toContain(
      // The Docker images' layout (/usr/local/etc) is looked in too, as src/fpm finds installations.
      'looked in /etc/php/*/fpm/php-fpm.conf, /etc/php-fpm.conf, /usr/local/etc/php-fpm.conf, /etc/php/*/fpm/pool.d/*.conf, /etc/php-fpm.d/*.conf and 1 more',
    );
    expect(f.message).toContain('a pool configured anywhere else was not seen');
  });
  it('the list of places and pools stays bounded', async () => {
    const pools: Record<string, string> = {};
    for (let i = 0; i < 40; i++) pools[`/etc/php-fpm.d/p${i}.conf`] = `[p${i}]\nlisten = /run/p${i}/x${i}.sock\n`;
    const r = await probe(PHP_HANDLER('/srv/nowhere/zz.sock'), { files: pools });
    const f = only(r, 'socket-missing');
    expect(f.message).toContain('40 pools found in 40 files:');
    expect(f.message).toContain('and 35 more');
    expect(f.evidence.filter((e) => e.text.startsWith('pool [')).length).toBe(5);
    expect(f.evidence.some((e) => e.text === '… and 35 more pools')).toBe(true);
  });
  it('a typo: /tmp/fcgi.socket while /tmp/fcgi.sock listens', async () => {
    const r = await probe('ProxyPass /app "unix:/tmp/fcgi.socket|fcgi://localhost/"', {
      files: { '/tmp/fcgi.sock': { type: 'socket', uid: 33, gid: 33, mode: 0o660 } },
      unixListeners: [{ path: '/tmp/fcgi.sock', inode: 9 }],
      processes: [
        { pid: 300, comm: 'uwsgi', cmdline: ['uwsgi', '--fastcgi-socket', '/tmp/fcgi.sock'], uid: 33, sockets: [9] },
      ],
    });
    expect(only(r, 'socket-missing').message).toContain(
      '/tmp/fcgi.sock (uwsgi --fastcgi-socket /tmp/fcgi.sock, pid 300)',
    );
  });
  it('FPM stopped: the pool that should listen there is named, with the service to start', async () => {
    const r = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), { files: DEBIAN_POOL });
    const f = only(r, 'socket-missing');
    expect(f.message).toContain('pool [www]');
    expect(f.fix).toContain('systemctl start php8.2-fpm');
  });
  it('FPM on TCP while the vhost names a socket', async () => {
    const r = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), {
      files: { ...DEBIAN_POOL, '/etc/php/8.2/fpm/pool.d/www.conf': '[www]\nlisten = 127.0.0.1:9000\n' },
    });
    const f = only(r, 'socket-missing');
    expect(f.message).toContain('TCP port');
    expect(f.fix).toContain('proxy:fcgi://127.0.0.1:9000');
  });
  it("does not fire for a live socket, nor for a static server's socket while Apache is down", async () => {
    const healthy = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), {
      files: { ...DEBIAN_POOL, ...fpmSocket() },
      processes: FPM_PROCESSES,
      ...LIVE_82,
    });
    expect(errors(healthy)).toEqual([]);
    const down = await probe('FastCgiServer /var/www/app.py -socket /tmp/fcgi.sock', {
      apacheRunning: false,
      files: { '/var/www/app.py': { content: '#!/bin/sh\n', mode: 0o755 }, '/bin/sh': { mode: 0o755 } },
    });
    expect(ids(down)).not.toContain('socket-missing');
    expect(ids(down)).toContain('server-not-running');
  });
});

describe('socket-not-socket', () => {
  it('fires on a regular file and on a directory', async () => {
    const file = await probe('ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"', { files: { '/run/a.sock': '' } });
    expect(only(file, 'socket-not-socket').message).toContain('regular file');
    const dir = await probe('ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"', {
      files: { '/run/a.sock': { type: 'dir' } },
    });
    expect(only(dir, 'socket-not-socket').message).toContain('directory');
  });
});

describe('socket-stale', () => {
  const conf = 'ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"';
  const file = { '/run/a.sock': { type: 'socket' as const, uid: 33, gid: 33, mode: 0o660 } };
  it('fires when nothing is bound to the path and the connect is refused', async () => {
    const f = only(await probe(conf, { files: file }), 'socket-stale');
    expect(probeText(f)).toContain('no listening socket is bound to /run/a.sock');
    expect(probeText(f)).toContain('ECONNREFUSED');
    expect(f.fix).toContain('rm /run/a.sock');
  });
  it('fires on a refused connect when /proc/net/unix is not readable', async () => {
    expect(ids(await probe(conf, { files: file, unixListeners: 'denied' }))).toContain('socket-stale');
  });
  it('does not fire when something listens, or when the connect works', async () => {
    expect(ids(await probe(conf, { files: file, unixListeners: [{ path: '/run/a.sock', inode: 3 }] }))).not.toContain(
      'socket-stale',
    );
    const ok = { '/run/a.sock': { ok: true as const, ms: 1 } };
    expect(
      ids(
        await probe(conf, {
          files: file,
          connect: Object.fromEntries(Object.entries(ok).map(([k, v]) => [`unix:${k}`, v])),
        }),
      ),
    ).not.toContain('socket-stale');
  });
});

describe('socket-permission-denied', () => {
  it('root:root 0660 with an FPM pool: the listen.* settings of that pool', async () => {
    // A pool without listen.owner/listen.group: FPM's master (root) owns the socket it creates.
    const www = '/etc/php/8.2/fpm/pool.d/www.conf';
    const noOwner = { ...DEBIAN_POOL, [www]: DEBIAN_POOL[www].replace(/listen\.(owner|group) = www-data\n/g, '') };
    const r = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), {
      files: { ...noOwner, ...fpmSocket({ uid: 0, gid: 0 }) },
      processes: FPM_PROCESSES,
      ...LIVE_82,
    });
    const f = only(r, 'socket-permission-denied');
    // The words status and ping use for the same refusal (src/system/denial.ts).
    expect(f.message).toContain(
      'it lacks write (w) permission on the socket (srw-rw---- root:root); the "other" bits apply (www-data is neither its owner root nor in its group root)',
    );
    expect(f.fix).toContain('listen.owner = www-data');
    expect(f.fix).toContain('/etc/php/8.2/fpm/pool.d/www.conf:4');
    expect(f.fix).toContain('systemctl restart php8.2-fpm');
    expect(probeText(f)).toContain('DENIED w for www-data: srw-rw---- root:root (0660)');
  });
  it("without a pool: chown/chmod now and the app's socket options (uWSGI)", async () => {
    const r = await probe('ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"', {
      files: { '/run/a.sock': { type: 'socket', uid: 0, gid: 0, mode: 0o600 } },
      unixListeners: [{ path: '/run/a.sock', inode: 3 }],
      processes: [{ pid: 300, comm: 'uwsgi', cmdline: ['uwsgi'], sockets: [3] }],
    });
    const f = only(r, 'socket-permission-denied');
    expect(f.fix).toContain('chown www-data:www-data /run/a.sock && chmod 0660 /run/a.sock');
    expect(f.fix).toContain('--chown-socket www-data:www-data');
  });
  it('a directory without search permission: which one, and chmod', async () => {
    const r = await probe('ProxyPass /a "unix:/home/app/run/a.sock|fcgi://localhost/"', {
      files: {
        '/home/app': { type: 'dir', uid: 1001, gid: 1001, mode: 0o750 },
        '/home/app/run/a.sock': { type: 'socket', uid: 33, gid: 33, mode: 0o660 },
      },
      unixListeners: [{ path: '/home/app/run/a.sock', inode: 3 }],
    });
    const f = only(r, 'socket-permission-denied');
    expect(f.message).toContain('the directory /home/app');
    expect(f.fix).toContain('chmod o+x /home/app');
  });
  it('does not fire for www-data:www-data 0660, for a group the user is in, or where the pool grants it by ACL', async () => {
    const ok = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), {
      files: { ...DEBIAN_POOL, ...fpmSocket() },
      processes: FPM_PROCESSES,
      ...LIVE_82,
    });
    expect(ids(ok)).not.toContain('socket-permission-denied');
    const group = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), {
      files: { ...DEBIAN_POOL, ...fpmSocket({ uid: 0, gid: 2000 }) },
      group: 'root:x:0:\nwww-data:x:33:\nsites:x:2000:www-data\n',
      ...LIVE_82,
    });
    expect(ids(group)).not.toContain('socket-permission-denied');
    const acl = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), {
      files: {
        ...DEBIAN_POOL,
        '/etc/php/8.2/fpm/pool.d/www.conf': '[www]\nlisten = /run/php/php8.2-fpm.sock\nlisten.acl_users = www-data\n',
        ...fpmSocket({ uid: 0, gid: 0 }),
      },
      ...LIVE_82,
    });
    expect(ids(acl)).not.toContain('socket-permission-denied');
  });
  it('a socket directory the doctor may not see gives a notice, not a verdict', async () => {
    const r = await probe('ProxyPass /a "unix:/home/app/a.sock|fcgi://localhost/"', {
      files: { '/home/app/a.sock': { type: 'socket', denied: true } },
      viewer: { uid: 1000 },
    });
    expect(errors(r)).toEqual([]);
    expect(r.notices.join('\n')).toMatch(/not visible to user .*run with sudo/);
  });
});

describe('joinSentences', () => {
  it('keeps each sentence of joined advice once, in order', async () => {
    const { joinSentences } = await import('../../../src/checks/probes/make.js');
    expect(joinSentences(['Start PHP-FPM. Check its log.', 'Check its log.  Then reload Apache.'])).toBe(
      'Start PHP-FPM. Check its log. Then reload Apache.',
    );
    expect(joinSentences(['One thing (see /run/a.sock).', 'Another.'])).toBe('One thing (see /run/a.sock). Another.');
  });
});
