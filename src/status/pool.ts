/**
 * The pool file that owns a target, when it can be read: the status page does
 * not say pm.max_children, and pm.status_path is the path to ask. Structural
 * types only, so this layer does not depend on src/system: callers pass what
 * `liveSystem().fpm.scan()` found (or fixture data in tests).
 */
import type { Target } from '../client/target.js';

/** What status needs of a pool file: the shape of src/system's FpmPool. */
export interface PoolFile {
  name: string;
  file: string;
  line: number;
  endpoint?: { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };
  settings: Record<string, string>;
  lines: Record<string, number>;
}

export interface PoolFacts {
  name: string;
  file: string;
  line: number;
  pm?: string;
  maxChildren?: number;
  statusPath?: string;
  /** file:line of pm.status_path, or of the [pool] section where it should go */
  statusPathAt: string;
  /**
   * pm.status_listen (PHP >= 8.0): FPM serves the status page on this address
   * from a worker of its own, so it answers even when every worker of the pool
   * is busy. As written in the pool file; statusListenAt is its file:line.
   */
  statusListen?: string;
  statusListenAt?: string;
  pingPath?: string;
  slowlogTimeout?: string;
  /** pm = dynamic: the idle workers FPM keeps ready, at least and at most, and how many it starts with */
  minSpareServers?: number;
  maxSpareServers?: number;
  startServers?: number;
  /** file:line of pm.max_children and pm.min_spare_servers (of the [pool] section when unset): where the advice points */
  maxChildrenAt?: string;
  minSpareServersAt?: string;
}

const ANY_HOST = new Set(['0.0.0.0', '::', '*', '']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function sameHost(listen: string, asked: string): boolean {
  if (listen === asked) return true;
  if (ANY_HOST.has(listen)) return true;
  return LOOPBACK.has(listen) && LOOPBACK.has(asked);
}

/** The pool listening where the target points; undefined when no readable pool file says so. */
export function poolServing(pools: readonly PoolFile[], target: Target): PoolFile | undefined {
  return pools.find((p) => {
    const e = p.endpoint;
    if (!e) return false;
    if (target.kind === 'unix') return e.kind === 'unix' && e.path === target.path;
    return e.kind === 'tcp' && e.port === target.port && sameHost(e.host, target.host);
  });
}

/** A whole-number setting as FPM reads it, or undefined when it is unset or not a number. */
function wholeSetting(s: Record<string, string>, key: string): number | undefined {
  const v = s[key]?.trim();
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}

export function poolFacts(pool: PoolFile): PoolFacts {
  const s = pool.settings;
  const max = wholeSetting(s, 'pm.max_children');
  const at = (key: string) => `${pool.file}:${pool.lines[key] ?? pool.line}`;
  const facts: PoolFacts = {
    name: pool.name,
    file: pool.file,
    line: pool.line,
    statusPathAt: at('pm.status_path'),
    maxChildrenAt: at('pm.max_children'),
    minSpareServersAt: at('pm.min_spare_servers'),
  };
  if (s['pm'] !== undefined) facts.pm = s['pm'];
  if (max !== undefined && max > 0) facts.maxChildren = max;
  const spare = {
    minSpareServers: 'pm.min_spare_servers',
    maxSpareServers: 'pm.max_spare_servers',
    startServers: 'pm.start_servers',
  } as const;
  for (const [name, key] of Object.entries(spare) as Array<[keyof typeof spare, string]>) {
    const v = wholeSetting(s, key);
    if (v !== undefined) facts[name] = v;
  }
  if (s['pm.status_path']) facts.statusPath = s['pm.status_path'];
  if (s['pm.status_listen']) {
    facts.statusListen = s['pm.status_listen'];
    facts.statusListenAt = at('pm.status_listen');
  }
  if (s['ping.path']) facts.pingPath = s['ping.path'];
  if (s['request_slowlog_timeout']) facts.slowlogTimeout = s['request_slowlog_timeout'];
  return facts;
}

/** "php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)": a running master names its configuration. */
export function fpmConfigsOfMasters(cmdlines: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const c of cmdlines) {
    const m = /^php-fpm: master process \((.+)\)\s*$/.exec(c.join(' '));
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}
