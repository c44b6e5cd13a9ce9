import { describe, expect, it } from 'vitest';
import { timeoutsInvertedCheck } from '../../../src/checks/probes/timeoutsInverted.js';
import { DEBIAN_POOL, probe, probeText } from './helpers.js';

const SOCK = '/run/php/php8.2-fpm.sock';
const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';
const HANDLER = `<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${SOCK}|fcgi://localhost"\n</FilesMatch>`;

/** The Debian pool with `extra` lines from line 12 on. */
const pool = (extra: string) => ({ ...DEBIAN_POOL, [POOL_FILE]: `${DEBIAN_POOL[POOL_FILE]}${extra}` });
const run = (conf: string, extra: string) =>
  probe(conf, { files: pool(extra) }, { checks: [timeoutsInvertedCheck], discovery: false });

describe('timeouts-inverted (timeoutsInvertedCheck)', () => {
  it('request_terminate_timeout 600s behind ProxyTimeout 60: Apache answers 504 first; at the pool line, with ProxyTimeout', async () => {
    const r = await run(`ProxyTimeout 60\n${HANDLER}`, 'request_terminate_timeout = 10m\n');
    expect(r.findings.map((f) => [f.id, f.location?.file, f.location?.line])).toEqual([
      ['timeouts-inverted', POOL_FILE, 12],
    ]);
    const f = r.findings[0];
    expect(f?.message).toContain('lets a script run 600 s (request_terminate_timeout)');
    expect(f?.message).toContain('504 Gateway Timeout');
    expect(probeText(f as never)).toMatch(/httpd\.conf:\d+: ProxyTimeout 60 → 60 s/);
    expect(f?.fix).toContain('ProxyTimeout 630');
  });

  it("a pool's php_admin_value[max_execution_time] above the worker's timeout=", async () => {
    const r = await run(
      `<Proxy "unix:${SOCK}|fcgi://localhost">\n  ProxySet timeout=20\n</Proxy>\n${HANDLER}`,
      'php_admin_value[max_execution_time] = 120\n',
    );
    expect(r.findings.map((f) => f.id)).toEqual(['timeouts-inverted']);
    expect(r.findings[0]?.message).toContain('Apache waits only 20 s');
  });

  it("request_terminate_timeout below the pool's max_execution_time: FPM kills the worker first", async () => {
    const r = await run(HANDLER, 'request_terminate_timeout = 5s\nphp_admin_value[max_execution_time] = 30\n');
    expect(r.findings.map((f) => [f.id, f.location?.line])).toEqual([['timeouts-inverted', 12]]);
    expect(r.findings[0]?.message).toContain('kills a worker after 5 s');
  });

  it('quiet: the pool sets no limit (the healthy default)', async () => {
    const r = await run(`ProxyTimeout 10\n${HANDLER}`, '');
    expect(r.findings).toEqual([]);
  });

  it('quiet: the pool limits below the web server (Timeout 300, request_terminate_timeout 120s, max_execution_time 100)', async () => {
    const r = await run(
      `Timeout 300\n${HANDLER}`,
      'request_terminate_timeout = 120s\nphp_admin_value[max_execution_time] = 100\n',
    );
    expect(r.findings).toEqual([]);
  });
});
