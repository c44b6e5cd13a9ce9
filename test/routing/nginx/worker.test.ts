/**
 * The nginx routing model through a view of the files as nginx's worker
 * (fileSystemAs www-data): each module takes nginx's path for EACCES
 * (try_files the next name, index 403, static 403, `if (-f)` false,
 * $realpath_root empty), and the route lists what was refused.
 */
import { describe, expect, it } from 'vitest';
import { MemoryNginxSource, readNginxConfig } from '../../../src/nginx/index.js';
import type { NginxConfig } from '../../../src/nginx/types.js';
import { routeNginx } from '../../../src/routing/nginx/index.js';
import type { Route } from '../../../src/routing/types.js';
import { parseRouteUrl } from '../../../src/routing/url.js';
import { type FixtureFile, fixtureSystem } from '../../../src/system/fixture.js';
import { fileSystemAs } from '../../../src/system/index.js';

const FASTCGI_CONF = 'fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n';

function configOf(server: string): NginxConfig {
  return readNginxConfig('/etc/nginx/nginx.conf', {
    source: new MemoryNginxSource({
      '/etc/nginx/nginx.conf': `events {}\nhttp {\nserver {\nlisten 80;\nroot /home/deploy/site;\n${server}\n}\n}\n`,
      '/etc/nginx/fastcgi.conf': FASTCGI_CONF,
    }),
  });
}

function files(homeMode: number): Record<string, FixtureFile | string> {
  return {
    '/home/deploy': { type: 'dir', uid: 1001, gid: 1001, mode: homeMode },
    '/home/deploy/site': { type: 'dir', uid: 1001, gid: 1001 },
    '/home/deploy/site/index.php': { uid: 1001, gid: 1001, content: '<?php' },
    '/home/deploy/site/a.txt': { uid: 1001, gid: 1001, content: 'a' },
    '/home/deploy/site/private.txt': { uid: 1001, gid: 1001, mode: 0o600, content: 'p' },
  };
}

function trace(config: NginxConfig, homeMode: number, url: string, asWorker = true): Route {
  const req = parseRouteUrl(url);
  if ('error' in req) throw new Error(req.error);
  const fs = fixtureSystem({ files: files(homeMode) }).fs;
  return routeNginx(config, req, {
    fs: asWorker ? fileSystemAs(fs, { uid: 33, gids: [33], name: 'www-data' }) : fs,
  });
}

const PHP = `index index.php index.html;
location / { try_files $uri $uri/ =404; }
location ~ \\.php$ { try_files $uri =404; include fastcgi.conf; fastcgi_pass unix:/run/php.sock; }`;

describe('routeNginx as nginx worker sees the files', () => {
  it('try_files: a directory the worker may not search makes every name fail, =404', () => {
    const r = trace(configOf(PHP), 0o750, 'http://x/index.php');
    expect(r).toMatchObject({ outcome: 'status', status: 404 });
    expect(r.refused).toEqual([
      expect.objectContaining({
        directive: 'try_files',
        path: '/home/deploy/site/index.php',
        user: 'www-data',
        refusedAt: '/home/deploy',
        missing: ['x'],
        file: '/etc/nginx/nginx.conf',
      }),
    ]);
    const texts = r.steps.map((s) => s.text).join('\n');
    expect(texts).toContain("nginx's worker (www-data) may not search /home/deploy (13: Permission denied)");
    expect(texts).toContain('try_files goes on to =404');
    expect(r.uncertain).toEqual([]);
  });
  it('the same site readable (0755), or routed as the doctor sees it: FastCGI, nothing refused', () => {
    for (const r of [
      trace(configOf(PHP), 0o755, 'http://x/index.php'),
      trace(configOf(PHP), 0o750, 'http://x/index.php', false),
    ]) {
      expect(r).toMatchObject({ outcome: 'fastcgi', file: '/home/deploy/site/index.php' });
      expect(r.refused).toBeUndefined();
    }
  });
  it('index: EACCES on the first index name is 403, the others are not tried', () => {
    const r = trace(configOf('index index.php index.html;'), 0o750, 'http://x/');
    expect(r).toMatchObject({ outcome: 'status', status: 403 });
    expect(r.refused?.[0]).toMatchObject({ directive: 'index', path: '/home/deploy/site/index.php' });
  });
  it('static: a file the worker may not search to is 403; one it may not read is 403 too', () => {
    expect(trace(configOf(''), 0o750, 'http://x/a.txt')).toMatchObject({ outcome: 'status', status: 403 });
    const r = trace(configOf(''), 0o755, 'http://x/private.txt');
    expect(r).toMatchObject({ outcome: 'status', status: 403 });
    expect(r.refused?.[0]).toMatchObject({
      directive: 'static',
      refusedAt: '/home/deploy/site/private.txt',
      missing: ['r'],
    });
    expect(trace(configOf(''), 0o755, 'http://x/a.txt')).toMatchObject({ outcome: 'static' });
  });
  it('if (!-f $request_filename): the test fails on EACCES, so the negation is true', () => {
    const conf = configOf('location / { if (!-f $request_filename) { return 418; } return 200; }');
    expect(trace(conf, 0o750, 'http://x/a.txt')).toMatchObject({ status: 418 });
    expect(trace(conf, 0o755, 'http://x/a.txt')).toMatchObject({ status: 200 });
  });
  it('$realpath_root the worker may not resolve expands to "" (realpath() failed)', () => {
    const conf = configOf(
      'location ~ \\.php$ { fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name; fastcgi_param DOCUMENT_ROOT $realpath_root; fastcgi_pass unix:/s; }',
    );
    const r = trace(conf, 0o750, 'http://x/index.php');
    expect(r.backend?.params.SCRIPT_FILENAME).toBe('/index.php');
    expect(r.refused).toHaveLength(1);
    expect(r.refused?.[0]).toMatchObject({ directive: 'realpath', path: '/home/deploy/site' });
    expect(trace(conf, 0o755, 'http://x/index.php').backend?.params.SCRIPT_FILENAME).toBe(
      '/home/deploy/site/index.php',
    );
  });
});
