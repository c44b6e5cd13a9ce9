/** A doctor that cries wolf is not used: healthy setups of each module give no error, and every id is the contract's. */
import { describe, expect, it } from 'vitest';
import { PROBE_CHECKS } from '../../../src/checks/probes/index.js';
import { findingIdsOf } from '../../../src/findings/ids.js';
import { fixtureAccessOracle } from '../../../src/system/index.js';
import { DEBIAN_POOL, FPM_PROCESSES, PHP_HANDLER, fpmSocket, probe } from './helpers.js';

describe('healthy setups', () => {
  it('mod_proxy_fcgi + PHP-FPM on the Debian socket', async () => {
    const r = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), {
      files: { ...DEBIAN_POOL, ...fpmSocket() },
      processes: FPM_PROCESSES,
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
    });
    expect(r.findings).toEqual([]);
    expect(r.notices).toEqual([]);
  });
  it('mod_fcgid + a perl script', async () => {
    const r = await probe(
      '<Directory /var/www/html>\nOptions +ExecCGI\nAddHandler fcgid-script .fcgi\n</Directory>\nFcgidIPCDir /var/lib/fcgid',
      {
        files: {
          '/var/lib/fcgid': { type: 'dir', uid: 33 },
          '/usr/bin/perl': { mode: 0o755 },
          '/var/www/html/app.fcgi': { content: '#!/usr/bin/perl\nuse FCGI;\n', mode: 0o755 },
        },
      },
    );
    expect(r.findings).toEqual([]);
  });
  it('an external app on a www-data socket, as the seed sets it up', async () => {
    const r = await probe('FastCgiExternalServer /var/www/test/htdocs/app.py -socket /tmp/fcgi.sock', {
      files: { '/tmp/fcgi.sock': { type: 'socket', uid: 33, gid: 33, mode: 0o755 } },
      unixListeners: [{ path: '/tmp/fcgi.sock', inode: 9 }],
      processes: [{ pid: 7911, comm: 'python', cmdline: ['/usr/bin/python', './app.py'], uid: 33, sockets: [9] }],
    });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
  it('a healthy setup never asks the kernel (no process is started when the mode bits refuse nothing)', async () => {
    const access = fixtureAccessOracle(() => 'refused');
    const php = await probe(PHP_HANDLER('/run/php/php8.2-fpm.sock'), {
      files: { ...DEBIAN_POOL, ...fpmSocket(), '/var/www/html/index.php': '<?php' },
      processes: FPM_PROCESSES,
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
      access,
    });
    const fcgid = await probe(
      '<Directory /var/www/html>\nOptions +ExecCGI\nAddHandler fcgid-script .fcgi\n</Directory>\nFcgidIPCDir /var/lib/fcgid',
      {
        files: {
          '/var/lib/fcgid': { type: 'dir', uid: 33 },
          '/usr/bin/perl': { mode: 0o755 },
          '/var/www/html/app.fcgi': { content: '#!/usr/bin/perl\nuse FCGI;\n', mode: 0o755 },
        },
        access,
      },
    );
    expect([...php.findings, ...fcgid.findings]).toEqual([]);
    expect(access.asked).toEqual([]);
  });
  it('inactive branches and unloaded modules are not probed', async () => {
    const r = await probe('<IfModule nosuch_module>\nProxyPass /a "unix:/nowhere.sock|fcgi://localhost/"\n</IfModule>');
    expect(r.findings).toEqual([]);
  });
});

describe('ids', () => {
  it('the registry names the probes as the emitters of exactly the ids they declare', () => {
    const declared = new Set<string>(PROBE_CHECKS.flatMap((c) => c.ids));
    expect([...declared].sort()).toEqual(findingIdsOf('probes').sort());
  });
  it('findings are plain data', async () => {
    const r = await probe('ProxyPass /a "unix:/run/a.sock|fcgi://localhost/"');
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r.findings[0]?.id).toBe('socket-missing');
  });
});
