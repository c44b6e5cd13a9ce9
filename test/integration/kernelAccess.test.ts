/**
 * The live access oracle against this machine's kernel: a directory 0750 of
 * another user refuses www-data (confirmed), `setfacl -m u:www-data:x` lets
 * it through although the mode bits still refuse, a name missing past it is
 * missing, and the supplementary groups the doctor names are the child's
 * (Node's own spawn uid/gid options would drop them).
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmedAccess, liveAccessOracle, liveSystem, type Principal } from '../../src/system/index.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';
import { makeTempDir, type TempDir } from './harness/tempdir.js';

const isRoot = process.getuid?.() === 0;
const ready = isRoot && requireBinary(BINARIES.setfacl.name, BINARIES.setfacl.path, BINARIES.setfacl.pkg);

const www: Principal = { uid: 33, gids: [33], name: 'www-data' };
/** nobody:nogroup owns the directory: www-data is neither. */
const OTHER = { uid: 65534, gid: 65534 };

describe.skipIf(!ready)('the kernel asked as www-data (setpriv + access(2))', () => {
  let tmp: TempDir;
  let home: string;

  beforeAll(() => {
    tmp = makeTempDir('kernel-access');
    home = tmp.join('home');
    mkdirSync(`${home}/site`, { recursive: true });
    writeFileSync(`${home}/site/index.php`, '<?php', { mode: 0o644 });
    for (const p of [home, `${home}/site`, `${home}/site/index.php`]) chownSync(p, OTHER.uid, OTHER.gid);
    chmodSync(home, 0o750);
  });
  afterAll(() => tmp?.remove());

  it('no ACL: the bits refuse and the kernel confirms', () => {
    const [v] = confirmedAccess(liveSystem().fs, liveAccessOracle(), [
      { who: www, target: `${home}/site/index.php`, need: ['r'] },
    ]);
    expect(v).toMatchObject({ result: 'denied', path: home, missing: ['x'], confirmed: true });
  });

  it('setfacl -m u:www-data:x: the kernel allows what the bits refuse; a name past it is missing', async () => {
    await execa(BINARIES.setfacl.path, ['-m', 'u:www-data:x', home]);
    try {
      const oracle = liveAccessOracle();
      const [v] = confirmedAccess(liveSystem().fs, oracle, [
        { who: www, target: `${home}/site/index.php`, need: ['r'] },
      ]);
      expect(v).toMatchObject({ result: 'allowed', acl: { path: home, missing: ['x'] } });
      expect(
        oracle.ask(www, [
          { path: `${home}/site/nope.php`, need: [] },
          { path: `${home}/site/index.php`, need: ['w'] },
        ]),
      ).toEqual(['missing', 'refused']);
    } finally {
      await execa(BINARIES.setfacl.path, ['-b', home]);
    }
  });

  it("the doctor's supplementary groups reach the child: a group www-data is put in opens the directory", () => {
    chownSync(home, OTHER.uid, 4);
    try {
      const inGroup: Principal = { ...www, gids: [33, 4] };
      expect(liveAccessOracle().ask(inGroup, [{ path: `${home}/site/index.php`, need: ['r'] }])).toEqual(['allowed']);
      expect(liveAccessOracle().ask(www, [{ path: `${home}/site/index.php`, need: ['r'] }])).toEqual(['refused']);
    } finally {
      chownSync(home, OTHER.uid, OTHER.gid);
    }
  });
});
