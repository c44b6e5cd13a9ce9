/**
 * PHP-FPM's own logs for `check` and `logs`: every installation on the machine (packaged
 * layouts and running masters) as src/system's FpmPools read it (src/fpm), then
 * fpmLogTargets picks the files.
 */
import type { FpmPoolScan, SystemProbes } from '../../system/index.js';
import type { Endpoint } from '../../setups/types.js';
import { fpmLogTargets, type FpmConfigRead, type FpmLogTargets } from '../fpmLogTargets.js';

/**
 * Every FPM installation's configuration, read as FPM reads it (errors are fpm-config-error's
 * business). A pool file read alone (a pool.d glob no php-fpm.conf includes) is left out: it has no
 * [global] section, so where its master logs is not in it.
 */
function fpmConfigsOf(scan: Pick<FpmPoolScan, 'configs'>): FpmConfigRead[] {
  return scan.configs.filter((c) => !c.poolFile);
}

/**
 * The FPM logs of the pools listening at these endpoints (undefined: every pool). `scan`: what the
 * caller already read (check's facts); else the machine is read here, with `extraConfigs`.
 */
export function fpmLogsOf(
  system: Pick<SystemProbes, 'fs' | 'fpm'>,
  endpoints?: readonly Endpoint[],
  extraConfigs: readonly string[] = [],
  scan?: Pick<FpmPoolScan, 'configs'>,
): FpmLogTargets {
  const targets = fpmLogTargets(fpmConfigsOf(scan ?? system.fpm.scan(extraConfigs)), endpoints);
  // A slowlog appears with the first slow request: none yet is no news. A missing error_log
  // is kept, so that the reader says it is missing.
  return { ...targets, files: targets.files.filter((f) => f.kind !== 'slowlog' || system.fs.exists(f.path)) };
}
