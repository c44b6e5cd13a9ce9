/**
 * The scripts each nginx server really serves (the same job as
 * src/checks/discovery/discover.ts for Apache, with nginx's routing): the
 * server's `root` is walked within bounds, `.php` files are ranked (index.php
 * and shallow ones first) and traced with routeNginx; a trace ending at a
 * FastCGI backend gives the request step the exact params nginx would send.
 */
import * as path from 'node:path';
import { routeNginx } from '../../routing/nginx/index.js';
import { ownDirectives, type ServerConf } from '../../routing/nginx/config.js';
import { parseRouteUrl } from '../../routing/url.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { fsDirReader, walkFiles, type SystemProbes } from '../../system/index.js';
import type { DiscoveredScript, Discovery } from '../discovery/discover.js';
import type { Site } from '../discovery/sites.js';
import type { NginxAnalysis } from './analyze.js';
import { type NginxWorker, workerView } from './worker.js';

export const NGINX_DISCOVERY_LIMITS = {
  entriesPerServer: 2000,
  depth: 4,
  msPerServer: 2000,
  tracesPerServer: 5,
  otherExtensionsPerServer: 3,
  servers: 50,
};

/** The names PHP applications give their scripts (FPM runs .php and .phar by default). */
const PHP_LIKE = /\.(?:php\d*|phtml|phar)$/i;

function serverRoot(
  a: NginxAnalysis,
  s: ServerConf,
): { dir: string; at: { file: string; line: number; text: string } } {
  const d = s.level.body.find((x) => x.name === 'root') ?? ownDirectives(a.routing.http, 'root')[0];
  // ngx_http_core_merge_loc_conf: the default root is "html" under the prefix.
  const raw = d?.args[0] ?? 'html';
  const dir = raw.startsWith('/') ? raw : path.posix.join(a.config.prefix, raw);
  return {
    dir: dir.replace(/\/+$/, '') || '/',
    at: d
      ? { file: d.file, line: d.line, text: `root ${raw}` }
      : { file: s.at.file, line: s.at.line, text: 'root html (default)' },
  };
}

function siteOf(a: NginxAnalysis, s: ServerConf, root: Site['roots'][number]): Site {
  const listen = s.listens.find((l) => !l.unix) ?? s.listens[0];
  const ssl = listen?.ssl ?? false;
  const name = s.names.find((n) => n !== '' && n !== '_' && !n.startsWith('~') && !n.includes('*'));
  const address = listen && listen.address !== '*' ? listen.address : '127.0.0.1';
  const vhost = a.model.vhosts.find((v) => v.file === s.at.file && v.line === s.at.line);
  return {
    ...(vhost ? { vhost } : {}),
    label: `server ${name ?? '_'} (${s.at.file}:${s.at.line})`,
    scheme: ssl ? 'https' : 'http',
    host: name ?? address,
    port: listen?.port ?? 80,
    roots: [root],
    directoryIndex: (s.level.body.find((x) => x.name === 'index')?.args ?? ['index.html']).slice(0, 10),
  };
}

function endpointKey(e: FastcgiSetup['endpoint']): string | undefined {
  if (!e) return undefined;
  return e.kind === 'unix' ? `unix:${e.path}` : `${e.host}:${e.port}`;
}

/** Every server of the analysis as a site (its root, its first name and listen), for tracing a path on it. */
export function nginxSites(a: NginxAnalysis, only?: (s: ServerConf) => boolean): Site[] {
  return a.routing.servers
    .filter((s) => !only || only(s))
    .map((s) => {
      const root = serverRoot(a, s);
      return siteOf(a, s, { urlPath: '/', dir: root.dir, at: root.at });
    });
}

