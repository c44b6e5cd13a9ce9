import { describe, expect, it } from 'vitest';
import { NOW, errors, ids, only, probe, probeText } from './helpers.js';

const APP = {
  '/var/www/app.py': { content: '#!/usr/bin/python3\n', mode: 0o755 },
  '/usr/bin/python3': { mode: 0o755 },
};
const STATIC = 'FastCgiServer /var/www/app.py -processes 4 -socket /tmp/fcgi.sock';
const pm = {
  pid: 110,
  ppid: 100,
  comm: 'fcgi-pm',
  cmdline: ['/usr/sbin/fcgi-pm', '-k', 'start'],
  uid: 33,
  startedAtMs: NOW - 3600_000,
};
const worker = (pid: number) => ({
  pid,
  ppid: 110,
  comm: 'python3',
  cmdline: ['/usr/bin/python3', '/var/www/app.py'],
  uid: 33,
});

describe('server-not-running', () => {
  it('fires with the pid file evidence; names config errors that stop httpd', async () => {
    const r = await probe('ProxyPass /a fcgi://127.0.0.1:9000/', { apacheRunning: false });
    const f = only(r, 'server-not-running');
    expect(f.location?.file).toBe('/srv/httpd.conf');
    expect(probeText(f)).toContain('pid file /srv/run/httpd.pid: not there');
    const broken = await probe('ProxyPass /a fcgi://127.0.0.1:9000/\n<Directory /x>', { apacheRunning: false });
    expect(only(broken, 'server-not-running').message).toContain('would not start');
  });
  it('a socket path too long to connect to is no reason Apache would not start; one too long for a ProxyPass worker is', async () => {
    const sock = (bytes: number) => `/run/${'p'.repeat(bytes - '/run/'.length - '.sock'.length)}.sock`;
    // SetHandler: no worker is defined, Apache starts and answers 503 (proxy-url-invalid says so).
    const handler = await probe(
      `<FilesMatch \\.php$>\nSetHandler "proxy:unix:${sock(120)}|fcgi://localhost"\n</FilesMatch>`,
      {
        apacheRunning: false,
      },
    );
    expect(ids(handler)).toContain('server-not-running');
    expect(only(handler, 'server-not-running').message).not.toContain('would not start');
    // ProxyPass defines a worker: 96 bytes and more stop apache2 -t (2.4.71: "worker uds path (…) too long").
    const worker = await probe(`ProxyPass /app/ "unix:${sock(96)}|fcgi://localhost/"`, { apacheRunning: false });
    expect(only(worker, 'server-not-running').message).toMatch(
      /would not start as it is: proxy-url-invalid at \/srv\/httpd\.conf:\d+/,
    );
    const fits = await probe(`ProxyPass /app/ "unix:${sock(95)}|fcgi://localhost/"`, { apacheRunning: false });
    expect(only(fits, 'server-not-running').message).not.toContain('would not start');
  });
  it('stays quiet when the pid file names a live apache2', async () => {
    expect(ids(await probe('', {}))).not.toContain('server-not-running');
  });
  it('when other users\' processes are hidden (hidepid), says so instead of "not running"', async () => {
    const r = await probe('', {
      apacheRunning: false,
      viewer: { uid: 1000 },
      processes: [{ pid: 5, comm: 'bash', uid: 1000 }],
    });
    expect(ids(r)).not.toContain('server-not-running');
    expect(r.notices.join('\n')).toMatch(/not visible to user uid 1000.*run with sudo/i);
  });
});

describe('process-manager-not-running', () => {
  it("mod_fastcgi: no fcgi-pm among Apache's children", async () => {
    const f = only(await probe(STATIC, { files: APP }), 'process-manager-not-running');
    expect(f.title).toContain('fcgi-pm');
  });
  it('mod_fcgid: threaded workers and no single-threaded manager', async () => {
    const conf =
      '<Directory /var/www/html>\nOptions +ExecCGI\nAddHandler fcgid-script .fcgi\n</Directory>\nFcgidIPCDir /var/lib/fcgid';
    const files = { '/var/lib/fcgid': { type: 'dir' as const, uid: 33, mode: 0o755 } };
    const argv = ['/usr/sbin/apache2', '-k', 'start'];
    const r = await probe(conf, {
      files: { ...files, '/srv/run/httpd.pid': '100' },
      apacheRunning: false,
      processes: [
        { pid: 100, comm: 'apache2', cmdline: argv },
        { pid: 101, ppid: 100, comm: 'apache2', cmdline: argv, uid: 33, threads: 27 },
      ],
    });
    expect(only(r, 'process-manager-not-running').title).toContain('mod_fcgid');
    expect(ids(await probe(conf, { files }))).not.toContain('process-manager-not-running');
  });
  it('mod_fcgid under prefork (every child single-threaded): nothing concluded', async () => {
    const argv = ['/usr/sbin/apache2'];
    const r = await probe('<Directory /var/www/html>\nAddHandler fcgid-script .fcgi\n</Directory>', {
      apacheRunning: false,
      files: { '/srv/run/httpd.pid': '100' },
      processes: [
        { pid: 100, comm: 'apache2', cmdline: argv },
        { pid: 101, ppid: 100, comm: 'apache2', cmdline: argv, uid: 33 },
      ],
    });
    expect(ids(r)).not.toContain('process-manager-not-running');
  });
});

