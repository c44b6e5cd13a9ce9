/**
 * pm.status_listen (PHP >= 8.0; sapi/fpm/fpm/fpm_conf.c: fpm_conf_post_process
 * calls fpm_worker_pool_shared_status_alloc, a second pool of its own workers
 * that shares the pool's scoreboard): the status
 * page on its own socket, answered even when every worker of the pool is busy.
 * Where to connect for it, as FPM reads the address (src/fpm's parseListenAddress).
 */
import type { Target } from '../client/target.js';
import { parseListenAddress } from '../fpm/listen.js';

/** Where to ask for a listen address: a socket on every interface is reached on loopback. */
export function listenTarget(value: string): Target | undefined {
  const a = parseListenAddress(value);
  if (!a) return undefined;
  if (a.kind === 'unix') return { kind: 'unix', path: a.path };
  const everywhere = a.host === '' || a.host === '0.0.0.0' || a.host === '*' || a.host === '::';
  const host = everywhere ? (a.host === '::' ? '::1' : '127.0.0.1') : a.host;
  return { kind: 'tcp', host, port: a.port };
}

/** The pool's status socket, when its pool file names one FPM would use. */
export function statusListenTarget(pool: { statusListen?: string } | undefined): Target | undefined {
  return pool?.statusListen ? listenTarget(pool.statusListen) : undefined;
}

/** The advice for readiness probes of a pool that saturates and has no status socket of its own. */
export function statusListenAdvice(pool: { name: string; statusPathAt: string } | undefined): string {
  const where = pool ? ` to pool ${pool.name} (next to pm.status_path, ${pool.statusPathAt})` : ' to the pool file';
  return `This pool saturates: its status page waits behind busy workers like any request. On PHP >= 8.0, add pm.status_listen (e.g. pm.status_listen = 127.0.0.1:9001, or a socket path)${where} and point readiness probes at it: FPM answers the status page there from a worker of its own, even when every worker of the pool is busy, and status reads it there by itself.`;
}
