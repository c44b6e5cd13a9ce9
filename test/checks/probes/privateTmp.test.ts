import { describe, expect, it } from 'vitest';
import { apacheProcesses, ids, PIDFILE, probe } from './helpers.js';
import type { FixtureFile } from '../../../src/system/fixture.js';

/** One socket under /tmp named by two vhosts: one cause, two config lines. */
const TWO_LINES = `<VirtualHost *:80>
ServerName a.example
ProxyPass /a/ unix:/tmp/app.sock|fcgi://localhost/
</VirtualHost>
<VirtualHost *:80>
ServerName b.example
ProxyPass /b/ unix:/tmp/app.sock|fcgi://localhost/
</VirtualHost>`;

const SOCKET: FixtureFile = { type: 'socket', mode: 0o666 };
/** systemd booted (sd_booted: /run/systemd/system exists). */
const SYSTEMD = { '/run/systemd/system/multi-user.target.wants/ssh.service': '' };
const UNIT = (value: string) => ({
  '/lib/systemd/system/apache2.service': `[Service]\nType=forking\nPrivateTmp=${value}\n`,
});
const NOT_ROOT = { viewer: { uid: 1000 } };

const mine = (r: Awaited<ReturnType<typeof probe>>) => r.findings.filter((f) => f.id === 'socket-in-private-tmp');

describe('socket-in-private-tmp answered on the live machine', () => {
  it("the unit sets PrivateTmp=true: one error for the socket, the unit's line and both config lines", async () => {
    const r = await probe(TWO_LINES, {
      files: { ...SYSTEMD, ...UNIT('true'), '/tmp/app.sock': SOCKET },
      ...NOT_ROOT,
    });
    const list = mine(r);
    expect(list).toHaveLength(1);
    const f = list[0]!;
    expect(f.severity).toBe('error');
    expect(f.message).toContain(
      "Apache's unit sets PrivateTmp=true (/lib/systemd/system/apache2.service:3): Apache sees its own /tmp, where /tmp/app.sock",
    );
    expect(f.evidence.filter((e) => e.kind === 'config').map((e) => e.text)).toEqual([
      expect.stringContaining('ProxyPass /a/'),
      expect.stringContaining('ProxyPass /b/'),
    ]);
    expect(r.answered).toContain('socket-in-private-tmp');
  });

  it('PrivateTmp=false, or not set: Apache sees /tmp as you do, no finding', async () => {
    for (const files of [UNIT('false'), { '/lib/systemd/system/apache2.service': '[Service]\nType=forking\n' }]) {
      const r = await probe(TWO_LINES, { files: { ...SYSTEMD, ...files, '/tmp/app.sock': SOCKET }, ...NOT_ROOT });
      expect(ids(r)).not.toContain('socket-in-private-tmp');
    }
  });

  it('no systemd running: no unit applies, no finding', async () => {
    const r = await probe(TWO_LINES, { files: { ...UNIT('true'), '/tmp/app.sock': SOCKET }, ...NOT_ROOT });
    expect(ids(r)).not.toContain('socket-in-private-tmp');
  });

  it("as root: the running Apache's namespace decides, whatever the unit says", async () => {
    // Apache started by hand beside the unit: it shares our /tmp whatever the unit says.
    const sees = await probe(TWO_LINES, { files: { ...SYSTEMD, ...UNIT('true'), '/tmp/app.sock': SOCKET } });
    expect(ids(sees)).not.toContain('socket-in-private-tmp');
    // Apache in a private /tmp with no unit we could read (a unit elsewhere, a container's init).
    const blind = await probe(TWO_LINES, {
      apacheRunning: false,
      files: { ...SYSTEMD, [PIDFILE]: '100\n', '/tmp/app.sock': SOCKET },
      processes: apacheProcesses().map((p) => ({ ...p, privateTmp: true })),
    });
    const f = mine(blind);
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('error');
    expect(f[0]!.message).toContain('/proc/100/root/tmp/app.sock does not exist');
    expect(f[0]!.message).toContain('although "ls" shows it to you');
  });

  it('as root, the socket missing for Apache and for us alike, no unit: socket-missing says it, not this', async () => {
    const r = await probe(TWO_LINES, { files: { ...SYSTEMD } });
    expect(ids(r)).not.toContain('socket-in-private-tmp');
  });

  it("unknown (no unit found, not root): today's warning, saying what could not be read", async () => {
    const r = await probe(TWO_LINES, { files: { ...SYSTEMD, '/tmp/app.sock': SOCKET }, ...NOT_ROOT });
    const f = mine(r);
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('warning');
    expect(f[0]!.message).toContain(
      'no systemd unit for Apache was found (looked at /etc/systemd/system/apache2.service',
    );
    expect(f[0]!.message).toContain('needs root');
  });

  it('a socket Apache makes itself (FastCgiServer) or one under /run: nothing to answer', async () => {
    const r = await probe('ProxyPass /a/ unix:/run/app.sock|fcgi://localhost/', {
      files: { ...SYSTEMD, ...UNIT('true'), '/run/app.sock': SOCKET },
      ...NOT_ROOT,
    });
    expect(ids(r)).not.toContain('socket-in-private-tmp');
  });
});
