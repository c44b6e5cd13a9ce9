/**
 * The live checks over the frameworks' documented configurations (the routing
 * corpus, held to a real nginx by the differential test): with their files in
 * place and Debian's packaged PHP-FPM pool behind them, `check` finds no error
 * and no warning — the pool-side checks (script-unreadable, limit_extensions,
 * chroot, container), fix-pathinfo, SCRIPT_FILENAME and the socket as nginx's
 * user all stay quiet where nothing is wrong. Info notes are allowed.
 */
import { describe, expect, it } from 'vitest';
import { analyzeNginxForCheck } from '../../../src/checks/nginx/index.js';
import { runProbes } from '../../../src/checks/probes/index.js';
import { fixtureSystem } from '../../../src/system/fixture.js';
import { DEBIAN_POOL, FPM_PROCESSES, fpmSocket } from '../probes/helpers.js';
import { corpusCase, debianNginxSource, NGINX_PROCESSES } from './helpers.js';

const DOCROOT = '/srv/www';
const SOCK = '/run/php/php8.2-fpm.sock';
const POOL_FILE = '/etc/php/8.2/fpm/pool.d/www.conf';

async function liveFindings(name: string) {
  const c = corpusCase(name, DOCROOT);
  const tcp = c.apps?.includes('tcp') ?? false;
  const config = c.config;
  const source = debianNginxSource({ '/etc/nginx/nginx.conf': `user www-data;\nevents {}\nhttp {\n${config}\n}\n` });
  const analysis = analyzeNginxForCheck({ root: '/etc/nginx/nginx.conf', source });
  if (!analysis) throw new Error('no nginx configuration');
  const docroot = Object.fromEntries(Object.entries(c.docroot ?? {}).map(([f, text]) => [`${DOCROOT}/${f}`, text]));
  const pool = tcp
    ? { [POOL_FILE]: DEBIAN_POOL[POOL_FILE]!.replace(`listen = ${SOCK}`, 'listen = 127.0.0.1:9000') }
    : {};
  const system = fixtureSystem({
    files: { ...DEBIAN_POOL, ...fpmSocket(), ...pool, ...docroot },
    processes: [...NGINX_PROCESSES, ...FPM_PROCESSES],
    unixListeners: [{ path: SOCK, inode: 500 }],
    tcpListeners: [{ address: '127.0.0.1', port: 9000, inode: 500, family: 4 }],
  });
  const r = await runProbes(analysis.model, system, { now: 1_800_000_000_000, configFindings: analysis.findings });
  expect(r.internalErrors).toEqual([]);
  // The scripts of the site were really found and traced to the pool: the checks had something to look at.
  expect(r.discovery?.scripts.some((d) => d.route?.outcome === 'fastcgi')).toBe(true);
  return r.findings;
}

describe("the frameworks' documented configurations, live: no error, no warning", () => {
  it.each(['debian-default-php-snippet', 'wordpress-docs', 'laravel-docs', 'symfony-docs', 'nextcloud-docs'])(
    '%s',
    async (name) => {
      const findings = await liveFindings(name);
      expect(findings.filter((f) => f.severity !== 'info').map((f) => `${f.id}: ${f.message}`)).toEqual([]);
    },
  );

  it("WordPress's recipe (no try_files in its PHP location) gets the info note fix-pathinfo-guarded, not fix-pathinfo-exec", async () => {
    const ids = (await liveFindings('wordpress-docs')).map((f) => `${f.id}/${f.severity}`);
    expect(ids).toContain('fix-pathinfo-guarded/info');
    expect(ids).not.toContain('fix-pathinfo-exec/error');
  });
});
