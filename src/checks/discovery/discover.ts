/**
 * Discovery: the scripts each site really serves. Every FastCGI handler that
 * reaches a site (its own setups and the server-wide ones) is projected onto
 * the site's DocumentRoot and Alias targets (and onto the path of a proxy
 * URL) with a bounded walk; one representative per handler and directory
 * (a DirectoryIndex file first) is traced with the routing model, whose Route
 * says what Apache really does with it: the backend, the exact params, the
 * Options in effect.
 *
 * It lives in src/checks/discovery/ because both the live probes (is the
 * script readable by the backend's user? probes/discoveredScripts.ts) and
 * the request step (ask the backend for a real script) read its result: it
 * belongs to neither, and it emits no finding itself, only what it found.
 */
import * as path from 'node:path';
import { routeApache } from '../../routing/apache/index.js';
import type { Route } from '../../routing/types.js';
import { parseRouteUrl } from '../../routing/url.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { fsDirReader, identityOf, walkFiles, type SystemProbes, type WalkResult } from '../../system/index.js';
import type { ConfigModel } from '../config/context.js';
import { coverageOf, type Coverage } from './coverage.js';
import { sitesOf, urlPathOf, type Site } from './sites.js';

export interface DiscoveryLimits {
  /** Directory entries looked at per site, over all its roots. */
  entriesPerSite: number;
  depth: number;
  /** Time one site's walks may take. */
  msPerSite: number;
  /** Representatives traced per site. */
  scriptsPerSite: number;
  /** Entries over all sites: a server of 5,000 vhosts is sampled, not read whole. */
  entriesTotal: number;
  /** Time all the walks may take. */
  msTotal: number;
}

export const DISCOVERY_LIMITS: DiscoveryLimits = {
  entriesPerSite: 2000,
  depth: 6,
  msPerSite: 2000,
  scriptsPerSite: 20,
  entriesTotal: 20_000,
  msTotal: 10_000,
};

export type DiscoveredWhy = 'directory-index' | 'handler' | 'proxy-path' | 'named';

export interface DiscoveredScript {
  site: Site;
  /** The setup whose handler should serve the file (the route may say another does). */
  setup: FastcgiSetup;
  file: string;
  url: string;
  why: DiscoveredWhy;
  /** The route of `url`; absent when it could not be traced (then routeError says why). */
  route?: Route;
  routeError?: string;
}

export interface Discovery {
  scripts: DiscoveredScript[];
  /** Limits reached, roots not walked, routes not traced: in plain words. */
  notices: string[];
  /** What the routing model threw (a bug): the caller records it as an internal error. */
  routingCrash?: unknown;
}

export interface DiscoveryOptions {
  limits?: Partial<DiscoveryLimits>;
  now?: () => number;
  /** What `apache2 -v` says, passed to the routing model. */
  serverSoftware?: string;
}

/**
 * The sites `check FILE` is about: the vhosts FILE defines. A FILE that
 * defines none (a server-wide handler such as conf-enabled/php8.2-fpm.conf)
 * reaches every site, so all are searched, within the overall limits.
 */
function sitesInScope(model: ConfigModel): Site[] {
  const target = model.targetFile;
  // Only FILE's vhosts are built (a server of 5,000 sites is checked one site at a time).
  if (target && model.vhosts.some((v) => v.file === target)) return sitesOf(model, (v) => v.file === target);
  return sitesOf(model);
}

/** Setups Apache uses for this site: its own and the main server's (which every vhost inherits). */
function reaching(model: ConfigModel, site: Site): FastcgiSetup[] {
  return model.setups.filter(
    (s) =>
      s.active &&
      (s.loaded || model.layout === 'standalone') &&
      (s.vhost === undefined ||
        (site.vhost !== undefined && s.vhost.file === site.vhost.file && s.vhost.line === site.vhost.line)),
  );
}

function urlOf(site: Site, urlPath: string): string {
  const dflt = site.scheme === 'https' ? 443 : 80;
  const host = site.host.includes(':') && !site.host.startsWith('[') ? `[${site.host}]` : site.host;
  return `${site.scheme}://${host}${site.port === dflt ? '' : `:${site.port}`}${urlPath}`;
}

interface Candidate {
  setup: FastcgiSetup;
  file: string;
  urlPath: string;
  why: DiscoveredWhy;
  depth: number;
}

function rank(c: Candidate, index: readonly string[]): number {
  const i = index.indexOf(path.posix.basename(c.file));
  if (i >= 0) return i;
  return path.posix.basename(c.file).startsWith('index.') ? index.length : index.length + 1;
}

