import { describe, expect, it } from 'vitest';
import { errors, ids, only, probe, probeText } from './helpers.js';

const PM = [{ pid: 110, ppid: 100, comm: 'fcgi-pm', cmdline: ['/usr/sbin/fcgi-pm'], uid: 33 }];
const IPC = { '/srv/logs/fastcgi': { type: 'dir' as const, uid: 33 } };
const STATIC = 'FastCgiServer /var/www/app.py -socket /tmp/fcgi.sock';
const FCGID = (extra = '') =>
  `<Directory /var/www/html>\nOptions +ExecCGI\nAddHandler fcgid-script .fcgi\n${extra}</Directory>\nFcgidIPCDir /var/lib/fcgid`;
const FCGID_DIR = {
  '/var/lib/fcgid': { type: 'dir' as const, uid: 33, mode: 0o755 },
  '/usr/bin/perl': { mode: 0o755 },
  '/usr/bin/python3': { mode: 0o755 },
  '/usr/bin/python3.11': { mode: 0o755 },
};

describe('script-missing', () => {
  it('a FastCgiServer script that is not there', async () => {
    const f = only(await probe(STATIC, { files: IPC, processes: PM }), 'script-missing');
    expect(f.message).toContain('/var/www/app.py');
    expect(f.location?.line).toBeGreaterThan(0);
  });
  it('a dangling symbolic link', async () => {
    const r = await probe(STATIC, {
      files: { ...IPC, '/var/www/app.py': { target: '/opt/gone/app.py' } },
      processes: PM,
    });
    expect(only(r, 'script-missing').message).toContain('symbolic link to /opt/gone/app.py');
  });
  it('a missing FcgidWrapper', async () => {
    const r = await probe(FCGID('FcgidWrapper /usr/local/bin/php-wrapper .fcgi\n'), { files: FCGID_DIR });
    expect(ids(r)).toContain('script-missing');
  });
  it('files found by listing a handler directory are never "missing"', async () => {
    expect(ids(await probe(FCGID(), { files: FCGID_DIR }))).toEqual([]);
  });
});

describe('script-not-executable', () => {
  it('0644 script: no x for www-data', async () => {
    const r = await probe(STATIC, {
      files: {
        ...IPC,
        '/var/www/app.py': { content: '#!/usr/bin/python3\n', mode: 0o644 },
        '/usr/bin/python3': { mode: 0o755 },
      },
      processes: PM,
    });
    const f = only(r, 'script-not-executable');
    expect(f.message).toContain('www-data');
    expect(probeText(f)).toContain('DENIED x');
  });
  it('a directory above it without x, and a wrapper mode 0644 under mod_fcgid', async () => {
    const dir = await probe(STATIC, {
      files: {
        ...IPC,
        '/var/www': { type: 'dir', mode: 0o700 },
        '/var/www/app.py': { content: '#!/usr/bin/python3\n', mode: 0o755 },
        '/usr/bin/python3': { mode: 0o755 },
      },
      processes: PM,
    });
    expect(only(dir, 'script-not-executable').fix).toBe('chmod o+x /var/www');
    const wrapper = await probe(FCGID('FcgidWrapper /usr/local/bin/php-wrapper .fcgi\n'), {
      files: { ...FCGID_DIR, '/usr/local/bin/php-wrapper': { content: '#!/bin/sh\n', mode: 0o644 } },
    });
    expect(only(wrapper, 'script-not-executable').message).toContain('/usr/local/bin/php-wrapper');
  });
  it('an fcgid script in the handler directory, checked for the suexec user', async () => {
    const conf =
      `<VirtualHost *:80>\nDocumentRoot /var/www/html\nSuexecUserGroup app app\n${FCGID()}\n</VirtualHost>`.replace(
        'FcgidIPCDir /var/lib/fcgid',
        '',
      );
    const r = await probe(`${conf}\nFcgidIPCDir /var/lib/fcgid`, {
      files: { ...FCGID_DIR, '/var/www/html/a.fcgi': { content: '#!/usr/bin/perl\n', uid: 33, gid: 33, mode: 0o750 } },
    });
    const f = only(r, 'script-not-executable');
    expect(f.message).toContain('runs as app');
  });
  it('stays quiet for 0755', async () => {
    const r = await probe(FCGID(), {
      files: { ...FCGID_DIR, '/var/www/html/a.fcgi': { content: '#!/usr/bin/perl\n', mode: 0o755 } },
    });
    expect(r.findings).toEqual([]);
  });
});

