import { describe, expect, it } from 'vitest';
import { fpmConfigCheck } from '../../../src/checks/probes/fpmConfig.js';
import { probe, probeText } from './helpers.js';

const VALID_POOL =
  '[www]\nuser = www-data\ngroup = www-data\nlisten = /run/php/php8.3-fpm.sock\npm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n';

describe('fpm-config-error from the pool files (fpmConfigCheck)', () => {
  it('one finding per error php-fpm -t would report, at the pool file line', async () => {
    const r = await probe(
      '',
      {
        files: {
          '/etc/php/8.3/fpm/php-fpm.conf': '[global]\ninclude=/etc/php/8.3/fpm/pool.d/*.conf\n',
          '/etc/php/8.3/fpm/pool.d/www.conf': `${VALID_POOL}pm.max_childs = 9\n`,
        },
      },
      { checks: [fpmConfigCheck] },
    );
    expect(r.findings.map((f) => [f.id, f.location?.file, f.location?.line])).toEqual([
      ['fpm-config-error', '/etc/php/8.3/fpm/pool.d/www.conf', 10],
    ]);
    expect(r.findings[0]?.message).toContain(
      "PHP-FPM 8.3 would refuse /etc/php/8.3/fpm/php-fpm.conf: unknown entry 'pm.max_childs'",
    );
    expect(probeText(r.findings[0] as never)).toContain('debian /etc/php/8.3/fpm/php-fpm.conf');
  });

  it('a valid pool beside a broken one of another PHP version: only the broken one', async () => {
    const r = await probe(
      '',
      {
        files: {
          '/etc/php/8.3/fpm/php-fpm.conf': `[global]\n${VALID_POOL}`,
          '/etc/php/7.4/fpm/php-fpm.conf':
            '[global]\n[old]\nuser = www-data\nlisten = /run/php/php7.4-fpm.sock\npm = static\npm.max_children = 0\n',
        },
      },
      { checks: [fpmConfigCheck] },
    );
    expect(r.findings.map((f) => `${f.location?.file}:${f.location?.line}`)).toEqual([
      '/etc/php/7.4/fpm/php-fpm.conf:6',
    ]);
  });

  it('a pool file the doctor may not read is a notice naming the user, not a finding', async () => {
    const r = await probe(
      '',
      {
        files: {
          '/etc/php/8.3/fpm/php-fpm.conf': '[global]\ninclude=/etc/php/8.3/fpm/pool.d/*.conf\n',
          '/etc/php/8.3/fpm/pool.d/www.conf': { content: VALID_POOL, denied: true },
        },
      },
      { checks: [fpmConfigCheck] },
    );
    expect(r.findings).toEqual([]);
    expect(r.notices.join('\n')).toMatch(
      /\/etc\/php\/8\.3\/fpm\/pool\.d\/www\.conf is not visible to user \S+; run with sudo/,
    );
  });

  it('nothing when the machine has no PHP-FPM', async () => {
    const r = await probe('', {}, { checks: [fpmConfigCheck] });
    expect(r.findings).toEqual([]);
  });
});
