/**
 * A bug of the routing model must never look like a clean bill of health:
 * the scripts found are still probed (untraced), and the crash is an internal
 * error of the live step (check ends in exit 2).
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../../src/routing/apache/route.js', () => ({
  route: () => {
    throw new Error('model bug for the test');
  },
}));

const { runProbes } = await import('../../../src/checks/probes/index.js');
const { MemoryFileSource } = await import('../../../src/apache/source.js');
const { fixtureSystem } = await import('../../../src/system/fixture.js');
const { analyzeStrict } = await import('../strict.js');
const { apacheProcesses, config, DEBIAN_POOL, FPM_PROCESSES, fpmSocket, PIDFILE, ROOT } = await import(
  '../probes/helpers.js'
);

describe('the routing model throws while check traces the scripts', () => {
  it('is an internal error of the probes, with the scripts still found', async () => {
    const conf = `<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"\n</FilesMatch>\n<VirtualHost *:80>\n  ServerName blog.example.org\n  DocumentRoot /srv/blog\n</VirtualHost>`;
    const { model, findings } = analyzeStrict({
      root: ROOT,
      serverRoot: '/srv',
      source: new MemoryFileSource({ [ROOT]: config(conf) }),
      env: {},
    });
    const system = fixtureSystem({
      files: { [PIDFILE]: '100\n', ...DEBIAN_POOL, ...fpmSocket(), '/srv/blog/index.php': '<?php' },
      processes: [...apacheProcesses(), ...FPM_PROCESSES],
      unixListeners: [{ path: '/run/php/php8.2-fpm.sock', inode: 500 }],
    });
    const r = await runProbes(model, system, { configFindings: findings });
    expect(r.internalErrors.map((e) => e.message).join('\n')).toContain('model bug for the test');
    expect(r.discovery?.scripts.map((s) => s.file)).toContain('/srv/blog/index.php');
    expect(JSON.parse(JSON.stringify(r.discovery))).toEqual(r.discovery);
  });
});
