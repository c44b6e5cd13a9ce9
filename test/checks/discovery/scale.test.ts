/** Discovery on a server of 5,000 vhosts: the overall limits hold and the cost stays near the model's. */
import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../../src/apache/source.js';
import { discoverScripts } from '../../../src/checks/discovery/discover.js';
import { fixtureSystem } from '../../../src/system/fixture.js';
import { config, ROOT } from '../probes/helpers.js';
import { analyzeStrict } from '../strict.js';

describe('discovery at scale', () => {
  it('5,000 vhosts with 20 scripts each: bounded, and fast', () => {
    const vhosts: string[] = [];
    const files: Record<string, string> = {};
    for (let n = 0; n < 5000; n++) {
      vhosts.push(`<VirtualHost *:80>\nServerName s${n}.example.org\nDocumentRoot /srv/s${n}\n</VirtualHost>`);
      if (n < 200) for (let i = 0; i < 20; i++) files[`/srv/s${n}/d${i % 4}/f${i}.php`] = '';
    }
    const php = `<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"\n</FilesMatch>`;
    const { model } = analyzeStrict({
      root: ROOT,
      serverRoot: '/srv',
      source: new MemoryFileSource({ [ROOT]: config(`${php}\n${vhosts.join('\n')}`) }),
      env: {},
    });
    const system = fixtureSystem({ files });
    const t0 = performance.now();
    const d = discoverScripts(model, system, { limits: { entriesTotal: 500 } });
    const ms = performance.now() - t0;
    expect(d.notices.join('\n')).toContain('stopped at its overall limit');
    expect(d.scripts.length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(5000);
  }, 120_000);
});
