/**
 * Debian's stock layout (fixtures/debian-tree, parsed from disk as apache2
 * reads it): the route of a request on the default site never throws and
 * lands in the default site's DocumentRoot.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeVhost, listVhosts, LiveFileSource, parseConfig } from '../../src/apache/index.js';
import { routeApache } from '../../src/routing/apache/index.js';
import { parseRouteUrl } from '../../src/routing/url.js';
import { extractSetups } from '../../src/setups/index.js';
import { fixtureSystem } from '../../src/system/fixture.js';

const ROOT = path.resolve(__dirname, '../../fixtures/debian-tree');

describe('Debian stock tree', () => {
  it('routes / on the default site', () => {
    const p = parseConfig({
      rootFile: path.join(ROOT, 'apache2.conf'),
      serverRoot: ROOT,
      source: new LiveFileSource(),
      env: {},
    });
    const model = {
      tree: p.directives,
      serverRoot: p.serverRoot,
      modulesLoaded: p.modules,
      vhosts: listVhosts(p.directives).map((v) => describeVhost(v, p.serverRoot)),
      setups: extractSetups(p.directives, p.serverRoot, p.modules),
    };
    const req = parseRouteUrl('http://localhost/index.html');
    if ('error' in req) throw new Error(req.error);
    const fs = fixtureSystem({ files: { '/var/www/html/index.html': 'x', '/var/www/html/info.php': '<?php' } }).fs;
    const r = routeApache(model, req, { fs });
    expect(r).toMatchObject({ outcome: 'static', file: '/var/www/html/index.html', uncertain: [] });
    const php = parseRouteUrl('http://localhost/info.php');
    if ('error' in php) throw new Error(php.error);
    const r2 = routeApache(model, php, { fs });
    expect(r2.outcome).toBe('fastcgi');
    expect(r2.backend?.target).toBe('unix:/run/php/php8.2-fpm.sock');
  });
});
