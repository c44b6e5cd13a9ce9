/**
 * The kernel's word on a refusal of the mode bits: confirmedAccess and the
 * worker's view consult an AccessOracle only for what the bits refuse, in one
 * batch per user, and keep the bits' verdict when the oracle cannot answer.
 * The live oracle on this machine is held to setfacl in
 * test/integration/kernelAccess.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fixtureSystem } from '../../src/system/fixture.js';
import {
  confirmedAccess,
  fileSystemAs,
  fixtureAccessOracle,
  type KernelAnswer,
  liveAccessOracle,
  type Principal,
} from '../../src/system/index.js';

const www: Principal = { uid: 33, gids: [33], name: 'www-data' };
const app: Principal = { uid: 1001, gids: [1001], name: 'app' };

const files = {
  '/home/deploy': { type: 'dir' as const, uid: 1002, gid: 1002, mode: 0o750 },
  '/home/deploy/site/index.php': { uid: 1002, gid: 1002, content: '<?php' },
  '/home/deploy/site/other.php': { uid: 1002, gid: 1002, content: '<?php' },
  '/srv/open/index.php': '<?php',
};

/** An oracle that answers `answer` for every path under /home/deploy (an ACL for www-data, say). */
function oracle(answer: KernelAnswer) {
  return fixtureAccessOracle((_who, q) => (q.path.startsWith('/home/deploy') ? answer : 'unknown'));
}

describe('confirmedAccess: the mode bits first, the kernel for what they refuse', () => {
  const fs = fixtureSystem({ files }).fs;

  it('what the bits allow asks nothing (a healthy setup costs no process)', () => {
    const o = oracle('refused');
    const [v] = confirmedAccess(fs, o, [{ who: www, target: '/srv/open/index.php', need: ['r'] }]);
    expect(v?.result).toBe('allowed');
    expect(o.asked).toEqual([]);
  });

  it('the kernel allows what the bits refuse: allowed, with the bits that refused (an ACL)', () => {
    const [v] = confirmedAccess(fs, oracle('allowed'), [
      { who: www, target: '/home/deploy/site/index.php', need: ['r'] },
    ]);
    expect(v).toMatchObject({ result: 'allowed', acl: { path: '/home/deploy', missing: ['x'], cls: 'other' } });
  });

  it('past a granted directory the walk goes on: a file the bits refuse below it is asked about in turn', () => {
    const deeper = fixtureSystem({
      files: { ...files, '/home/deploy/site/secret.php': { uid: 1002, gid: 1002, mode: 0o600, content: '<?php' } },
    }).fs;
    const o = fixtureAccessOracle((_who, q) => (q.path === '/home/deploy' ? 'allowed' : 'refused'));
    const [v] = confirmedAccess(deeper, o, [{ who: www, target: '/home/deploy/site/secret.php', need: ['r'] }]);
    expect(v).toMatchObject({
      result: 'denied',
      path: '/home/deploy/site/secret.php',
      missing: ['r'],
      confirmed: true,
    });
    expect(o.asked).toEqual([
      [{ path: '/home/deploy', need: ['x'] }],
      [{ path: '/home/deploy/site/secret.php', need: ['r'] }],
    ]);
  });

  it('the kernel refuses too: denied and confirmed', () => {
    const [v] = confirmedAccess(fs, oracle('refused'), [
      { who: www, target: '/home/deploy/site/index.php', need: ['r'] },
    ]);
    expect(v).toMatchObject({ result: 'denied', path: '/home/deploy', confirmed: true });
  });

  it('no answer (not root, no setpriv) or no oracle: the bits stand, unconfirmed', () => {
    for (const o of [oracle('unknown'), undefined]) {
      const [v] = confirmedAccess(fs, o, [{ who: www, target: '/home/deploy/site/index.php', need: ['r'] }]);
      expect(v).toMatchObject({ result: 'denied', path: '/home/deploy' });
      expect(v?.result === 'denied' && v.confirmed).toBeFalsy();
    }
  });

  it('the question is the refusing step: two scripts under one refused directory cost one question; another user gets its own', () => {
    const o = oracle('refused');
    const verdicts = confirmedAccess(fs, o, [
      { who: www, target: '/home/deploy/site/index.php', need: ['r'] },
      { who: www, target: '/srv/open/index.php', need: ['r'] },
      { who: www, target: '/home/deploy/site/other.php', need: ['r'] },
      { who: app, target: '/home/deploy/site/index.php', need: ['r'] },
    ]);
    expect(verdicts.map((v) => v.result)).toEqual(['denied', 'allowed', 'denied', 'denied']);
    expect(o.asked).toEqual([[{ path: '/home/deploy', need: ['x'] }], [{ path: '/home/deploy', need: ['x'] }]]);
  });
});

describe('fileSystemAs with an oracle: the worker sees what an ACL grants it', () => {
  const fs = fixtureSystem({ files }).fs;

  it('the kernel allows: stat and read answer as for the doctor', () => {
    const view = fileSystemAs(fs, www, oracle('allowed'));
    expect(view.stat('/home/deploy/site/index.php')).toMatchObject({ type: 'file' });
    expect(view.readText('/home/deploy/site/index.php')).toBe('<?php');
  });

  it('a name missing past the granted directory is missing, not refused', () => {
    const view = fileSystemAs(fs, www, oracle('allowed'));
    expect(view.stat('/home/deploy/site/nope.php')).toMatchObject({ error: 'missing' });
  });

  it('the kernel refuses, or cannot say: the refusal stands with its path', () => {
    for (const answer of ['refused', 'unknown'] as const) {
      const st = fileSystemAs(fs, www, oracle(answer)).stat('/home/deploy/site/index.php');
      expect(st).toMatchObject({ error: 'denied', refused: { path: '/home/deploy', missing: ['x'] } });
    }
  });

  it('what the bits allow never asks', () => {
    const o = oracle('refused');
    expect(fileSystemAs(fs, www, o).stat('/srv/open/index.php')).toMatchObject({ type: 'file' });
    expect(o.asked).toEqual([]);
  });
});

describe('liveAccessOracle: only root can ask as another user', () => {
  const q = [{ path: '/', need: ['x'] as const }];
  it('not root: every answer unknown, nothing spawned', () => {
    expect(liveAccessOracle({ euid: 1000, setpriv: '/nonexistent/setpriv' }).ask(www, q)).toEqual(['unknown']);
  });
  it('no setpriv: unknown', () => {
    expect(liveAccessOracle({ euid: 0, setpriv: null }).ask(www, q)).toEqual(['unknown']);
  });
  it('a setpriv that fails: unknown, never a refusal', () => {
    expect(liveAccessOracle({ euid: 0, setpriv: '/bin/false' }).ask(www, q)).toEqual(['unknown']);
  });
  it('a relative path is not asked', () => {
    expect(liveAccessOracle({ euid: 0, setpriv: '/bin/false' }).ask(www, [{ path: 'x', need: [] }])).toEqual([
      'unknown',
    ]);
  });
});
