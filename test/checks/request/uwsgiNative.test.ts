/**
 * A silent close at a uWSGI socket: the listener's command line (or its ini
 * file) says whether the socket there speaks uWSGI's own protocol, on a
 * fixture machine.
 */
import { describe, expect, it } from 'vitest';
import { findingForClientError } from '../../../src/checks/request/outcome.js';
import { explainSilentClose, sameAddress, uwsgiSockets } from '../../../src/checks/request/uwsgiNative.js';
import { FcgiClientError } from '../../../src/client/errors.js';
import type { Target } from '../../../src/client/target.js';
import { fixtureSystem, FIXTURE_GROUP, FIXTURE_PASSWD, type FixtureData } from '../../../src/system/fixture.js';

const SOCK: Target = { kind: 'unix', path: '/run/uwsgi/app.sock' };
const TCP: Target = { kind: 'tcp', host: '127.0.0.1', port: 3031 };

function silentClose(): FcgiClientError {
  return new FcgiClientError(
    'closed-early',
    'the backend closed the connection before FCGI_END_REQUEST (received 0 bytes in all)',
    {
      phase: 'response',
      hint: 'the application crashed or exited during the request: look at its own log',
      received: Buffer.alloc(0),
    },
  );
}

function machine(
  cmdline: string[],
  files: FixtureData['files'] = {},
  comm = 'uwsgi',
): ReturnType<typeof fixtureSystem> {
  return fixtureSystem({
    passwd: FIXTURE_PASSWD,
    group: FIXTURE_GROUP,
    files,
    unixListeners: [{ path: SOCK.kind === 'unix' ? SOCK.path : '', inode: 700 }],
    tcpListeners: [{ address: '0.0.0.0', port: 3031, inode: 701, family: 4 }],
    processes: [{ pid: 40, ppid: 1, comm, uid: 33, euid: 33, gid: 33, egid: 33, cmdline, sockets: [700, 701] }],
  });
}

function explain(target: Target, system: ReturnType<typeof fixtureSystem>) {
  const err = silentClose();
  return explainSilentClose(findingForClientError(target, err), err, system, target);
}

describe('uwsgiSockets', () => {
  it('reads --socket, -s, --opt=value and --fastcgi-socket from the command line', () => {
    expect(
      uwsgiSockets([
        'uwsgi',
        '--socket',
        '/a.sock',
        '-s',
        ':3031',
        '--fastcgi-socket=/b.sock',
        '--http-socket',
        ':8080',
      ]),
    ).toEqual([
      { option: '--socket', kind: 'uwsgi', address: '/a.sock', from: 'the command line' },
      { option: '--s', kind: 'uwsgi', address: ':3031', from: 'the command line' },
      { option: '--fastcgi-socket', kind: 'fastcgi', address: '/b.sock', from: 'the command line' },
      { option: '--http-socket', kind: 'http', address: ':8080', from: 'the command line' },
    ]);
  });

  it('reads the [uwsgi] section of an ini file named by --ini or alone, with its line', () => {
    const { fs } = machine([], {
      '/etc/uwsgi/app.ini': '[other]\nsocket = /no.sock\n[uwsgi]\nplugins = python3\nsocket = /run/uwsgi/app.sock\n',
    });
    const expected = [
      { option: 'socket =', kind: 'uwsgi', address: '/run/uwsgi/app.sock', from: '/etc/uwsgi/app.ini:5' },
    ];
    expect(uwsgiSockets(['uwsgi', '--ini', '/etc/uwsgi/app.ini'], fs)).toEqual(expected);
    expect(uwsgiSockets(['uwsgi', '/etc/uwsgi/app.ini'], fs)).toEqual(expected);
    expect(uwsgiSockets(['uwsgi', '--ini', '/etc/uwsgi/missing.ini'], fs)).toEqual([]);
  });
});

describe('sameAddress', () => {
  it.each([
    ['/run/uwsgi/app.sock', SOCK, true],
    ['/run/uwsgi/other.sock', SOCK, false],
    [':3031', TCP, true],
    ['0.0.0.0:3031', TCP, true],
    ['127.0.0.1:3031', TCP, true],
    ['[::]:3031', TCP, true],
    ['10.0.0.1:3031', TCP, false],
    ['127.0.0.1:3032', TCP, false],
  ] as const)('%s vs %j: %s', (address, target, same) => {
    expect(sameAddress(address, target)).toBe(same);
  });
});

describe('explainSilentClose', () => {
  it('a uWSGI native socket on the command line becomes backend-protocol-error with the fix', () => {
    const f = explain(SOCK, machine(['uwsgi', '--socket', '/run/uwsgi/app.sock', '--plugin', 'python3']));
    expect(f.id).toBe('backend-protocol-error');
    expect(f.message).toMatch(
      /uWSGI's native socket \(--socket \/run\/uwsgi\/app\.sock, the command line; uWSGI pid 40\)/,
    );
    expect(f.fix).toMatch(/fastcgi-socket = \/run\/uwsgi\/app\.sock/);
    expect(f.fix).toMatch(/unix:\/run\/uwsgi\/app\.sock\|uwsgi:\/\/localhost\//);
    expect(f.evidence.map((e) => e.text).join('\n')).toMatch(/uWSGI pid 40 listens on/);
  });

  it('on TCP, from an ini file, with its file:line', () => {
    const f = explain(
      TCP,
      machine(['/usr/bin/uwsgi', '--ini', '/etc/uwsgi/apps-enabled/app.ini'], {
        '/etc/uwsgi/apps-enabled/app.ini': '[uwsgi]\nsocket = :3031\n',
      }),
    );
    expect(f.id).toBe('backend-protocol-error');
    expect(f.message).toContain('/etc/uwsgi/apps-enabled/app.ini:2');
    expect(f.fix).toMatch(/uwsgi:\/\/127\.0\.0\.1:3031\//);
  });

  it('stays as it was when the socket there is a FastCGI one (the close has another cause)', () => {
    const f = explain(SOCK, machine(['uwsgi', '--fastcgi-socket', '/run/uwsgi/app.sock']));
    expect(f.id).toBe('backend-bad-response');
    expect(f.message).toMatch(/If this is uWSGI/);
  });

  it('stays as it was when another program listens there', () => {
    const f = explain(SOCK, machine(['php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)'], {}, 'php-fpm8.2'));
    expect(f.id).toBe('backend-bad-response');
  });

  it('never applies to a close after bytes were received', () => {
    const err = new FcgiClientError('closed-early', 'closed', { received: Buffer.from([1, 6, 0, 1]) });
    const finding = findingForClientError(SOCK, err);
    const system = machine(['uwsgi', '--socket', '/run/uwsgi/app.sock']);
    expect(explainSilentClose(finding, err, system, SOCK)).toBe(finding);
  });
});
