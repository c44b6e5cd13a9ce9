/**
 * PHP-FPM's reasons for not running a script, told apart from its stderr and
 * status (issue 12 item 1), and the backend's user and the refusing step of
 * the path, on a fixture machine.
 */
import { describe, expect, it } from 'vitest';
import { classifyScriptFailure, findingsForResponse } from '../../../src/checks/request/outcome.js';
import {
  explainPrimaryScriptUnknown,
  explainScriptAccess,
  fpmWorkerUser,
} from '../../../src/checks/request/scriptAccess.js';
import type { FcgiResponse } from '../../../src/client/request.js';
import type { Finding } from '../../../src/findings/finding.js';
import { fixtureSystem, FIXTURE_GROUP, FIXTURE_PASSWD, type FixtureData } from '../../../src/system/fixture.js';
import { fixtureAccessOracle } from '../../../src/system/index.js';

const SOCK = { kind: 'unix' as const, path: '/run/php/www.sock' };

function response(status: number, body: string, stderr = ''): FcgiResponse {
  return {
    status,
    statusText: '',
    headers: [],
    body: Buffer.from(body),
    problems: [],
    stderr,
    raw: { protocolStatusName: 'REQUEST_COMPLETE', stderrDropped: 0 },
    timings: { connectMs: 1, firstByteMs: 1, totalMs: 1 },
  } as unknown as FcgiResponse;
}
const notOk = [{ what: 'status 2xx or 3xx', held: false, actual: 'status' }];
const ids = (r: FcgiResponse, script = '/srv/www/x.php', scriptGiven = true) =>
  findingsForResponse(SOCK, r, notOk, { scriptFilename: script, scriptGiven }).map((f) => f.id);

