/**
 * Issue 12 item 19, check's side: the live connector reaches a Unix socket
 * whose path is longer than the 107 bytes Node passes on whole (through its
 * opened directory), instead of connecting to the cut name.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSystem, SUN_PATH_MAX } from '../../src/system/index.js';
import { makeTempDir, type TempDir } from '../client/support.js';

describe('liveConnector on socket paths longer than sun_path', () => {
  let dir: TempDir;
  let deep: string;
  let server: net.Server;
  const connector = liveSystem().connector;
  const openFds = () => readdirSync('/proc/self/fd').length;

  beforeAll(async () => {
    dir = makeTempDir('connect-long');
    deep = dir.join('d'.repeat(60), 'e'.repeat(40));
    mkdirSync(deep, { recursive: true });
    expect(Buffer.byteLength(`${deep}/live.sock`)).toBeGreaterThan(SUN_PATH_MAX);
    // Bound through its directory (bind has the same limit): the socket really is at the long path.
    const fd = openSync(deep, 'r');
    server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(`/proc/self/fd/${fd}/live.sock`, resolve));
    closeSync(fd);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    dir.remove();
  });

  it('connects to a listening socket at the long path, and keeps no descriptor open', async () => {
    expect(statSync(`${deep}/live.sock`).isSocket()).toBe(true);
    const before = openFds();
    expect(await connector.connectUnix(`${deep}/live.sock`, 2_000)).toMatchObject({ ok: true });
    expect(openFds()).toBe(before);
  });

  it('a dead socket at the long path is refused, even when the cut name is a live socket', async () => {
    const p = `${deep}/dead.sock`;
    const bind = `const fd = require('fs').openSync(${JSON.stringify(deep)}, 'r'); require('net').createServer().listen('/proc/self/fd/' + fd + '/dead.sock', () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', bind]);
    expect(statSync(p).isSocket()).toBe(true);
    // What Node alone would have connected to: the path cut to 107 bytes, here a listening socket.
    const cut = Buffer.from(p).subarray(0, SUN_PATH_MAX).toString();
    const decoy = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => decoy.listen(cut, resolve));
    try {
      expect(await connector.connectUnix(p, 2_000)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    } finally {
      await new Promise<void>((resolve) => decoy.close(() => resolve()));
    }
  });

  it('a missing socket at the long path is ENOENT; a missing directory too; a name too long even through its directory, ENAMETOOLONG', async () => {
    expect(await connector.connectUnix(`${deep}/none.sock`, 2_000)).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(await connector.connectUnix(`${deep}/nodir/x.sock`, 2_000)).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(await connector.connectUnix(`${deep}/${'n'.repeat(100)}.sock`, 2_000)).toMatchObject({
      ok: false,
      code: 'ENAMETOOLONG',
    });
  });
});
