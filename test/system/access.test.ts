import { describe, expect, it } from 'vitest';
import { fixtureSystem } from '../../src/system/fixture.js';
import { mayConnect, mayCreateIn, mayExecute, modeString, permits, type Principal } from '../../src/system/index.js';

const www: Principal = { uid: 33, gids: [33], name: 'www-data' };
const wwwInSites: Principal = { uid: 33, gids: [33, 2000], name: 'www-data' };
const root: Principal = { uid: 0, gids: [0] };

function sock(uid: number, gid: number, mode: number, dir: { uid?: number; gid?: number; mode?: number } = {}) {
  return fixtureSystem({
    files: { '/run/app': { type: 'dir', ...dir }, '/run/app/app.sock': { type: 'socket', uid, gid, mode } },
  }).fs;
}

describe('mayConnect: w on the socket, x on every directory', () => {
  it('owner with w', () => {
    expect(mayConnect(sock(33, 0, 0o600), www, '/run/app/app.sock').result).toBe('allowed');
  });
  it('owner without w is denied even when "other" has w (the kernel never falls back)', () => {
    const v = mayConnect(sock(33, 0, 0o406), www, '/run/app/app.sock');
    expect(v).toMatchObject({ result: 'denied', path: '/run/app/app.sock', missing: ['w'], cls: 'owner' });
  });
  it('group with w, by primary group', () => {
    expect(mayConnect(sock(0, 33, 0o660), www, '/run/app/app.sock').result).toBe('allowed');
  });
  it('group with w, by a supplementary group', () => {
    expect(mayConnect(sock(0, 2000, 0o660), wwwInSites, '/run/app/app.sock').result).toBe('allowed');
    expect(mayConnect(sock(0, 2000, 0o660), www, '/run/app/app.sock')).toMatchObject({
      result: 'denied',
      cls: 'other',
    });
  });
  it('group without w', () => {
    expect(mayConnect(sock(0, 33, 0o640), www, '/run/app/app.sock')).toMatchObject({
      result: 'denied',
      missing: ['w'],
      cls: 'group',
    });
  });
  it('other: root:root 0660 denies www-data; 0666 allows', () => {
    expect(mayConnect(sock(0, 0, 0o660), www, '/run/app/app.sock')).toMatchObject({
      result: 'denied',
      missing: ['w'],
      cls: 'other',
    });
    expect(mayConnect(sock(0, 0, 0o666), www, '/run/app/app.sock').result).toBe('allowed');
  });
  it('a parent directory without x for the user', () => {
    const v = mayConnect(sock(33, 33, 0o660, { uid: 1001, gid: 1001, mode: 0o750 }), www, '/run/app/app.sock');
    expect(v).toMatchObject({ result: 'denied', path: '/run/app', missing: ['x'], cls: 'other' });
  });
  it('a parent with r but no x is still denied (x is what lookup needs)', () => {
    const v = mayConnect(sock(33, 33, 0o660, { mode: 0o754 }), www, '/run/app/app.sock');
    expect(v).toMatchObject({ result: 'denied', path: '/run/app', missing: ['x'] });
  });
  it('root bypasses every bit', () => {
    expect(mayConnect(sock(1001, 1001, 0o000, { mode: 0o700, uid: 1001 }), root, '/run/app/app.sock').result).toBe(
      'allowed',
    );
  });
  it('symbolic links are followed, and the directories of the target checked', () => {
    const fs = fixtureSystem({
      files: {
        '/var/run': { target: '/run' },
        '/run/locked': { type: 'dir', mode: 0o700 },
        '/run/locked/a.sock': { type: 'socket', mode: 0o666 },
      },
    }).fs;
    expect(mayConnect(fs, www, '/var/run/locked/a.sock')).toMatchObject({ result: 'denied', path: '/run/locked' });
  });
  it('a missing path or one the viewer may not see is unknown, not denied', () => {
    expect(mayConnect(sock(33, 33, 0o660), www, '/run/app/other.sock')).toMatchObject({
      result: 'unknown',
      reason: 'missing',
    });
    const hidden = fixtureSystem({ files: { '/home/app': { type: 'dir', denied: true } } }).fs;
    expect(mayConnect(hidden, www, '/home/app/a.sock')).toMatchObject({ result: 'unknown', reason: 'denied' });
  });
});

describe('mayCreateIn and mayExecute', () => {
  it('an IPC dir needs w and x', () => {
    const fs = fixtureSystem({ files: { '/var/lib/fcgid/sock': { type: 'dir', uid: 0, gid: 0, mode: 0o755 } } }).fs;
    expect(mayCreateIn(fs, www, '/var/lib/fcgid/sock')).toMatchObject({ result: 'denied', missing: ['w'] });
    const own = fixtureSystem({ files: { '/var/lib/fcgid/sock': { type: 'dir', uid: 33, mode: 0o700 } } }).fs;
    expect(mayCreateIn(own, www, '/var/lib/fcgid/sock').result).toBe('allowed');
  });
  it('root may execute a file only if some x bit is set', () => {
    expect(permits({ uid: 5, gid: 5, mode: 0o644, type: 'file' }, root, 'x')).toBe(false);
    expect(permits({ uid: 5, gid: 5, mode: 0o744, type: 'file' }, root, 'x')).toBe(true);
    const fs = fixtureSystem({ files: { '/srv/app.fcgi': { mode: 0o754 } } }).fs;
    expect(mayExecute(fs, www, '/srv/app.fcgi')).toMatchObject({ result: 'denied', missing: ['x'], cls: 'other' });
    expect(mayExecute(fs, root, '/srv/app.fcgi').result).toBe('allowed');
  });
  it('modeString', () => {
    expect(modeString({ type: 'socket', mode: 0o660 })).toBe('srw-rw----');
    expect(modeString({ type: 'dir', mode: 0o755 })).toBe('drwxr-xr-x');
  });
});