export function discoverNginxScripts(
  a: NginxAnalysis,
  setups: readonly FastcgiSetup[],
  system: SystemProbes,
  opts: {
    nginxVersion?: string;
    now?: () => number;
    /** nginx's worker: the routes are traced over the files as it sees them (the walk finds them as the doctor does). */
    worker?: NginxWorker;
  } = {},
): Discovery {
  const now = opts.now ?? Date.now;
  const L = NGINX_DISCOVERY_LIMITS;
  const reader = system.dirs ?? fsDirReader(system.fs);
  const asWorker = workerView(system.fs, opts.worker, system.access);
  const scripts: DiscoveredScript[] = [];
  const notices: string[] = [];
  let routingCrash: unknown;
  const inScope = new Set(setups.map((s) => s.id));
  const servers = a.routing.servers.filter((s) =>
    a.setups.some((x) => inScope.has(x.id) && x.vhost?.file === s.at.file && x.vhost.line === s.at.line),
  );
  for (const s of servers.slice(0, L.servers)) {
    const mine = setups.filter((x) => x.vhost?.file === s.at.file && x.vhost.line === s.at.line);
    const root = serverRoot(a, s);
    const site = siteOf(a, s, { urlPath: '/', dir: root.dir, at: root.at });
    const w = walkFiles(reader, root.dir, {
      maxEntries: L.entriesPerServer,
      maxDepth: L.depth,
      deadline: now() + L.msPerServer,
      now,
    });
    for (const l of w.limits)
      notices.push(`${site.label}: the search for scripts ${l.text}; files beyond were not checked.`);
    const ranked = w.files
      .filter((f) => PHP_LIKE.test(f.path))
      .sort((x, y) => {
        const ix = path.posix.basename(x.path) === 'index.php' ? 0 : 1;
        const iy = path.posix.basename(y.path) === 'index.php' ? 0 : 1;
        return ix - iy || x.depth - y.depth || (x.path < y.path ? -1 : 1);
      });
    // The .php files first; then one file of each other PHP name (.phtml, .php5, .phar): where nginx sends
    // those to a pool that runs .php only, or serves them as text, one of each shows it.
    const others = new Map<string, (typeof ranked)[number]>();
    for (const f of ranked) {
      const ext = path.posix.extname(f.path).toLowerCase();
      if (ext !== '.php' && !others.has(ext) && others.size < L.otherExtensionsPerServer) others.set(ext, f);
    }
    const php = [...ranked.filter((f) => f.path.endsWith('.php')).slice(0, L.tracesPerServer), ...others.values()];
    const trace = (urlPath: string, file: string): DiscoveredScript => {
      const dflt = site.scheme === 'https' ? 443 : 80;
      const url = `${site.scheme}://${site.host}${site.port === dflt ? '' : `:${site.port}`}${urlPath}`;
      const req = parseRouteUrl(url);
      const d: DiscoveredScript = { site, setup: mine[0] as FastcgiSetup, file, url, why: 'handler' };
      if ('error' in req) {
        d.routeError = req.error;
      } else {
        try {
          const route = routeNginx(a.config, req, {
            fs: asWorker,
            ...(opts.nginxVersion ? { nginxVersion: opts.nginxVersion } : {}),
          });
          const key = route.backend?.target ?? undefined;
          const setup = mine.find((x) => endpointKey(x.endpoint) === key) ?? mine[0];
          if (route.backend && setup) route.backend.setupId = setup.id;
          if (setup) d.setup = setup;
          d.route = route;
        } catch (e) {
          routingCrash ??= e;
          d.routeError = 'the routing model failed on it';
        }
      }
      return d;
    };
    const traced: DiscoveredScript[] = [];
    for (const f of php) {
      const urlPath = `/${path.posix.relative(root.dir, f.path).split('/').map(encodeURIComponent).join('/')}`;
      // Every representative is kept (up to tracesPerServer): the request step asks for the first one
      // that reaches a backend, --http asks nginx for each (a .php file nginx sends as a file shows there).
      traced.push(trace(urlPath, f.path));
    }
    // A front controller reached only through the site's root (Symfony's `internal` index.php location,
    // try_files … /index.php): no file's own URL reaches PHP, the home page does.
    if (php.length > 0 && !traced.some((d) => d.route?.outcome === 'fastcgi')) {
      const home = trace('/', root.dir);
      if (home.route?.outcome === 'fastcgi' && home.route.file) {
        home.file = home.route.file;
        traced.push(home);
      }
    }
    scripts.push(...traced);
  }
  return { scripts, notices, ...(routingCrash !== undefined ? { routingCrash } : {}) };
}
