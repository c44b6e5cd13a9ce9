/**
 * Issue 15 §2, the connection between the web server and its pool: the pool
 * side of the address (listen.allowed_clients against the address Apache
 * connects from).
 */
import { describe, expect, it } from 'vitest';
import { DEBIAN_POOL, PHP_HANDLER, errors, ids, only, probe, probeText } from './helpers.js';

const CONF = '/etc/php/8.2/fpm/php-fpm.conf';
const POOL = '/etc/php/8.2/fpm/pool.d/www.conf';
const handler = (host: string, port = 9000) =>
  `<FilesMatch "\\.php$">\n  SetHandler "proxy:fcgi://${host}:${port}"\n</FilesMatch>`;
function tcpPool(listen: string, allowed?: string): Record<string, string> {
  return {
    [CONF]: '[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n',
    [POOL]: `[www]\nuser = www-data\ngroup = www-data\nlisten = ${listen}\n${allowed !== undefined ? `listen.allowed_clients = ${allowed}\n` : ''}pm = static\npm.max_children = 2\n`,
  };
}
const LISTENING = (address: string, family: 4 | 6 = 4) => ({
  tcpListeners: [{ address, port: 9000, inode: 7, family }],
});

describe('fpm-client-not-allowed', () => {
  it('Apache on ::1, the pool accepts 127.0.0.1 only: fires with both file:lines and the fix', async () => {
    const r = await probe(handler('[::1]'), { files: tcpPool('[::]:9000', '127.0.0.1'), ...LISTENING('::', 6) });
    const f = only(r, 'fpm-client-not-allowed');
    expect(f.severity).toBe('error');
    expect(f.location).toMatchObject({ file: '/srv/httpd.conf' });
    expect(f.location?.line).toBeGreaterThan(0);
    expect(f.message).toContain(`${POOL}:5: listen.allowed_clients = 127.0.0.1`);
    expect(f.message).toContain("Connection disallowed: IP address '::1' has been dropped.");
    expect(probeText(f)).toContain(`${POOL}:5: listen.allowed_clients = 127.0.0.1`);
    expect(f.fix).toContain(`In ${POOL}:5 set "listen.allowed_clients = 127.0.0.1,::1"`);
    expect(f.fix).toContain('systemctl restart php8.2-fpm');
  });

  it('a list of no valid address: FPM accepts nobody, said so', async () => {
    const r = await probe(handler('127.0.0.1'), {
      files: tcpPool('127.0.0.1:9000', 'web.example'),
      ...LISTENING('127.0.0.1'),
    });
    const f = only(r, 'fpm-client-not-allowed');
    expect(f.message).toContain('names no valid IP address (web.example)');
    expect(f.fix).toContain('"listen.allowed_clients = 127.0.0.1"');
  });

  it('decided from the pool file: fires while FPM is stopped (what it will do once started)', async () => {
    const r = await probe(handler('127.0.0.1'), { files: tcpPool('9000', '10.0.0.7') });
    expect(ids(r)).toContain('fpm-client-not-allowed');
  });

  it('quiet when the address is listed (IPv4 on a v6 socket matches a v4 entry), absent or empty', async () => {
    for (const [host, listen, allowed] of [
      ['127.0.0.1', '127.0.0.1:9000', '127.0.0.1'],
      ['127.0.0.1', '[::]:9000', '10.0.0.7, 127.0.0.1'],
      ['[::1]', '[::]:9000', '::1'],
      ['127.0.0.1', '127.0.0.1:9000', undefined],
      ['127.0.0.1', '127.0.0.1:9000', ''],
      ['localhost', '127.0.0.1:9000', '127.0.0.1'],
    ] as const) {
      const r = await probe(handler(host), { files: tcpPool(listen, allowed), ...LISTENING('127.0.0.1') });
      expect(ids(r), `${host} → ${listen} allowed ${allowed ?? '(absent)'}`).not.toContain('fpm-client-not-allowed');
    }
  });

  it('quiet for a backend on another machine (its source address is not known here)', async () => {
    const remote = await probe(handler('10.9.8.7'), {
      files: tcpPool('9000', '127.0.0.1'),
      connect: { 'tcp:10.9.8.7:9000': { ok: true, ms: 1 } },
    });
    expect(ids(remote)).not.toContain('fpm-client-not-allowed');
  });
});

