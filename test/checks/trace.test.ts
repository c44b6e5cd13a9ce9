/**
 * runTrace hands the routing model what only the live machine knows: the
 * running master's environment (PATH, from /proc/PID/environ, readable by
 * root) and what Apache calls itself once the loaded modules are known.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTrace } from '../../src/checks/trace.js';
import { parseRouteUrl } from '../../src/routing/url.js';
import { liveFileSystem } from '../../src/system/fileSystem.js';
import { fixtureSystem } from '../../src/system/fixture.js';
import type { RouteRequest } from '../../src/routing/types.js';
import { makeTempDir, type TempDir } from '../client/support.js';

let tmp: TempDir | undefined;
afterEach(() => {
  tmp?.remove();
  tmp = undefined;
});

function site(): { root: string; request: RouteRequest } {
  tmp = makeTempDir('trace-env');
  const docroot = join(tmp.path, 'htdocs');
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'index.php'), '<?php\n');
  writeFileSync(join(tmp.path, 'apache2.pid'), '4242\n');
  const root = join(tmp.path, 'httpd.conf');
  writeFileSync(
    root,
    [
      'LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so',
      'LoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so',
      'LoadModule fcgid_module /nonexistent/mod_fcgid.so',
      'ServerName localhost',
      'Listen 80',
      `PidFile ${join(tmp.path, 'apache2.pid')}`,
      `DocumentRoot ${docroot}`,
      `<Directory ${docroot}>`,
      '  Require all granted',
      '</Directory>',
      '<FilesMatch "\\.php$">',
      '  SetHandler "proxy:unix:/run/php/php-fpm.sock|fcgi://localhost"',
      '</FilesMatch>',
      '',
    ].join('\n'),
  );
  const request = parseRouteUrl('http://localhost/index.php');
  if ('error' in request) throw new Error(request.error);
  return { root, request };
}

const base = {
  env: {},
  offline: true,
  timeoutMs: 1000,
  system: { fs: liveFileSystem(), users: fixtureSystem({}).users },
};

describe('runTrace: what the live machine tells the route', () => {
  it("the running master's environment gives PATH; the modules decide SERVER_SOFTWARE", async () => {
    const { root, request } = site();
    const system = fixtureSystem({
      processes: [
        {
          pid: 4242,
          comm: 'apache2',
          cmdline: ['/usr/sbin/apache2', '-k', 'start'],
          environ: { PATH: '/opt/bin:/usr/bin', LANG: 'C' },
        },
      ],
    });
    const seen: string[][] = [];
    const r = await runTrace(request, {
      ...base,
      root,
      processes: system.processes,
      serverSoftwareOf: (modules) => {
        seen.push(modules.map((m) => m.id));
        return { serverSoftware: 'Apache/2.4.99 (Test)', serverComponents: ['mod_fcgid/2.3.9'] };
      },
    });
    if (!r.ok) throw new Error(r.why);
    expect(seen[0]).toContain('fcgid_module');
    expect(r.route.backend?.params.PATH).toBe('/opt/bin:/usr/bin');
    expect(r.route.backend?.params.SERVER_SOFTWARE).toBe('Apache/2.4.99 (Test) mod_fcgid/2.3.9');
  });

  it('without root (environ denied) PATH stays uncertain, never guessed', async () => {
    const { root, request } = site();
    const system = fixtureSystem({
      processes: [{ pid: 4242, comm: 'apache2', cmdline: ['/usr/sbin/apache2'], environ: 'hidden' }],
    });
    const r = await runTrace(request, { ...base, root, processes: system.processes });
    if (!r.ok) throw new Error(r.why);
    expect(r.route.backend?.params.PATH).toBeUndefined();
    expect(r.route.uncertain.some((u) => u.startsWith('PATH'))).toBe(true);
  });
});