describe('classifying what PHP-FPM says', () => {
  it.each([
    [
      'Permission denied',
      403,
      'Access denied.',
      'PHP message: PHP Warning:  PHP Request Startup: Failed to open stream: Permission denied in Unknown on line 0; Unable to open primary script: /srv/www/x.php (Permission denied)',
      'script-unreadable',
    ],
    [
      'No such file or directory',
      404,
      'No input file specified.',
      'Unable to open primary script: /srv/www/x.php (No such file or directory)',
      'script-missing',
    ],
    [
      'security.limit_extensions',
      403,
      'Access denied.',
      "Access to the script '/srv/www/x.txt' has been denied (see security.limit_extensions)",
      'script-extension-denied',
    ],
    ['Primary script unknown', 404, 'File not found.', 'Primary script unknown', 'primary-script-unknown'],
  ])('%s', (_name, status, body, stderr, id) => {
    expect(ids(response(status, body, stderr))).toEqual([id]);
  });

  it('a permission failure is never sent to security.limit_extensions', () => {
    const f = findingsForResponse(
      SOCK,
      response(403, 'Access denied.', 'Unable to open primary script: /srv/www/x.php (Permission denied)'),
      notOk,
      { scriptFilename: '/srv/www/x.php', scriptGiven: true },
    );
    expect(f.map((x) => x.id)).toEqual(['script-unreadable']);
    expect(JSON.stringify(f)).not.toMatch(/limit_extensions/);
  });

  it('without stderr, a bare "Access denied." is told apart by the extension', () => {
    expect(ids(response(403, 'Access denied.'), '/srv/www/x.php')).toEqual(['script-unreadable']);
    expect(ids(response(403, 'Access denied.'), '/srv/www/x.html')).toEqual(['script-extension-denied']);
    expect(ids(response(404, 'No input file specified.'), '/srv/www/x.php')).toEqual(['script-missing']);
  });

  it('stays quiet on answers that are none of these', () => {
    expect(classifyScriptFailure(response(200, 'ok'), 'ok', '/srv/www/x.php')).toBeUndefined();
    expect(
      classifyScriptFailure(response(403, 'Forbidden by the app', 'app: no'), 'Forbidden by the app'),
    ).toBeUndefined();
    expect(ids(response(500, '', 'PHP Fatal error: boom'))).toEqual(['backend-error-status', 'app-stderr']);
  });

  it('a hostile stderr does not make the patterns slow', () => {
    const stderr = 'Unable to open primary script: '.repeat(40_000) + 'x'.repeat(1_000_000);
    const started = performance.now();
    classifyScriptFailure(response(403, 'Access denied.', stderr), 'Access denied.', '/x.php');
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('ping without --script (issue 12 item 4)', () => {
  it('says no script was given, what was sent, and that --script picks one', () => {
    const [f] = findingsForResponse(SOCK, response(404, 'File not found.', 'Primary script unknown'), notOk, {
      scriptFilename: '/',
      scriptGiven: false,
    });
    expect(f!.id).toBe('primary-script-unknown');
    expect(f!.message).toContain('No script was given: ping sent SCRIPT_FILENAME=/');
    expect(f!.message).not.toMatch(/does not exist/);
    expect(f!.fix).toMatch(/^Name a script with --script/);
  });

  it('says nothing of it when a script was given', () => {
    const [f] = findingsForResponse(SOCK, response(404, 'File not found.', 'Primary script unknown'), notOk, {
      scriptFilename: '/srv/x.php',
      scriptGiven: true,
    });
    expect(f!.message).not.toMatch(/No script was given/);
  });
});

function machine(files: FixtureData['files'], workers = true): ReturnType<typeof fixtureSystem> {
  return fixtureSystem({
    passwd: FIXTURE_PASSWD,
    group: FIXTURE_GROUP,
    files,
    unixListeners: [{ path: SOCK.path, inode: 900 }],
    processes: [
      {
        pid: 10,
        ppid: 1,
        comm: 'php-fpm8.2',
        uid: 0,
        euid: 0,
        gid: 0,
        egid: 0,
        cmdline: ['php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)'],
        sockets: [900],
      },
      ...(workers
        ? [
            {
              pid: 11,
              ppid: 10,
              comm: 'php-fpm8.2',
              uid: 33,
              euid: 33,
              gid: 33,
              egid: 33,
              groups: [33],
              cmdline: ['php-fpm: pool www'],
              sockets: [900],
            },
          ]
        : []),
    ],
  });
}
const unreadable: Finding = {
  id: 'script-unreadable',
  severity: 'error',
  title: 't',
  message: 'm.',
  evidence: [],
  fix: 'f',
};

describe("the backend's user and the step that refuses it", () => {
  it('finds the workers of the PHP-FPM master listening on the socket', () => {
    const u = fpmWorkerUser(machine({}), SOCK);
    expect(u).toMatchObject({ known: true, name: 'www-data', principal: { uid: 33 } });
    expect(fpmWorkerUser(machine({}), { kind: 'unix', path: '/run/other.sock' })).toMatchObject({ known: false });
    expect(fpmWorkerUser(machine({}), { kind: 'tcp', host: '10.9.8.7', port: 9000 })).toMatchObject({ known: false });
  });

  it('a root-owned 0600 file: read (r) missing, the other bits apply', () => {
    const f = explainScriptAccess(
      unreadable,
      machine({ '/srv/www/x.php': { uid: 0, gid: 0, mode: 0o600 } }),
      SOCK,
      '/srv/www/x.php',
    );
    expect(f.message).toContain(
      'www-data lacks read (r) permission on the file /srv/www/x.php (-rw------- root:root); the "other" bits apply (www-data is neither its owner root nor in its group root)',
    );
    expect(f.fix).toContain('chgrp www-data /srv/www/x.php && chmod g+r /srv/www/x.php');
    expect(f.fix).not.toMatch(/to its group root|usermod/);
  });

  it('a group-owned file without g+r: chmod g+r', () => {
    const f = explainScriptAccess(
      unreadable,
      machine({ '/srv/www/x.php': { uid: 1001, gid: 33, mode: 0o600 } }),
      SOCK,
      '/srv/www/x.php',
    );
    expect(f.fix).toBe('Give www-data read (r) on /srv/www/x.php: chmod g+r /srv/www/x.php.');
  });

  it('a home directory without o+x: search (x) on the directory', () => {
    const f = explainScriptAccess(
      unreadable,
      machine({
        '/home/app': { type: 'dir', uid: 1001, gid: 1001, mode: 0o750 },
        '/home/app/x.php': { uid: 1001, gid: 1001 },
      }),
      SOCK,
      '/home/app/x.php',
    );
    expect(f.message).toContain('www-data lacks search (x) permission on the directory /home/app');
    expect(f.fix).toContain('chmod o+x /home/app');
  });

  it('"Primary script unknown" on an existing script www-data may not reach becomes script-unreadable; a missing one stays', () => {
    const unknown: Finding = { ...unreadable, id: 'primary-script-unknown' };
    const sys = machine({
      '/home/app': { type: 'dir', uid: 1001, gid: 1001, mode: 0o700 },
      '/home/app/x.php': { uid: 1001, gid: 1001 },
    });
    expect(explainPrimaryScriptUnknown(unknown, sys, SOCK, '/home/app/x.php').id).toBe('script-unreadable');
    expect(explainPrimaryScriptUnknown(unknown, sys, SOCK, '/home/app/gone.php')).toBe(unknown);
    expect(explainPrimaryScriptUnknown(unknown, machine({ '/srv/x.php': 'x' }), SOCK, '/srv/x.php')).toBe(unknown);
  });

  it('the kernel, asked as www-data, allows what the bits refuse (an ACL): Primary script unknown stays; script-unreadable names the ACL, not a chmod', () => {
    const files = {
      '/home/app': { type: 'dir' as const, uid: 1001, gid: 1001, mode: 0o750 },
      '/home/app/x.php': { uid: 1001, gid: 1001 },
    };
    const sys = { ...machine(files), access: fixtureAccessOracle(() => 'allowed') };
    const unknown: Finding = { ...unreadable, id: 'primary-script-unknown' };
    expect(explainPrimaryScriptUnknown(unknown, sys, SOCK, '/home/app/x.php')).toBe(unknown);
    const f = explainScriptAccess(unreadable, sys, SOCK, '/home/app/x.php');
    expect(f.message).toContain('an ACL grants what the mode bits refuse');
    expect(f.fix).toContain('getfacl /home/app');
    expect(f.fix).not.toContain('chmod');
  });

  it('the kernel confirms: the chmod fix, and the evidence says the kernel refused too', () => {
    const sys = {
      ...machine({
        '/home/app': { type: 'dir' as const, uid: 1001, gid: 1001, mode: 0o750 },
        '/home/app/x.php': { uid: 1001, gid: 1001 },
      }),
      access: fixtureAccessOracle(() => 'refused'),
    };
    const f = explainScriptAccess(unreadable, sys, SOCK, '/home/app/x.php');
    expect(f.fix).toContain('chmod o+x /home/app');
    expect(f.evidence.map((e) => e.text)).toContain(
      'confirmed by the kernel: access(2) as www-data is refused search (x) on /home/app',
    );
  });

  it('says so when the backend user cannot be found', () => {
    const f = explainScriptAccess(
      unreadable,
      machine({ '/srv/www/x.php': { mode: 0o600 } }, false),
      SOCK,
      '/srv/www/x.php',
    );
    expect(f.message).toBe('m.');
    expect(f.evidence.at(-1)!.text).toMatch(
      /the backend's user is unknown: what listens on .* is not PHP-FPM|backend's user is unknown/,
    );
  });
});

describe('no --script with an application that routes by URI', () => {
  it('a 404 or 503 from the app says nothing of a missing script', () => {
    for (const status of [404, 503]) {
      const f = findingsForResponse(SOCK, response(status, 'nope'), notOk, { scriptFilename: '/', scriptGiven: false });
      expect(f.map((x) => x.id)).toEqual(['backend-error-status']);
      expect(`${f[0]!.message} ${f[0]!.fix}`).not.toMatch(/No script was given|--script/);
    }
  });
});