describe('nobody listens at the web server endpoint: the nearest pool, with its listen line', () => {
  it("an old PHP version's socket (php7.4) while the 8.2 pool listens elsewhere, FPM stopped: the pool file decides", async () => {
    const f = only(await probe(PHP_HANDLER('/run/php/php7.4-fpm.sock'), { files: DEBIAN_POOL }), 'socket-missing');
    expect(f.location?.file).toBe('/srv/httpd.conf');
    expect(f.location?.line).toBeGreaterThan(0);
    expect(f.message).toContain(
      'PHP-FPM pool [www] (/etc/php/8.2/fpm/pool.d/www.conf:4: listen = /run/php/php8.2-fpm.sock) listens on /run/php/php8.2-fpm.sock, not on this path.',
    );
    expect(f.fix).toContain('change the socket path in the configuration to /run/php/php8.2-fpm.sock');
  });

  it('a port typo (9001 while the pool listens on 9000): backend-unreachable names the pool and its listen line', async () => {
    const f = only(
      await probe(handler('127.0.0.1', 9001), { files: tcpPool('127.0.0.1:9000') }),
      'backend-unreachable',
    );
    expect(f.message).toContain(
      `PHP-FPM pool [www] (${POOL}:4: listen = 127.0.0.1:9000) listens on port 9000, not 9001.`,
    );
    expect(f.fix).toContain('change the port in the configuration to 9000');
  });

  it('quiet: a port far from every pool names none, and the pool on the very port is "not running"', async () => {
    const far = only(
      await probe(handler('127.0.0.1', 8123), { files: tcpPool('127.0.0.1:9000') }),
      'backend-unreachable',
    );
    expect(far.message).not.toContain('PHP-FPM pool');
    const same = only(
      await probe(handler('127.0.0.1', 9000), { files: tcpPool('127.0.0.1:9000') }),
      'backend-unreachable',
    );
    expect(same.message).toContain('PHP-FPM is not running');
    expect(same.message).not.toContain('listens on port 9000, not');
  });

  it("quiet when the endpoint is the pool's and it listens", async () => {
    const r = await probe(handler('127.0.0.1'), { files: tcpPool('127.0.0.1:9000'), ...LISTENING('127.0.0.1') });
    expect(errors(r)).toEqual([]);
  });
});

