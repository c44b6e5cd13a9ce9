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
