import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketsInDir } from '../../src/system/socketDir.js';
import { isProbeError } from '../../src/system/types.js';
import { makeTempDir, type TempDir } from '../client/support.js';

describe('socketsInDir: the sockets in a directory, bounded', () => {
  let dir: TempDir;
  const servers: net.Server[] = [];
  beforeAll(async () => {
    dir = makeTempDir('socketdir');
    for (let i = 0; i < 40; i++) writeFileSync(dir.join(`f${String(i).padStart(2, '0')}.txt`), '');
    for (const name of ['b.sock', 'a.sock', 'c.sock']) {
      const s = net.createServer();
      await new Promise<void>((resolve) => s.listen(dir.join(name), resolve));
      servers.push(s);
    }
  });
  afterAll(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    dir.remove();
  });

  it('lists only sockets, sorted, at most maxShown, and counts the rest', () => {
    expect(socketsInDir(dir.path)).toEqual({
      sockets: [dir.join('a.sock'), dir.join('b.sock'), dir.join('c.sock')],
      more: 0,
      truncated: false,
      subdirs: [],
    });
    expect(socketsInDir(dir.path, 2)).toMatchObject({ sockets: [dir.join('a.sock'), dir.join('b.sock')], more: 1 });
  });

  it('reads no more than maxEntries names of a huge directory', () => {
    const r = socketsInDir(dir.path, 10, 5);
    expect(isProbeError(r)).toBe(false);
    expect(r).toMatchObject({ truncated: true });
  });

  it('a missing directory is a probe error, not a throw', () => {
    expect(socketsInDir(dir.join('nope'))).toMatchObject({ error: 'missing' });
  });
});
