import { describeVhost, listVhosts, MemoryFileSource, parseConfig } from '../../src/apache/index.js';
import { routeApache } from '../../src/routing/apache/index.js';
import type { ApacheRoutingModel } from '../../src/routing/apache/model.js';
import type { Route } from '../../src/routing/types.js';
import { parseRouteUrl } from '../../src/routing/url.js';
import { extractSetups } from '../../src/setups/index.js';
import { fixtureSystem, type FixtureFile } from '../../src/system/fixture.js';

const MODS = [
  'mime',
  'alias',
  'dir',
  'rewrite',
  'proxy',
  'proxy_fcgi',
  'fcgid',
  'actions',
  'authz_core',
  'autoindex',
  'access_compat',
  'fastcgi',
];

export function loadLines(mods: readonly string[] = MODS): string {
  return mods.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so\n`).join('');
}

export function modelOf(
  conf: string,
  extra: Record<string, string> = {},
  mods?: readonly string[],
): ApacheRoutingModel {
  const p = parseConfig({
    rootFile: '/etc/apache2/apache2.conf',
    serverRoot: '/etc/apache2',
    source: new MemoryFileSource({ '/etc/apache2/apache2.conf': loadLines(mods) + conf, ...extra }),
    env: {},
  });
  return {
    tree: p.directives,
    serverRoot: p.serverRoot,
    modulesLoaded: p.modules,
    vhosts: listVhosts(p.directives).map((v) => describeVhost(v, p.serverRoot)),
    setups: extractSetups(p.directives, p.serverRoot, p.modules),
  };
}

export function trace(
  model: ApacheRoutingModel,
  files: Record<string, FixtureFile | string>,
  url: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Route {
  const req = parseRouteUrl(url, opts);
  if ('error' in req) throw new Error(req.error);
  return routeApache(model, req, { fs: fixtureSystem({ files }).fs });
}