describe('socket-permission-denied: the socket now against the socket the pool file will create', () => {
  const SOCK = '/run/php/php8.2-fpm.sock';
  const WWW = '/etc/php/8.2/fpm/pool.d/www.conf';
  const poolWith = (lines: string) => ({
    ...DEBIAN_POOL,
    [WWW]: `[www]\nuser = www-data\ngroup = www-data\nlisten = ${SOCK}\n${lines}pm = static\npm.max_children = 2\n`,
  });
  const live = (st: { uid: number; gid: number; mode?: number }) => ({
    [SOCK]: { type: 'socket' as const, mode: 0o660, ...st },
  });
  const LIVE = { unixListeners: [{ path: SOCK, inode: 500 }] };

  it('denied now, the pool file already right: restart PHP-FPM, not another listen.owner', async () => {
    const r = await probe(PHP_HANDLER(SOCK), {
      files: { ...poolWith('listen.owner = www-data\nlisten.group = www-data\n'), ...live({ uid: 0, gid: 0 }) },
      ...LIVE,
    });
    const f = only(r, 'socket-permission-denied');
    expect(f.severity).toBe('error');
    expect(f.message).toContain(
      "Pool [www]'s file already grants it (it will be www-data:www-data 0660, and www-data is its owner",
    );
    expect(f.fix).toContain('Restart PHP-FPM (systemctl restart php8.2-fpm)');
    expect(f.fix).toContain(`listen.owner = www-data (${WWW}:5)`);
  });

  it('allowed now (chmod by hand), the pool file will recreate it closed: a warning with the pool lines', async () => {
    const r = await probe(PHP_HANDLER(SOCK), {
      files: {
        ...poolWith('listen.owner = root\nlisten.group = root\nlisten.mode = 0600\n'),
        ...live({ uid: 33, gid: 33 }),
      },
      ...LIVE,
    });
    const f = only(r, 'socket-permission-denied');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('may connect to /run/php/php8.2-fpm.sock now, but not after PHP-FPM restarts');
    expect(f.message).toContain('it will be root:root 0600: www-data is neither its owner nor in its group');
    expect(probeText(f)).toContain(`listen.mode = 0600 (${WWW}:7)`);
    expect(f.fix).toContain(`In pool [www] (${WWW}:4) set "listen.owner = www-data"`);
    expect(errors(r)).toEqual([]);
  });

  it('no listen.owner at all: root owns what FPM creates, 0660: www-data will be refused', async () => {
    const r = await probe(PHP_HANDLER(SOCK), { files: { ...poolWith(''), ...live({ uid: 33, gid: 33 }) }, ...LIVE });
    expect(only(r, 'socket-permission-denied').message).toContain(
      'root (no listen.owner: the master, started as root)',
    );
  });

  it('quiet: the pool grants it by owner, by group, or by ACL, now and after a restart', async () => {
    for (const lines of [
      'listen.owner = www-data\nlisten.group = www-data\n',
      'listen.owner = root\nlisten.group = www-data\nlisten.mode = 0660\n',
      'listen.acl_users = www-data\n',
    ]) {
      const r = await probe(PHP_HANDLER(SOCK), {
        files: { ...poolWith(lines), ...live({ uid: 33, gid: 33 }) },
        ...LIVE,
      });
      expect(ids(r), lines).not.toContain('socket-permission-denied');
    }
  });
});

describe('fpm-pool-unused and fpm-socket-orphan (info)', () => {
  const OLD = '/run/php/php7.4-fpm.sock';
  const SOCK82 = '/run/php/php8.2-fpm.sock';
  const sock = (uid = 33) => ({ type: 'socket' as const, uid, gid: uid, mode: 0o660 });
  const TWO_POOLS = {
    ...DEBIAN_POOL,
    '/etc/php/8.2/fpm/pool.d/old.conf':
      '[oldsite]\nuser = www-data\ngroup = www-data\nlisten = /run/php/oldsite.sock\npm = static\npm.max_children = 1\n',
  };

  it("a pool no setup connects to, and an old version's socket no pool defines: info, at the pool's listen line", async () => {
    const r = await probe(PHP_HANDLER(SOCK82), {
      files: { ...TWO_POOLS, [SOCK82]: sock(), [OLD]: sock(0) },
      unixListeners: [{ path: SOCK82, inode: 500 }],
    });
    const pool = only(r, 'fpm-pool-unused');
    expect(pool.severity).toBe('info');
    expect(pool.location).toEqual({ file: '/etc/php/8.2/fpm/pool.d/old.conf', line: 4 });
    expect(pool.message).toContain('PHP-FPM pool [oldsite]');
    const orphan = only(r, 'fpm-socket-orphan');
    expect(orphan.severity).toBe('info');
    expect(orphan.location).toEqual({ file: OLD });
    expect(errors(r)).toEqual([]);
  });

  it("quiet on a healthy machine: every pool used, every socket a pool's", async () => {
    const r = await probe(PHP_HANDLER(SOCK82), {
      files: { ...DEBIAN_POOL, [SOCK82]: sock() },
      unixListeners: [{ path: SOCK82, inode: 500 }],
    });
    expect(ids(r)).not.toContain('fpm-pool-unused');
    expect(ids(r)).not.toContain('fpm-socket-orphan');
  });

  it('quiet when the Apache configuration has no FastCGI setup (another web server may use the pools)', async () => {
    const r = await probe('', { files: { ...TWO_POOLS, [OLD]: sock(0) } });
    expect(ids(r)).not.toContain('fpm-pool-unused');
    expect(ids(r)).not.toContain('fpm-socket-orphan');
  });
});
