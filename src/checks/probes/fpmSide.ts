/**
 * The PHP-FPM side of an endpoint, from the pool files: which pool should
 * listen there, or which pools listen elsewhere. Read from disk, so it works
 * when FPM is stopped.
 */
import type { Endpoint } from '../../setups/index.js';
import type { FpmPool } from '../../system/index.js';
import type { ProbeContext } from './context.js';
import { fpmServiceOf, poolText } from './evidence.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function poolsListeningOn(ctx: ProbeContext, e: Endpoint): FpmPool[] {
  return ctx.facts.fpm.pools.filter((p) => {
    const pe = p.endpoint;
    if (!pe || pe.kind !== e.kind) return false;
    if (pe.kind === 'unix' && e.kind === 'unix') return pe.path === e.path;
    if (pe.kind === 'tcp' && e.kind === 'tcp') {
      if (pe.port !== e.port) return false;
      return pe.host === e.host || pe.host === '0.0.0.0' || pe.host === '::' || (LOOPBACK.has(pe.host) && LOOPBACK.has(e.host));
    }
    return false;
  });
}

export interface FpmAdvice {
  /** A sentence for the message ('' when FPM says nothing about it). */
  sentence: string;
  probe: string[];
  fix?: string;
}

function listenUrl(pool: FpmPool): string {
  const e = pool.endpoint;
  if (!e) return '';
  return e.kind === 'unix' ? `proxy:unix:${e.path}|fcgi://localhost` : `proxy:fcgi://${e.host === '0.0.0.0' ? '127.0.0.1' : e.host}:${e.port}`;
}

/** Why nothing listens on `e`, as far as the pool files tell. */
export function fpmAdviceForMissing(ctx: ProbeContext, e: Endpoint): FpmAdvice {
  const same = poolsListeningOn(ctx, e);
  const first = same[0];
  if (first) {
    const service = fpmServiceOf(first);
    return {
      sentence: `PHP-FPM pool [${first.name}] (${first.file}:${first.line}) is configured to listen here, so PHP-FPM is not running (or failed to start).`,
      probe: same.map(poolText),
      fix: `Start PHP-FPM (systemctl start ${service}) and check its log if it stops again.`,
    };
  }
  const others = ctx.facts.fpm.pools.filter((p) => p.endpoint);
  if (others.length === 0) return { sentence: '', probe: [] };
  const probe = others.slice(0, 5).map(poolText);
  const otherKind = others.filter((p) => p.endpoint?.kind !== e.kind);
  const firstOther = otherKind[0];
  if (firstOther && otherKind.length === others.length) {
    const where = e.kind === 'unix' ? 'a TCP port' : 'a Unix socket';
    return {
      sentence: `No PHP-FPM pool listens on ${e.kind === 'unix' ? 'this socket' : 'this port'}: the pools listen on ${where} (pool [${firstOther.name}]: listen = ${firstOther.listen ?? ''}).`,
      probe,
      fix: `Point Apache at the pool (SetHandler "${listenUrl(firstOther)}"), or change the pool to "listen = ${e.kind === 'unix' ? e.path : `127.0.0.1:${e.port}`}" in ${firstOther.file}:${firstOther.lines['listen'] ?? firstOther.line} and restart PHP-FPM.`,
    };
  }
  return { sentence: `No PHP-FPM pool is configured to listen there (${others.length} pool${others.length > 1 ? 's' : ''} found).`, probe };
}
