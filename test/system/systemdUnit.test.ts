import { describe, expect, it } from 'vitest';
import { fixtureSystem } from '../../src/system/fixture.js';
import { apachePrivateTmp, assignmentsIn, readUnitSetting, unitBoolean } from '../../src/system/systemdUnit.js';

const DEBIAN_UNIT = `[Unit]
Description=The Apache HTTP Server

[Service]
Type=forking
Environment=APACHE_STARTED_BY_SYSTEMD=true
ExecStart=/usr/sbin/apachectl start
PrivateTmp=true
Restart=on-abort

[Install]
WantedBy=multi-user.target
`;

const fs = (files: Record<string, string | { type: 'symlink'; target: string }>) => fixtureSystem({ files }).fs;

describe('PrivateTmp= of Apache unit, read from the unit files as systemd loads them', () => {
  it("Debian's packaged apache2.service: true, at its line", () => {
    const a = apachePrivateTmp(fs({ '/lib/systemd/system/apache2.service': DEBIAN_UNIT }));
    expect(a.privateTmp).toBe(true);
    expect(a.setting?.at).toEqual({ value: 'true', file: '/lib/systemd/system/apache2.service', line: 8 });
  });

  it('/etc/systemd/system overrides /usr/lib/systemd/system (RHEL httpd.service)', () => {
    const a = apachePrivateTmp(
      fs({
        '/usr/lib/systemd/system/httpd.service': '[Service]\nPrivateTmp=true\n',
        '/etc/systemd/system/httpd.service': '[Service]\nExecStart=/usr/sbin/httpd\n',
      }),
    );
    expect(a.setting?.unitFile).toBe('/etc/systemd/system/httpd.service');
    expect(a.privateTmp).toBe(false);
    expect(a.setting?.at).toBeUndefined();
  });

  it('a drop-in turns it off; the last drop-in in name order wins, whatever its directory', () => {
    const files = {
      '/lib/systemd/system/apache2.service': DEBIAN_UNIT,
      '/etc/systemd/system/apache2.service.d/10-shared-tmp.conf': '[Service]\nPrivateTmp=no\n',
    };
    expect(apachePrivateTmp(fs(files)).privateTmp).toBe(false);
    const again = apachePrivateTmp(
      fs({
        ...files,
        '/usr/lib/systemd/system/apache2.service.d/20-private.conf': '# back on\n[Service]\nPrivateTmp=yes\n',
      }),
    );
    expect(again.privateTmp).toBe(true);
    expect(again.setting?.at).toMatchObject({
      file: '/usr/lib/systemd/system/apache2.service.d/20-private.conf',
      line: 3,
    });
  });

  it('a drop-in in /etc hides the one of the same name lower down; an empty assignment resets to the default', () => {
    const a = apachePrivateTmp(
      fs({
        '/lib/systemd/system/apache2.service': DEBIAN_UNIT,
        '/lib/systemd/system/apache2.service.d/override.conf': '[Service]\nPrivateTmp=true\n',
        '/etc/systemd/system/apache2.service.d/override.conf': '[Service]\nPrivateTmp=\n',
      }),
    );
    expect(a.privateTmp).toBe(false);
    expect(a.setting?.filesRead).toEqual([
      '/lib/systemd/system/apache2.service',
      '/etc/systemd/system/apache2.service.d/override.conf',
    ]);
  });

  it('a masked unit, or none at all: unknown, with the places looked at', () => {
    const masked = apachePrivateTmp(
      fs({
        '/etc/systemd/system/apache2.service': { type: 'symlink', target: '/dev/null' },
        '/lib/systemd/system/apache2.service': DEBIAN_UNIT,
      }),
    );
    expect(masked.privateTmp).toBeUndefined();
    expect(masked.looked[0]).toContain('masked');
    const none = apachePrivateTmp(fs({}));
    expect(none.privateTmp).toBeUndefined();
    expect(none.looked).toContain('/lib/systemd/system/httpd.service');
  });

  it('only [Service] counts; comments, continuation lines and booleans as systemd reads them', () => {
    const text = '[Unit]\nPrivateTmp=true\n[Service]\n; PrivateTmp=true\nEnvironment=A=1 \\\n  B=2\nPrivateTmp = off\n';
    expect(assignmentsIn(text, 'u', 'Service', 'PrivateTmp')).toEqual([{ value: 'off', file: 'u', line: 7 }]);
    expect(unitBoolean('on')).toBe(true);
    expect(unitBoolean('0')).toBe(false);
    expect(unitBoolean('maybe')).toBeUndefined();
    const s = readUnitSetting(fs({ '/run/systemd/system/x.service': text }), 'x.service', 'Service', 'PrivateTmp');
    expect(s).toMatchObject({ found: true, at: { value: 'off', line: 7 } });
  });
});
