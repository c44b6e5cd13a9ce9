/**
 * The PHP-FPM side of an endpoint, from the pool files: which pool should
 * listen there, or which pools listen elsewhere. Read from disk, so it works
 * when FPM is stopped.
 */
import * as path from 'node:path';
import type { Endpoint } from '../../setups/index.js';
import type { FpmPool } from '../../system/index.js';
import type { ProbeContext } from './context.js';
import { fpmServiceOf, poolText } from './evidence.js';
import { closestSocket } from './suggest.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function poolsListeningOn(ctx: ProbeContext, e: Endpoint): FpmPool[] {
  return ctx.facts.fpm.pools.filter((p) => {
    const pe = p.endpoint;
    if (!pe || pe.kind !== e.kind) return false;
    if (pe.kind === 'unix' && e.kind === 'unix') return pe.path === e.path;
    if (pe.kind === 'tcp' && e.kind === 'tcp') {
      if (pe.port !== e.port) return false;
      return (
        pe.host === e.host ||
        pe.host === '0.0.0.0' ||
        pe.host === '::' ||
        (LOOPBACK.has(pe.host) && LOOPBACK.has(e.host))
      );
    }
    return false;
  });
}

/** Where a pool's listen line is (the line to edit), or its section when listen is inherited or absent. */
export function listenAt(pool: FpmPool): string {
  return `${pool.file}:${pool.lines['listen'] ?? pool.line}`;
}

export interface FpmAdvice {
  /** A sentence for the message ('' when FPM says nothing about it). */
  sentence: string;
  probe: string[];
  fix?: string;
  /** The socket path the advice points at instead, if any (so a caller does not suggest it twice). */
  suggests?: string;
}

function listenUrl(pool: FpmPool): string {
  const e = pool.endpoint;
  if (!e) return '';
  return e.kind === 'unix'
    ? `proxy:unix:${e.path}|fcgi://localhost`
    : `proxy:fcgi://${e.host === '0.0.0.0' ? '127.0.0.1' : e.host}:${e.port}`;
}

/**
 * How likely a pool is meant by a socket path: its file shares directories
 * with the path (a private installation), the socket is named after the pool
 * ("www.sock") or after its PHP version (/etc/php/8.2 → php8.2-fpm.sock).
 */
export function relatedness(pool: FpmPool, wanted: string): number {
  const a = pool.file.split('/').filter((x) => x !== '');
  const b = wanted.split('/').filter((x) => x !== '');
  let score = 0;
  while (score < a.length && score < b.length && a[score] === b[score]) score++;
  const base = path.posix.basename(wanted);
  if (base.includes(pool.name)) score += 2;
  const version = /^\/etc\/php\/([^/]+)\//.exec(pool.file)?.[1];
  if (version && base.includes(version)) score += 3;
  return score;
}

/** Why nothing listens on `e`, as far as the pool files tell. */
export function fpmAdviceForMissing(ctx: ProbeContext, e: Endpoint): FpmAdvice {
  const same = poolsListeningOn(ctx, e);
  const first = same[0];
  if (first) {
    const service = fpmServiceOf(first);
    return {
      sentence: `PHP-FPM pool [${first.name}] (${listenAt(first)}) is configured to listen here, so PHP-FPM is not running (or failed to start).`,
      probe: same.map(poolText),
      fix: `Start PHP-FPM (systemctl start ${service}) and check its log if it stops again.`,
    };
  }
  const pools = ctx.facts.fpm.pools.filter((p) => p.endpoint);
  if (pools.length === 0 || e.kind !== 'unix') return { sentence: '', probe: [] };
  const near = closestSocket(
    e.path,
    pools.flatMap((p, i) => (p.endpoint?.kind === 'unix' ? [{ path: p.endpoint.path, inode: i }] : [])),
  );
  const nearPool = near ? pools[near.inode] : undefined;
  if (near && nearPool) {
    return {
      sentence: `PHP-FPM pool [${nearPool.name}] (${listenAt(nearPool)}: listen = ${nearPool.listen ?? near.path}) listens on ${near.path}, not on this path.`,
      probe: [poolText(nearPool)],
      fix: `If pool [${nearPool.name}] is the one meant, change the socket path in the configuration to ${near.path}.`,
      suggests: near.path,
    };
  }
  const ranked = pools.map((p) => ({ p, score: relatedness(p, e.path) })).sort((x, y) => y.score - x.score);
  const best = ranked[0];
  if (best && best.score >= 3 && best.p.endpoint?.kind === 'tcp') {
    const pool = best.p;
    return {
      sentence: `No PHP-FPM pool listens on this socket: pool [${pool.name}] (${listenAt(pool)}), the one that goes with it, listens on a TCP port (listen = ${pool.listen ?? ''}).`,
      probe: [poolText(pool)],
      fix: `Point ${ctx.facts.serverName} at the pool (${ctx.facts.serverName === 'nginx' ? `fastcgi_pass ${pool.listen ?? ''}` : `SetHandler "${listenUrl(pool)}"`}), or change the pool to "listen = ${e.path}" in ${pool.file}:${pool.lines['listen'] ?? pool.line} and restart PHP-FPM.`,
    };
  }
  const where = whereLooked(ctx);
  return {
    sentence: `No PHP-FPM pool is configured to listen there: ${pools.length} pool${pools.length > 1 ? 's' : ''} found in ${where.files}, none on this path (looked in ${where.places}; a pool configured anywhere else was not seen).`,
    probe: [...pools.slice(0, 5).map(poolText), ...more(pools.length, 5, 'pool')],
  };
}

/** At most this many places or files are named in a sentence: the rest are counted. */
const MAX_NAMED = 5;

function more(total: number, shown: number, what: string): string[] {
  return total > shown ? [`… and ${total - shown} more ${what}${total - shown > 1 ? 's' : ''}`] : [];
}

function bounded(list: readonly string[]): string {
  const named = list.slice(0, MAX_NAMED).join(', ');
  return list.length > MAX_NAMED ? `${named} and ${list.length - MAX_NAMED} more` : named;
}

/** Where the pool files were looked for, in words: the globs tried and the files read (bounded). */
export function whereLooked(ctx: ProbeContext): { places: string; files: string } {
  const scan = ctx.facts.fpm;
  const places = bounded(scan.searched ?? []) || 'the usual places';
  const n = scan.filesRead.length;
  const files = n === 0 ? 'no file' : `${n === 1 ? '' : `${n} files: `}${bounded(scan.filesRead)}`;
  return { places, files };
}
