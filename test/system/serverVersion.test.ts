import { chmodSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apacheServerVersion, parseServerVersion } from '../../src/system/serverVersion.js';
import { makeTempDir } from '../client/support.js';

describe("the installed Apache's version, for SERVER_SOFTWARE", () => {
  it('reads the "Server version" line', () => {
    expect(parseServerVersion('Server version: Apache/2.4.62 (Debian)\nServer built:   2024-10-04T15:21:08\n')).toBe(
      'Apache/2.4.62 (Debian)',
    );
    expect(parseServerVersion('Server version: Apache/2.4.37 (Red Hat Enterprise Linux)\r\n')).toBe(
      'Apache/2.4.37 (Red Hat Enterprise Linux)',
    );
    expect(parseServerVersion('no version here')).toBeUndefined();
    expect(parseServerVersion('Server version: \u001b]0;x\u0007')).toBeUndefined();
  });

  it('unknown when no binary exists, or it hangs past the timer', () => {
    expect(apacheServerVersion({ binaries: ['/nonexistent/apache2'] })).toBeUndefined();
    const dir = makeTempDir('server-version');
    try {
      const slow = dir.join('apache2');
      writeFileSync(slow, '#!/bin/sh\nexec sleep 5\necho "Server version: Apache/9"\n');
      chmodSync(slow, 0o755);
      const started = Date.now();
      expect(apacheServerVersion({ binaries: [slow], timeoutMs: 200 })).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(3000);
      const fine = dir.join('httpd');
      writeFileSync(fine, '#!/bin/sh\necho "Server version: Apache/2.4.99 (Test)"\n');
      chmodSync(fine, 0o755);
      expect(apacheServerVersion({ binaries: [fine] })).toBe('Apache/2.4.99 (Test)');
    } finally {
      dir.remove();
    }
  });
});

describe('moduleVersionComponents: what loaded modules add to the banner', () => {
  it("reads mod_fcgid's component from its shared object (a whole C string), in load order", async () => {
    const { moduleVersionComponents } = await import('../../src/system/serverVersion.js');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'fcgi-doctor-so-'));
    try {
      const so = join(dir, 'mod_fcgid.so');
      writeFileSync(
        so,
        Buffer.concat([Buffer.from('\x7fELF junk mod_fcgid/ no\0'), Buffer.from('\0mod_fcgid/2.3.9\0tail')]),
      );
      expect(
        moduleVersionComponents([
          { id: 'rewrite_module', path: join(dir, 'none.so') },
          { id: 'fcgid_module', path: so },
        ]),
      ).toEqual(['mod_fcgid/2.3.9']);
      expect(moduleVersionComponents([{ id: 'rewrite_module', path: join(dir, 'none.so') }])).toEqual([]);
      // unreadable, or a module whose component is decided at run time: unknown, not guessed
      expect(moduleVersionComponents([{ id: 'fcgid_module', path: join(dir, 'missing.so') }])).toBeUndefined();
      expect(moduleVersionComponents([{ id: 'ssl_module', path: join(dir, 'mod_ssl.so') }])).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("nginx's version, for $nginx_version", () => {
  it('reads "nginx version: nginx/1.22.1" (nginx -v writes it on stderr)', async () => {
    const { parseNginxVersion } = await import('../../src/system/serverVersion.js');
    expect(parseNginxVersion('nginx version: nginx/1.22.1\n')).toBe('1.22.1');
    expect(parseNginxVersion('nginx version: openresty/1.21.4.3\n')).toBe('1.21.4');
    expect(parseNginxVersion('nginx: [emerg] something\n')).toBeUndefined();
  });

  it('unknown when no binary exists, it hangs past the timer, or it floods; the version from stderr', async () => {
    const { nginxServerVersion } = await import('../../src/system/serverVersion.js');
    expect(nginxServerVersion({ binaries: ['/nonexistent/nginx'] })).toBeUndefined();
    const dir = makeTempDir('nginx-version');
    try {
      const slow = dir.join('nginx-slow');
      writeFileSync(slow, '#!/bin/sh\nexec sleep 5\n');
      chmodSync(slow, 0o755);
      const started = Date.now();
      expect(nginxServerVersion({ binaries: [slow], timeoutMs: 200 })).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(3000);
      const flood = dir.join('nginx-flood');
      writeFileSync(flood, '#!/bin/sh\nexec yes "nginx version: nginx/9.9.9" >&2\n');
      chmodSync(flood, 0o755);
      expect(nginxServerVersion({ binaries: [flood], timeoutMs: 2000 })).toBeUndefined();
      const fine = dir.join('nginx');
      writeFileSync(fine, '#!/bin/sh\necho "nginx version: nginx/1.24.0" >&2\n');
      chmodSync(fine, 0o755);
      expect(nginxServerVersion({ binaries: [fine] })).toBe('1.24.0');
    } finally {
      dir.remove();
    }
  });
});
