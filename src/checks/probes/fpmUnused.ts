/**
 * What the PHP-FPM side holds that the web server does not use: pools no
 * FastCGI setup connects to (fpm-pool-unused), and sockets in /run/php that
 * no pool defines (fpm-socket-orphan: left by a removed pool or an old PHP
 * version). Both are info: a machine where everything works may have them,
 * and another web server (nginx, a second Apache) may be the user. Only said
 * when the whole Apache configuration was read (not a lone vhost file).
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import { isProbeError, type FpmPool } from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { poolText, statText } from './evidence.js';
import { endpointGroups } from './facts.js';
import { listenAt, poolsListeningOn } from './fpmSide.js';
import { probeFinding } from './make.js';

/** Debian's and Ubuntu's socket directory for every PHP version's pools. */
export const PHP_RUN_DIR = '/run/php';
/** Most entries of the directory looked at, and most findings of each kind. */
const MAX_ENTRIES = 256;
const MAX_REPORTED = 10;

function usedPools(ctx: ProbeContext): Set<FpmPool> {
  const used = new Set<FpmPool>();
  for (const g of endpointGroups(ctx.setups)) for (const p of poolsListeningOn(ctx, g.endpoint)) used.add(p);
  return used;
}

function unusedPool(pool: FpmPool): Finding {
  const listenLine = pool.lines['listen'] ?? pool.line;
  return probeFinding({
    id: 'fpm-pool-unused',
    severity: 'info',
    title: 'A PHP-FPM pool that no FastCGI setup of the web server connects to',
    message: `PHP-FPM pool [${pool.name}] (${listenAt(pool)}: listen = ${pool.listen ?? ''}) is not the backend of any FastCGI setup in this Apache configuration: its workers hold memory for nothing, unless another web server or a monitoring client uses it.`,
    location: { file: pool.file, line: listenLine },
    probe: [poolText(pool)],
    fix: `If nothing else uses it, remove pool [${pool.name}] (${pool.file}) or disable its PHP-FPM service, and restart PHP-FPM.`,
  });
}

export const fpmUnusedCheck: ProbeCheck = {
  ids: ['fpm-pool-unused', 'fpm-socket-orphan'],
  run(ctx) {
    // A lone vhost file shows only part of the setups: every other pool would look unused.
    if (ctx.model.targetFile !== undefined || ctx.model.layout === 'standalone' || ctx.setups.length === 0) return [];
    const out: Finding[] = [];
    const pools = ctx.facts.fpm.pools.filter((p) => p.endpoint);
    const used = usedPools(ctx);
    out.push(
      ...pools
        .filter((p) => !used.has(p))
        .slice(0, MAX_REPORTED)
        .map(unusedPool),
    );

    const names = ctx.system.fs.listDir(PHP_RUN_DIR);
    if (isProbeError(names)) return out;
    const defined = new Set(pools.flatMap((p) => (p.endpoint?.kind === 'unix' ? [p.endpoint.path] : [])));
    const targeted = new Set(ctx.setups.flatMap((s) => (s.endpoint?.kind === 'unix' ? [s.endpoint.path] : [])));
    let reported = 0;
    for (const name of names.slice(0, MAX_ENTRIES)) {
      const p = path.posix.join(PHP_RUN_DIR, name);
      // A socket Apache connects to is socket-missing/socket-stale's business, not an orphan.
      if (defined.has(p) || targeted.has(p)) continue;
      const st = ctx.system.fs.lstat(p);
      if (isProbeError(st) || st.type !== 'socket') continue;
      if (reported++ >= MAX_REPORTED) break;
      out.push(
        probeFinding({
          id: 'fpm-socket-orphan',
          severity: 'info',
          title: 'A socket in /run/php that no PHP-FPM pool defines',
          message: `${p} is a socket, but none of the PHP-FPM pools read (${ctx.facts.fpm.filesRead.length} files) listens there: it is left from a pool removed or a PHP version uninstalled, or belongs to a pool configured where the doctor did not look. A web server pointed at it gets "Connection refused" or an old PHP version.`,
          location: { file: p },
          probe: [statText(st, ctx.system.users), ...pools.slice(0, 5).map(poolText)],
          fix: `If no service of an old PHP version still runs (systemctl list-units 'php*-fpm*'), remove it: rm ${p}.`,
        }),
      );
    }
    return out;
  },
};
