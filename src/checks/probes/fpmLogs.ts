/**
 * PHP-FPM's own logs for `check` and `logs`: every installation on the machine (packaged
 * layouts and running masters) read with src/fpm, then fpmLogTargets picks the files.
 */
import { findFpmInstallations, readFpmConfig, versionNumber } from '../../fpm/index.js';
import type { SystemProbes } from '../../system/index.js';
import type { Endpoint } from '../../setups/types.js';
import { fpmLogTargets, type FpmConfigRead, type FpmLogTargets } from '../fpmLogTargets.js';
import { fpmFileReaderOf, fpmMasters } from './fpmConfig.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

/** Every FPM installation's configuration, read as FPM reads it (errors are fpm-config-error's business). */
export function readFpmConfigs(
  system: Pick<SystemProbes, 'fs' | 'processes'>,
  extraConfigs: readonly string[] = [],
): FpmConfigRead[] {
  const reader = fpmFileReaderOf(system.fs);
  let masters: ReturnType<typeof fpmMasters> = [];
  try {
    masters = fpmMasters(system);
  } catch {
    // A master whose /proc entry vanished mid-read: the packaged layouts are still read.
  }
  const installations = findFpmInstallations(reader, masters);
  // php-fpm.conf files named by the caller (--fpm-config, tests) besides those found.
  for (const config of extraConfigs)
    if (!installations.some((i) => i.config === config))
      installations.push({
        layout: 'master',
        config,
        prefix: config.startsWith('/usr/local/') ? '/usr/local' : '/usr',
      });
  return installations.map((inst) => {
    const version = versionNumber(inst.version);
    const config = readFpmConfig(inst.config, {
      reader,
      prefix: inst.prefix,
      maxBytes: MAX_CONFIG_BYTES,
      ...(version !== undefined ? { version } : {}),
    });
    return { config, ...(inst.version ? { version: inst.version } : {}) };
  });
}

/** The FPM logs of the pools listening at these endpoints (undefined: every pool). */
export function fpmLogsOf(
  system: Pick<SystemProbes, 'fs' | 'processes'>,
  endpoints?: readonly Endpoint[],
  extraConfigs: readonly string[] = [],
): FpmLogTargets {
  const targets = fpmLogTargets(readFpmConfigs(system, extraConfigs), endpoints);
  // A slowlog appears with the first slow request: none yet is no news. A missing error_log
  // is kept, so that the reader says it is missing.
  return { ...targets, files: targets.files.filter((f) => f.kind !== 'slowlog' || system.fs.exists(f.path)) };
}
