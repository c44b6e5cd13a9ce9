/**
 * The PHP-FPM pools of the machine as src/fpm reads them (every entry with
 * file:line), and which pool listens where a web server setup connects: the
 * cross-checks between Apache's side and FPM's side start from this map.
 * Read once per run, with the probes' other facts (facts.ts: system.fpm.scan).
 */
import type { FpmPoolConfig } from '../../fpm/index.js';
import type { Endpoint } from '../../setups/index.js';
import type { DiscoveredScript } from '../discovery/discover.js';
import type { Route, RouteBackend } from '../../routing/types.js';
import type { ProbeContext } from './context.js';

export interface PoolOfInstallation {
  pool: FpmPoolConfig;
  /** The installation's main file, for evidence. */
  config: string;
  version?: string;
  /** The running master that read this installation's configuration, when one does. */
  masterPid?: number;
}

/** Every pool of every installation, as the probes' facts read them (src/system's FpmPools, backed by src/fpm). */
export function fpmPoolConfigs(ctx: ProbeContext): PoolOfInstallation[] {
  return ctx.facts.fpm.pools.map((p) => ({
    pool: p.config,
    config: p.main,
    ...(p.version ? { version: p.version } : {}),
    ...(p.masterPid !== undefined ? { masterPid: p.masterPid } : {}),
  }));
}

const ANY_HOST = new Set(['', '0.0.0.0', '::', '*']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Whether a pool listening at `pool.listen` accepts what a setup connects to. */
export function poolListensAt(pool: FpmPoolConfig, endpoint: Endpoint | undefined): boolean {
  const l = pool.listen;
  if (!l || !endpoint) return false;
  if (endpoint.kind === 'unix') return l.kind === 'unix' && !endpoint.generated && l.path === endpoint.path;
  if (l.kind !== 'tcp' || l.port !== endpoint.port) return false;
  const host = endpoint.host.replace(/^\[|\]$/g, '');
  // A pool on every interface answers on loopback too; "localhost" resolves to the loopback address.
  return ANY_HOST.has(l.host) || l.host === host || (LOOPBACK.has(l.host) && LOOPBACK.has(host));
}

/** The pool that listens at the endpoint, if any. */
export function poolAt(ctx: ProbeContext, endpoint: Endpoint | undefined): PoolOfInstallation | undefined {
  return fpmPoolConfigs(ctx).find((p) => poolListensAt(p.pool, endpoint));
}

/** Each script discovery traced to a FastCGI backend that a pool of the machine listens at, with that pool. */
export function scriptsAtPools(
  ctx: ProbeContext,
): { d: DiscoveredScript; route: Route & { backend: RouteBackend }; pool: PoolOfInstallation }[] {
  const out: { d: DiscoveredScript; route: Route & { backend: RouteBackend }; pool: PoolOfInstallation }[] = [];
  for (const d of ctx.discovery?.scripts ?? []) {
    const route = d.route;
    if (route?.outcome !== 'fastcgi' || !route.backend) continue;
    const pool = poolAt(ctx, route.backend.endpoint);
    if (pool) out.push({ d, route: route as Route & { backend: RouteBackend }, pool });
  }
  return out;
}

/** "file:line: key = value" for a pool entry, as evidence. */
export function entryText(e: { file: string; line: number; key: string; offset?: string; raw: string }): string {
  return `${e.file}:${e.line}: ${e.key}${e.offset !== undefined ? `[${e.offset}]` : ''} = ${e.raw}`;
}