describe('shebang-interpreter-missing', () => {
  const script = (content: string) => ({ ...FCGID_DIR, '/var/www/html/a.fcgi': { content, mode: 0o755 } });
  it('#!/usr/bin/python (absent): /usr/bin/python3 suggested', async () => {
    const f = only(
      await probe(FCGID(), { files: script('#!/usr/bin/python\nimport x\n') }),
      'shebang-interpreter-missing',
    );
    expect(f.message).toContain('/usr/bin/python does not exist');
    expect(f.fix).toContain('#!/usr/bin/python3');
  });
  it('#!/usr/bin/env python2 (absent): a python that exists is suggested', async () => {
    const f = only(await probe(FCGID(), { files: script('#!/usr/bin/env python2\n') }), 'shebang-interpreter-missing');
    expect(f.fix).toContain('#!/usr/bin/env python3');
  });
  it('an interpreter that exists but cannot be executed, and a directory', async () => {
    const noX = await probe(FCGID(), {
      files: { ...script('#!/opt/perl/bin/perl\n'), '/opt/perl/bin/perl': { mode: 0o700 } },
    });
    expect(only(noX, 'shebang-interpreter-missing').title).toContain('cannot be executed');
    const dir = await probe(FCGID(), { files: { ...script('#!/opt/perl\n'), '/opt/perl': { type: 'dir' } } });
    expect(only(dir, 'shebang-interpreter-missing').message).toContain('directory');
  });
  it('no #! line at all', async () => {
    expect(
      only(await probe(FCGID(), { files: script('print "hi";\n') }), 'shebang-interpreter-missing').title,
    ).toContain('no #! line');
  });
  it('stays quiet for a working interpreter, #!/usr/bin/env perl, and ELF programs', async () => {
    expect(errors(await probe(FCGID(), { files: script('#!/usr/bin/perl -w\n') }))).toEqual([]);
    expect(errors(await probe(FCGID(), { files: script('#!/usr/bin/env perl\n') }))).toEqual([]);
    expect(errors(await probe(FCGID(), { files: script('\x7fELF\x02\x01\x01') }))).toEqual([]);
  });
});

describe('shebang-crlf', () => {
  it('fires on CR LF, and is not also reported as a missing interpreter', async () => {
    const r = await probe(FCGID(), {
      files: { ...FCGID_DIR, '/var/www/html/a.fcgi': { content: '#!/usr/bin/perl\r\nprint 1;\r\n', mode: 0o755 } },
    });
    const f = only(r, 'shebang-crlf');
    expect(f.fix).toContain("sed -i 's/\\r$//' /var/www/html/a.fcgi");
    expect(ids(r)).not.toContain('shebang-interpreter-missing');
  });
});

describe('ipc-dir-unwritable', () => {
  it('FcgidIPCDir owned by root 0755', async () => {
    const f = only(
      await probe(FCGID(), { files: { ...FCGID_DIR, '/var/lib/fcgid': { type: 'dir', uid: 0, mode: 0o755 } } }),
      'ipc-dir-unwritable',
    );
    expect(f.message).toContain('FcgidIPCDir');
    expect(f.fix).toContain('chown www-data /var/lib/fcgid');
  });
  it('a missing IPC dir matters only while Apache runs', async () => {
    const running = await probe(FCGID(), { files: { '/usr/bin/perl': { mode: 0o755 } } });
    expect(only(running, 'ipc-dir-unwritable').title).toContain('does not exist');
    const down = await probe(FCGID(), { apacheRunning: false, files: { '/usr/bin/perl': { mode: 0o755 } } });
    expect(ids(down)).not.toContain('ipc-dir-unwritable');
  });
  it('FastCgiIpcDir (default logs/fastcgi under ServerRoot) not writable by www-data', async () => {
    const r = await probe('FastCgiServer /var/www/app.py', {
      files: {
        '/srv/logs/fastcgi': { type: 'dir', uid: 0, mode: 0o755 },
        '/var/www/app.py': { content: '#!/usr/bin/python3\n', mode: 0o755 },
        '/usr/bin/python3': { mode: 0o755 },
      },
      processes: PM,
    });
    expect(only(r, 'ipc-dir-unwritable').message).toContain('FastCgiIpcDir');
  });
});
