import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureSystem, type FixtureFile } from '../../src/system/fixture.js';
import { fsDirReader, liveDirReader, parseMountInfo, walkFiles, type DirReader } from '../../src/system/index.js';

function reader(files: Record<string, FixtureFile | string>, mounts = [] as { mountPoint: string; fsType: string }[]) {
  return fixtureSystem({ files, mounts }).dirs as DirReader;
}

describe('walkFiles: a bounded breadth-first listing', () => {
  it('lists files breadth first, nearest first', () => {
    const r = walkFiles(
      reader({ '/srv/blog/a/b/deep.php': '', '/srv/blog/index.php': '', '/srv/blog/a/x.php': '' }),
      '/srv/blog',
    );
    expect(r.files.map((f) => f.path)).toEqual(['/srv/blog/index.php', '/srv/blog/a/x.php', '/srv/blog/a/b/deep.php']);
    expect(r.limits).toEqual([]);
  });

  it('stops at the entry limit and says so', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`/srv/www/f${String(i).padStart(2, '0')}.php`] = '';
    const r = walkFiles(reader(files), '/srv/www', { maxEntries: 10 });
    expect(r.files).toHaveLength(10);
    expect(r.limits).toEqual([{ kind: 'entries', text: 'stopped after 10 entries under /srv/www' }]);
  });

  it('stops at the depth limit and says so', () => {
    const r = walkFiles(reader({ '/d/1/2/3/x.php': '', '/d/top.php': '' }), '/d', { maxDepth: 2 });
    expect(r.files.map((f) => f.path)).toEqual(['/d/top.php']);
    expect(r.limits[0]?.kind).toBe('depth');
    expect(r.limits[0]?.text).toContain('deeper than 2 levels');
  });

  it('stops at the deadline and says so', () => {
    let t = 0;
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`/w/f${i}`] = '';
    const r = walkFiles(reader(files), '/w', { deadline: 5, now: () => t++ });
    expect(r.limits.map((l) => l.kind)).toEqual(['time']);
    expect(r.files.length).toBeLessThan(20);
  });

  it('ends a symbolic link loop instead of following it', () => {
    const r = walkFiles(
      reader({
        '/srv/site/index.php': '',
        '/srv/site/loop': { target: '/srv/site' },
        '/srv/site/sub/up': { target: '..' },
      }),
      '/srv/site',
    );
    expect(r.files.map((f) => f.path)).toEqual(['/srv/site/index.php']);
    expect(r.skipped.filter((s) => s.why.includes('already walked')).map((s) => s.path)).toEqual([
      '/srv/site/loop',
      '/srv/site/sub/up',
    ]);
  });

  it('never enters /proc, /sys or /dev, even through a link', () => {
    const r = walkFiles(
      reader({ '/srv/w/p': { target: '/proc' }, '/proc/1/status': '', '/srv/w/a.php': '' }),
      '/srv/w',
    );
    expect(r.files.map((f) => f.path)).toEqual(['/srv/w/a.php']);
    expect(r.skipped).toEqual([{ path: '/srv/w/p', why: '/proc is a kernel pseudo-filesystem' }]);
    const inside = walkFiles(reader({ '/proc/1/status': '' }), '/proc');
    expect(inside.files).toEqual([]);
    expect(inside.skipped[0]?.path).toBe('/proc');
  });

  it('does not walk network or FUSE mounts', () => {
    const r = walkFiles(
      reader({ '/srv/w/a.php': '', '/srv/w/nfs/b.php': '', '/srv/w/s3/c.php': '' }, [
        { mountPoint: '/', fsType: 'ext4' },
        { mountPoint: '/srv/w/nfs', fsType: 'nfs4' },
        { mountPoint: '/srv/w/s3', fsType: 'fuse.s3fs' },
      ]),
      '/srv/w',
    );
    expect(r.files.map((f) => f.path)).toEqual(['/srv/w/a.php']);
    expect(r.skipped.map((s) => s.why)).toEqual([
      'on a nfs4 mount (/srv/w/nfs): network or virtual filesystems are not walked',
      'on a fuse.s3fs mount (/srv/w/s3): network or virtual filesystems are not walked',
    ]);
  });

  it('never opens or stats a FIFO or a device', () => {
    const base = reader({ '/srv/w/pipe': { type: 'fifo' }, '/srv/w/tty': { type: 'char' }, '/srv/w/ok.php': '' });
    const touched: string[] = [];
    const spy: DirReader = {
      ...base,
      identity: (p) => {
        touched.push(p);
        return base.identity(p);
      },
      lstatType: (p) => {
        touched.push(p);
        return base.lstatType(p);
      },
      realpath: (p) => {
        touched.push(p);
        return base.realpath(p);
      },
    };
    const r = walkFiles(spy, '/srv/w');
    expect(r.files.map((f) => f.path)).toEqual(['/srv/w/ok.php']);
    expect(touched.filter((p) => p.endsWith('pipe') || p.endsWith('tty'))).toEqual([]);
  });

  it('keeps only wanted names but counts every entry', () => {
    const r = walkFiles(reader({ '/w/a.php': '', '/w/b.css': '', '/w/c.php': '' }), '/w', {
      want: (n) => n.endsWith('.php'),
    });
    expect(r.files.map((f) => f.path)).toEqual(['/w/a.php', '/w/c.php']);
    expect(r.entries).toBe(3);
  });

  it('reads mountinfo as the kernel writes it', () => {
    const text =
      '36 35 98:0 / /mnt/my\\040share rw,noatime master:1 - nfs4 server:/x rw\n22 1 0:21 / /proc rw - proc proc rw\n';
    expect(parseMountInfo(text)).toEqual([
      { mountPoint: '/mnt/my share', fsType: 'nfs4' },
      { mountPoint: '/proc', fsType: 'proc' },
    ]);
  });

  it('works on a fixture FileSystem directly', () => {
    const fs = fixtureSystem({ files: { '/a/b.php': '' } }).fs;
    expect(walkFiles(fsDirReader(fs), '/a').files.map((f) => f.path)).toEqual(['/a/b.php']);
  });
});

describe('walkFiles on the live machine', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'walk-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stays fast on 100,000 files with the default limits, and on all of them without', () => {
    for (let d = 0; d < 100; d++) {
      const sub = path.join(dir, `d${d}`);
      mkdirSync(sub);
      for (let f = 0; f < 1000; f++) writeFileSync(path.join(sub, `f${f}.php`), '');
    }
    symlinkSync(dir, path.join(dir, 'd0', 'loop'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const live = liveDirReader();
    const t0 = Date.now();
    const bounded = walkFiles(live, dir);
    expect(bounded.limits.map((l) => l.kind)).toEqual(['entries']);
    const all = walkFiles(live, dir, { maxEntries: 1_000_000, deadline: Date.now() + 30_000 });
    expect(all.files.length).toBe(100_000);
    expect(all.skipped.some((s) => s.path.endsWith('/d0/loop'))).toBe(true);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 60_000);
});
