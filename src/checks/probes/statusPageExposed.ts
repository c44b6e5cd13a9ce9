/**
 * status-page-exposed: a pool's pm.status_path or ping.path that a vhost
 * forwards to the pool from outside. Each path is traced offline with the
 * routing model (routeApache) as http://<site>/<path>: when the route ends at
 * the FastCGI backend that is this pool, with SCRIPT_NAME equal to the path
 * and no access rule on the way, anyone who reaches the site reads the page.
 *
 * PHP-FPM answers its status and ping pages before it looks for a script
 * (sapi/fpm/fpm/fpm_main.c: main loop, fpm_status_handle_request() comes
 * before the path_translated and limit_extensions checks), comparing the
 * request URI it derived from SCRIPT_NAME with the configured path
 * (fpm_status.c: fpm_status_handle_request): no file needs to exist.
 */
import type { Finding } from '../../findings/finding.js';
import type { FpmEntry } from '../../fpm/index.js';
import { routeApache } from '../../routing/apache/index.js';
import { routeNginx } from '../../routing/nginx/index.js';
import { nginxSites } from '../nginx/discover.js';
import type { Route } from '../../routing/types.js';
import { parseRouteUrl } from '../../routing/url.js';
import type { ConfigModel } from '../config/context.js';
import { sitesOf, type Site } from '../discovery/sites.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { entryText, fpmPoolConfigs, poolListensAt, type PoolOfInstallation } from './fpmPoolsOfSetups.js';
import { configText } from './evidence.js';
import { probeFinding } from './make.js';

/** Sites traced per run: a server of 5,000 vhosts is sampled, not traced whole. */
const MAX_SITES = 200;

/** The sites `check FILE` is about (FILE's vhosts, else every site), as discovery takes them. */
function sitesInScope(model: ConfigModel): Site[] {
  const target = model.targetFile;
  if (model.nginx) {
    const mine = target ? nginxSites(model.nginx, (s) => s.at.file === target) : [];
    return mine.length > 0 ? mine : nginxSites(model.nginx);
  }
  if (target && model.vhosts.some((v) => v.file === target)) return sitesOf(model, (v) => v.file === target);
  const sites = sitesOf(model);
  // A configuration with no vhost and no DocumentRoot still answers on its main server.
  return sites.length > 0
    ? sites
    : [{ label: 'the main server', scheme: 'http', host: 'localhost', port: 80, roots: [], directoryIndex: [] }];
}

function urlOf(site: Site, urlPath: string): string {
  const dflt = site.scheme === 'https' ? 443 : 80;
  const host = site.host.includes(':') && !site.host.startsWith('[') ? `[${site.host}]` : site.host;
  return `${site.scheme}://${host}${site.port === dflt ? '' : `:${site.port}`}${urlPath}`;
}

/** A route that an access rule may limit: the model says "access depends on Require ip …". */
function accessLimited(route: Route): boolean {
  return route.uncertain.some(
    (u) =>
      u.startsWith('access depends on') ||
      // nginx's model: an allow/deny or auth rule it cannot decide.
      u.includes('the access decision may differ') ||
      u.includes('cannot tell whether the client matches') ||
      u.startsWith('auth_basic'),
  );
}

function reachesPage(route: Route, p: PoolOfInstallation, pagePath: string): boolean {
  if (route.outcome !== 'fastcgi' || !route.backend) return false;
  if (!poolListensAt(p.pool, route.backend.endpoint)) return false;
  const scriptName = route.backend.params['SCRIPT_NAME'];
  return scriptName === undefined ? route.request.path === pagePath : scriptName === pagePath;
}

function routeEvidence(route: Route): string[] {
  const out: string[] = [];
  for (const st of route.steps) {
    if (!st.file || !['vhost', 'proxypass', 'section', 'handler', 'rewrite', 'alias', 'backend'].includes(st.what))
      continue;
    out.push(`${st.file}:${st.line ?? '?'}: ${st.text}`);
  }
  return out;
}

interface Page {
  entry: FpmEntry;
  kind: 'status' | 'ping';
}

function pagesOf(p: PoolOfInstallation): Page[] {
  const out: Page[] = [];
  const status = p.pool.get('pm.status_path');
  if (status?.value.startsWith('/')) out.push({ entry: status, kind: 'status' });
  const ping = p.pool.get('ping.path');
  if (ping?.value.startsWith('/')) out.push({ entry: ping, kind: 'ping' });
  return out;
}

