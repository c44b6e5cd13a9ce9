import { describe, expect, it } from 'vitest';
import { fixtureSystem } from '../../src/system/fixture.js';
import { fileSystemAs, isProbeError, type Principal } from '../../src/system/index.js';

const www: Principal = { uid: 33, gids: [33], name: 'www-data' };

function machine(homeMode: number, extra: Record<string, { denied?: boolean; mode?: number }> = {}) {
  return fixtureSystem({
    files: {
      '/home/deploy': { type: 'dir', uid: 1001, gid: 1001, mode: homeMode },
      '/home/deploy/site': { type: 'dir', uid: 1001, gid: 1001 },
      '/home/deploy/site/index.php': { uid: 1001, gid: 1001, content: '<?php' },
      '/home/deploy/site/secret.php': { uid: 1001, gid: 1001, mode: 0o600, content: '<?php' },
      '/srv/link': { type: 'symlink', target: '/home/deploy/site' },
      ...extra,
    },
  }).fs;
}

describe('fileSystemAs: the files as another user sees them', () => {
  it('a 0750 home directory refuses search to www-data: stat is EACCES with the directory and the bit', () => {
    const st = fileSystemAs(machine(0o750), www).stat('/home/deploy/site/index.php');
    expect(st).toMatchObject({ error: 'denied', refused: { who: 'www-data', path: '/home/deploy', missing: ['x'] } });
    expect(isProbeError(st) && st.refused?.cls).toBe('other');
  });
  it('a missing name under a refused directory is EACCES too (the lookup never happens)', () => {
    const st = fileSystemAs(machine(0o750), www).stat('/home/deploy/site/nope.php');
    expect(st).toMatchObject({ error: 'denied', refused: { path: '/home/deploy' } });
  });
  it('0755: stat answers as for the doctor, a missing name is missing', () => {
    const fs = fileSystemAs(machine(0o755), www);
    expect(fs.stat('/home/deploy/site/index.php')).toMatchObject({ type: 'file' });
    expect(fs.stat('/home/deploy/site/nope.php')).toMatchObject({ error: 'missing' });
    expect(fs.exists('/home/deploy/site/index.php')).toBe(true);
  });
  it('stat needs no read bit on the target; open does', () => {
    const fs = fileSystemAs(machine(0o755), www);
    expect(fs.stat('/home/deploy/site/secret.php')).toMatchObject({ type: 'file' });
    expect(fs.open('/home/deploy/site/secret.php')).toMatchObject({
      error: 'denied',
      refused: { path: '/home/deploy/site/secret.php', missing: ['r'] },
    });
    expect(fs.open('/home/deploy/site/index.php')).toMatchObject({ type: 'file' });
  });
  it('a file searched as a directory is ENOTDIR (missing), not a refusal, whatever its bits', () => {
    const st = fileSystemAs(machine(0o755), www).stat('/home/deploy/site/index.php/extra');
    expect(st).toMatchObject({ error: 'missing' });
  });
  it('symbolic links are followed as the user: the target directory refuses', () => {
    const fs = fileSystemAs(machine(0o750), www);
    expect(fs.stat('/srv/link/index.php')).toMatchObject({ error: 'denied', refused: { path: '/home/deploy' } });
    expect(fs.lstat('/srv/link')).toMatchObject({ type: 'symlink' });
    expect(fs.readlink('/srv/link')).toBe('/home/deploy/site');
  });
  it('what the doctor itself cannot see stays a plain "denied", no refusal guessed', () => {
    const fs = fileSystemAs(machine(0o755, { '/home/deploy/site': { denied: true } }), www);
    const st = fs.stat('/home/deploy/site/index.php');
    expect(st).toMatchObject({ error: 'denied' });
    expect(isProbeError(st) && st.refused).toBeUndefined();
  });
  it('a view of root is the doctor view', () => {
    const fs = fileSystemAs(machine(0o700), { uid: 0, gids: [0], name: 'root' });
    expect(fs.stat('/home/deploy/site/index.php')).toMatchObject({ type: 'file' });
    expect(fs.open('/home/deploy/site/secret.php')).toMatchObject({ type: 'file' });
  });
  it('reads and listings need read on the target', () => {
    const fs = fileSystemAs(machine(0o711, { '/home/deploy/site': { mode: 0o711 } }), www);
    expect(fs.listDir('/home/deploy/site')).toMatchObject({ error: 'denied', refused: { missing: ['r'] } });
    expect(fs.readText('/home/deploy/site/index.php')).toBe('<?php');
  });
});