describe('workers-missing', () => {
  it('fewer workers than -processes long after the start: warning; none: error', async () => {
    const some = only(await probe(STATIC, { files: APP, processes: [pm, worker(120)] }), 'workers-missing');
    expect(some.severity).toBe('warning');
    expect(probeText(some)).toContain('live workers: 1 of 4');
    const none = only(await probe(STATIC, { files: APP, processes: [pm] }), 'workers-missing');
    expect(none.severity).toBe('error');
  });
  it('right after a (re)start a short count is only noted', async () => {
    const r = await probe(STATIC, { files: APP, processes: [{ ...pm, startedAtMs: NOW - 2000 }, worker(120)] });
    expect(ids(r)).not.toContain('workers-missing');
    expect(r.notices.join('\n')).toContain('1 of 4 processes so far');
  });
  it('stays quiet with every worker alive', async () => {
    const r = await probe(STATIC, {
      files: {
        ...APP,
        '/tmp/fcgi.sock': { type: 'socket', uid: 33, gid: 33, mode: 0o600 },
        '/srv/logs/fastcgi': { type: 'dir', uid: 33 },
      },
      processes: [pm, worker(120), worker(121), worker(122), worker(123)],
      unixListeners: [{ path: '/tmp/fcgi.sock', inode: 1 }],
    });
    expect(errors(r)).toEqual([]);
    expect(ids(r)).not.toContain('workers-missing');
  });
});

describe('user-mismatch', () => {
  it('an external app running as root', async () => {
    const r = await probe('ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"', {
      files: { '/run/a.sock': { type: 'socket', uid: 33, gid: 33, mode: 0o660 } },
      unixListeners: [{ path: '/run/a.sock', inode: 3 }],
      processes: [{ pid: 300, comm: 'perl', cmdline: ['/usr/bin/perl', 'app.pl'], sockets: [3] }],
    });
    const f = only(r, 'user-mismatch');
    expect(f.severity).toBe('warning');
    expect(f.title).toContain('root');
    // Says what the advice is and where it comes from, in words a user knows (issue 12 item 9).
    expect(f.message).toContain(
      "Run it as the web server's user (www-data) instead, as the old guides to FastCGI on Apache (mod_fastcgi) advise",
    );
  });
  it('-user without FastCgiWrapper is ignored by mod_fastcgi', async () => {
    const r = await probe('FastCgiServer /var/www/app.py -user app -socket /tmp/f.sock', {
      files: APP,
      processes: [pm, worker(120)],
      unixListeners: [{ path: '/tmp/f.sock', inode: 1 }],
    });
    expect(only(r, 'user-mismatch').title).toContain('FastCgiWrapper');
  });
  it('pool workers running as another user than the pool file says', async () => {
    const r = await probe('ProxyPass /a "unix:/run/php/php8.2-fpm.sock|fcgi://localhost/"', {
      files: {
        '/etc/php/8.2/fpm/pool.d/www.conf':
          '[www]\nuser = app\nlisten = /run/php/php8.2-fpm.sock\nlisten.owner = www-data\n',
        '/run/php/php8.2-fpm.sock': { type: 'socket', uid: 33, gid: 33, mode: 0o660 },
      },
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 5 }],
      processes: [
        { pid: 200, comm: 'php-fpm8.2', sockets: [5] },
        { pid: 201, ppid: 200, comm: 'php-fpm8.2', uid: 33, sockets: [5] },
      ],
    });
    expect(only(r, 'user-mismatch').message).toContain('user = app');
  });
  it("another user's socket open to everyone", async () => {
    const r = await probe('ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"', {
      files: { '/run/a.sock': { type: 'socket', uid: 1001, gid: 1001, mode: 0o777 } },
      unixListeners: [{ path: '/run/a.sock', inode: 3 }],
      processes: [{ pid: 300, comm: 'perl', uid: 1001, sockets: [3] }],
    });
    expect(only(r, 'user-mismatch').message).toContain('"other" bits');
  });
  it('stays quiet for an app running as www-data, and says "not visible" when its fds are hidden', async () => {
    const machine = {
      files: { '/run/a.sock': { type: 'socket' as const, uid: 33, gid: 33, mode: 0o660 } },
      unixListeners: [{ path: '/run/a.sock', inode: 3 }],
    };
    const r = await probe('ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"', {
      ...machine,
      processes: [{ pid: 300, comm: 'perl', uid: 33, sockets: [3] }],
    });
    expect(r.findings).toEqual([]);
    const hidden = await probe('ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"', {
      ...machine,
      viewer: { uid: 1000 },
      processes: [{ pid: 300, comm: 'perl', uid: 33, sockets: 'hidden' }],
    });
    expect(hidden.findings).toEqual([]);
    expect(hidden.notices.join('\n')).toContain('not visible to user');
  });
});