function exposedFinding(ctx: ProbeContext, p: PoolOfInstallation, page: Page, site: Site, route: Route): Finding {
  const path = page.entry.value;
  const what = page.kind === 'status' ? 'status page' : 'ping page';
  const shows =
    page.kind === 'status'
      ? "it shows the pool's load and, with ?full, every worker's last request URI and script"
      : 'anyone can poll it, and it tells them PHP-FPM answers there';
  const handler = route.backend?.setupId ? ctx.model.setups.find((s) => s.id === route.backend?.setupId) : undefined;
  const f = probeFinding({
    id: 'status-page-exposed',
    severity: 'warning',
    title: "The pool's status or ping page is reachable through the web server",
    message: `${route.url} goes to PHP-FPM pool [${p.pool.name}] with SCRIPT_NAME ${path}, its ${page.kind === 'status' ? 'pm.status_path' : 'ping.path'}, and no ${ctx.model.nginx ? 'allow/deny' : 'Require'} limits it on the way: the ${what} answers to anyone who reaches ${site.label}; ${shows}.`,
    location: { file: page.entry.file, line: page.entry.line },
    probe: [
      entryText(page.entry),
      `traced ${route.url} → ${route.backend?.target ?? 'the pool'} (SCRIPT_NAME ${route.backend?.params['SCRIPT_NAME'] ?? path})`,
      ...routeEvidence(route),
    ],
    fix: ctx.model.nginx
      ? `Limit ${path} to the monitoring hosts: location = ${path} { allow 127.0.0.1; deny all; fastcgi_pass …; include fastcgi.conf; } in ${site.vhost ? `the server at ${site.vhost.file}:${site.vhost.line}` : 'the server'}; or query the pool directly (fcgi-doctor status ${route.backend?.target ?? '<pool address>'}) and drop the route to it.`
      : `Limit ${path} to the monitoring hosts: <Location "${path}"> Require local </Location> (or Require ip …) in ${site.vhost ? `the vhost at ${site.vhost.file}:${site.vhost.line}` : 'the server configuration'}; or query the pool directly (fcgi-doctor status ${route.backend?.target ?? '<pool address>'}) and drop the route to it.`,
  });
  // The location is the pool's line (FPM's side); the web server's side is the handler's line, as evidence.
  if (handler) f.evidence.unshift({ kind: 'config', text: configText(handler) });
  return f;
}

export const statusPageExposedCheck: ProbeCheck = {
  ids: ['status-page-exposed'],
  run(ctx) {
    const pools = fpmPoolConfigs(ctx).filter((p) => pagesOf(p).length > 0);
    if (pools.length === 0) return [];
    // Only pools some setup of this configuration reaches can be forwarded to.
    const reached = pools.filter((p) => ctx.setups.some((s) => poolListensAt(p.pool, s.endpoint)));
    if (reached.length === 0) return [];
    const sites = sitesInScope(ctx.model);
    if (sites.length > MAX_SITES)
      ctx.notice(`Status and ping pages were traced on the first ${MAX_SITES} of ${sites.length} sites.`);
    const out: Finding[] = [];
    for (const p of reached) {
      for (const page of pagesOf(p)) {
        for (const site of sites.slice(0, MAX_SITES)) {
          const req = parseRouteUrl(urlOf(site, page.entry.value));
          if ('error' in req) continue;
          let route: Route;
          try {
            // nginx: asked from an outside address (TEST-NET-3), so allow/deny rules decide as for a visitor.
            route = ctx.model.nginx
              ? routeNginx(ctx.model.nginx.config, { ...req, remoteAddress: '203.0.113.7' }, { fs: ctx.system.fs })
              : routeApache(ctx.model, req, { fs: ctx.system.fs });
          } catch (e) {
            // A gap of the routing model must not end the check: say what was not traced.
            ctx.notice(
              `${req.url} was not traced (${e instanceof Error ? e.message : String(e)}): whether it reaches the pool's ${page.kind} page is unknown.`,
            );
            continue;
          }
          if (!reachesPage(route, p, page.entry.value) || accessLimited(route)) continue;
          out.push(exposedFinding(ctx, p, page, site, route));
          // One site is enough to say the page is public; the fix names that site.
          break;
        }
      }
    }
    return out;
  },
};
