/**
 * A refusal of the mode bits becomes a finding only when the kernel, asked as
 * the user (src/system AccessOracle), does not allow it: an ACL that grants
 * it keeps the check quiet (with a notice), a refusal it confirms says so in
 * the evidence, and without an answer the finding stands as before.
 */
import { describe, expect, it } from 'vitest';
import { fixtureAccessOracle, type KernelAnswer } from '../../../src/system/index.js';
import { DEBIAN_POOL, FPM_PROCESSES, fpmSocket, ids, only, probe, probeText } from './helpers.js';

const DEBIAN_PHP = `<FilesMatch ".+\\.ph(?:ar|p|tml)$">\n  SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"\n</FilesMatch>\nDirectoryIndex index.html index.php`;
const BLOG = `<VirtualHost *:80>\n  ServerName blog.example.org\n  DocumentRoot /srv/blog\n</VirtualHost>`;

/** The kernel's answer for paths under `under`; 'unknown' elsewhere. */
function kernel(under: string, answer: KernelAnswer) {
  return fixtureAccessOracle((_who, q) => (q.path.startsWith(under) ? answer : 'unknown'));
}

describe('script-unreadable of a discovered script, with the kernel asked', () => {
  // The pool runs as app; /srv/blog is www-data's 0750: the bits refuse app.
  const pool = {
    ...DEBIAN_POOL,
    '/etc/php/8.2/fpm/pool.d/www.conf':
      '[blog]\nuser = app\ngroup = app\nlisten = /run/php/php8.2-fpm.sock\nlisten.owner = www-data\nlisten.group = www-data\n',
  };
  const blog = (access?: ReturnType<typeof kernel>) =>
    probe(`${DEBIAN_PHP}\n${BLOG}`, {
      files: {
        ...pool,
        ...fpmSocket(),
        '/srv/blog': { type: 'dir', uid: 33, gid: 33, mode: 0o750 },
        '/srv/blog/index.php': { content: '<?php', uid: 33, gid: 33 },
      },
      processes: FPM_PROCESSES,
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
      ...(access ? { access } : {}),
    });

  it('the kernel allows it (setfacl -m u:app:x /srv/blog): quiet, with a notice naming the ACL', async () => {
    const access = kernel('/srv/blog', 'allowed');
    const r = await blog(access);
    expect(ids(r)).not.toContain('script-unreadable');
    expect(r.notices.join('\n')).toContain('app may use /srv/blog/index.php: allowed by an ACL on /srv/blog');
    // One question for the site's scripts, as app: the directory the bits refuse.
    expect(access.asked).toEqual([[{ path: '/srv/blog', need: ['x'] }]]);
  });

  it('the kernel refuses too: the finding, its evidence saying so', async () => {
    const f = only(await blog(kernel('/srv/blog', 'refused')), 'script-unreadable');
    expect(f.fix).toBe('chmod o+x /srv/blog');
    expect(probeText(f)).toContain('confirmed by the kernel: access(2) as app is refused search (x) on /srv/blog');
  });

  it('no answer, or no oracle at all: the finding as the bits say, unconfirmed', async () => {
    for (const access of [kernel('/srv/blog', 'unknown'), undefined]) {
      const f = only(await blog(access), 'script-unreadable');
      expect(probeText(f)).not.toContain('confirmed');
    }
  });

  it('a readable site never asks the kernel', async () => {
    const access = kernel('/', 'refused');
    const r = await probe(`${DEBIAN_PHP}\n${BLOG}`, {
      files: { ...DEBIAN_POOL, ...fpmSocket(), '/srv/blog/index.php': '<?php' },
      processes: FPM_PROCESSES,
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
      access,
    });
    expect(ids(r)).toEqual([]);
    expect(access.asked).toEqual([]);
  });
});

describe('socket-permission-denied, with the kernel asked', () => {
  const sock = (access?: ReturnType<typeof kernel>) =>
    probe('ProxyPass /a "unix:/home/app/run/a.sock|fcgi://localhost/"', {
      files: {
        '/home/app': { type: 'dir', uid: 1001, gid: 1001, mode: 0o750 },
        '/home/app/run/a.sock': { type: 'socket', uid: 33, gid: 33, mode: 0o660 },
      },
      unixListeners: [{ path: '/home/app/run/a.sock', inode: 3 }],
      ...(access ? { access } : {}),
    });

  it('an ACL lets www-data search /home/app: quiet, with a notice', async () => {
    const access = kernel('/home/app', 'allowed');
    const r = await sock(access);
    expect(ids(r)).not.toContain('socket-permission-denied');
    expect(r.notices.join('\n')).toContain('www-data may connect to /home/app/run/a.sock: allowed by an ACL');
    expect(access.asked).toEqual([[{ path: '/home/app', need: ['x'] }]]);
  });

  it('confirmed: the finding, with the kernel in its evidence', async () => {
    const f = only(await sock(kernel('/home/app', 'refused')), 'socket-permission-denied');
    expect(f.fix).toContain('chmod o+x /home/app');
    expect(probeText(f)).toContain('confirmed by the kernel: access(2) as www-data is refused search (x) on /home/app');
  });

  it('unknown: the finding as today', async () => {
    const f = only(await sock(kernel('/home/app', 'unknown')), 'socket-permission-denied');
    expect(probeText(f)).not.toContain('confirmed');
  });
});
