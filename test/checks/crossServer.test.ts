import { describe, expect, it } from 'vitest';
import { withoutPoolsUsedElsewhere } from '../../src/checks/crossServer.js';
import type { Finding } from '../../src/findings/finding.js';
import type { FastcgiSetup } from '../../src/setups/index.js';

const unused = (listen: string): Finding => ({
  id: 'fpm-pool-unused',
  severity: 'info',
  title: 'unused',
  message: `PHP-FPM pool [www] (/etc/php/8.2/fpm/pool.d/www.conf:36: listen = ${listen}) is not the backend of any FastCGI setup in this Apache configuration`,
  evidence: [],
});
const nginxSetup = (path: string) => ({ endpoint: { kind: 'unix', path } }) as unknown as FastcgiSetup;

describe('a machine with both web servers', () => {
  it("drops fpm-pool-unused for a pool the other server's setups connect to", () => {
    const f = [unused('/run/php/php8.2-fpm.sock')];
    expect(withoutPoolsUsedElsewhere(f, [nginxSetup('/run/php/php8.2-fpm.sock')])).toEqual([]);
  });
  it('keeps it when no other setup reaches the pool', () => {
    const f = [unused('/run/php/php8.2-fpm.sock')];
    expect(withoutPoolsUsedElsewhere(f, [nginxSetup('/run/php/php8.1-fpm.sock')])).toEqual(f);
    expect(withoutPoolsUsedElsewhere(f, [])).toEqual(f);
  });
});