export function discoverScripts(model: ConfigModel, system: SystemProbes, opts: DiscoveryOptions = {}): Discovery {
  const limits = { ...DISCOVERY_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const reader = system.dirs ?? fsDirReader(system.fs);
  const webServerUser = identityOf(system.users, model.webUser, model.webGroup);
  const notices: string[] = [];
  const scripts: DiscoveredScript[] = [];
  // Sites sharing a docroot walk it once.
  const walks = new Map<string, WalkResult>();
  let routingBroken: string | undefined;
  let routingCrash: unknown;
  const totalDeadline = now() + limits.msTotal;
  let totalLeft = limits.entriesTotal;
  const sites = sitesInScope(model);
  for (const [i, site] of sites.entries()) {
    const setups = reaching(model, site);
    if (setups.length === 0) continue;
    if (totalLeft <= 0 || now() > totalDeadline) {
      notices.push(
        `The search for scripts stopped at its overall limit (${limits.entriesTotal} entries, ${limits.msTotal / 1000} s): ${sites.length - i} sites were not searched.`,
      );
      break;
    }
    const coverages = new Map<FastcgiSetup, Coverage>(setups.map((s) => [s, coverageOf(s)]));
    const deadline = Math.min(now() + limits.msPerSite, totalDeadline);
    let budget = Math.min(limits.entriesPerSite, totalLeft);
    const budgetAtStart = budget;
    const walk = (dir: string): WalkResult => {
      const key = `${dir}\u0000${budget}`;
      let w = walks.get(key);
      if (!w) {
        w = walkFiles(reader, dir, { maxEntries: budget, maxDepth: limits.depth, deadline, now });
        walks.set(key, w);
      }
      budget = Math.max(0, budget - w.entries);
      for (const l of w.limits)
        notices.push(`${site.label}: the search for scripts ${l.text}; files beyond were not checked.`);
      // A DocumentRoot that does not exist is Apache's own warning (AH00112), not a search to report.
      for (const s of w.skipped)
        if (s.path === dir && !s.missing) notices.push(`${site.label}: ${dir} was not searched for scripts: ${s.why}.`);
      return w;
    };
    const candidates: Candidate[] = [];
    for (const root of site.roots) {
      if (budget <= 0) break;
      const w = walk(root.dir);
      for (const f of w.files) {
        const name = path.posix.basename(f.path);
        const dir = path.posix.dirname(f.path);
        const isIndex = site.directoryIndex.includes(name);
        for (const s of setups) {
          if (!coverages.get(s)?.covers(name, dir)) continue;
          candidates.push({
            setup: s,
            file: f.path,
            urlPath: urlPathOf(root, f.path),
            why: isIndex ? 'directory-index' : 'handler',
            depth: f.depth,
          });
        }
      }
      // Scripts the configuration names (FastCgiServer, a wrapper's script) that this root serves. A
      // FastCgiExternalServer's path is only a name (mod_fastcgi never opens it), and a missing one is
      // the setup probes' to report: neither is a script to ask for.
      for (const s of setups) {
        if (!s.script?.startsWith(`${root.dir}/`) || s.mode === 'external' || !system.fs.exists(s.script)) continue;
        candidates.push({ setup: s, file: s.script, urlPath: urlPathOf(root, s.script), why: 'named', depth: 0 });
      }
    }
    for (const s of setups) {
      for (const p of coverages.get(s)?.proxied ?? []) {
        if (budget <= 0) break;
        for (const f of walk(p.dir).files) {
          const name = path.posix.basename(f.path);
          if (p.indexOnly && !site.directoryIndex.includes(name) && !name.startsWith('index.')) continue;
          const urlPath = p.urlFor(f.path);
          if (urlPath !== undefined)
            candidates.push({ setup: s, file: f.path, urlPath, why: 'proxy-path', depth: f.depth });
        }
      }
    }
    totalLeft -= budgetAtStart - budget;
    // One representative per handler and directory: a DirectoryIndex file, else index.*, else the first found.
    const groups = new Map<string, Candidate>();
    for (const c of candidates) {
      const key = `${c.setup.id}\u0000${path.posix.dirname(c.file)}`;
      const best = groups.get(key);
      if (
        !best ||
        c.why === 'named' ||
        (best.why !== 'named' && rank(c, site.directoryIndex) < rank(best, site.directoryIndex))
      )
        groups.set(key, c);
    }
    const chosen = [...groups.values()].sort(
      (a, b) => a.depth - b.depth || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0),
    );
    if (chosen.length > limits.scriptsPerSite)
      notices.push(
        `${site.label}: ${chosen.length} handler/directory pairs serve scripts; the first ${limits.scriptsPerSite} were traced.`,
      );
    const seenUrls = new Set<string>();
    for (const c of chosen.slice(0, limits.scriptsPerSite)) {
      const url = urlOf(site, c.urlPath);
      if (seenUrls.has(url)) continue;
      seenUrls.add(url);
      const d: DiscoveredScript = { site, setup: c.setup, file: c.file, url, why: c.why };
      if (routingBroken) d.routeError = routingBroken;
      else {
        const req = parseRouteUrl(url);
        if ('error' in req) d.routeError = req.error;
        else {
          try {
            d.route = routeApache(model, req, {
              fs: system.fs,
              ...(opts.serverSoftware ? { serverSoftware: opts.serverSoftware } : {}),
              ...(webServerUser ? { webServerUser } : {}),
            });
          } catch (e) {
            // A bug of the routing model: the scripts are still probed, untraced, and the crash is
            // handed up as an internal error (the check ends in exit 2, never looks clean).
            routingCrash = e;
            routingBroken = e instanceof Error ? e.message : String(e);
            d.routeError = routingBroken;
          }
        }
      }
      scripts.push(d);
    }
  }
  if (routingBroken)
    notices.push(
      `The routing model failed (${routingBroken}): the scripts found were checked without tracing their requests.`,
    );
  return { scripts, notices: [...new Set(notices)], ...(routingCrash !== undefined ? { routingCrash } : {}) };
}
