/**
 * Whether the configuration on disk changed after the running Apache loaded
 * it: a fact, not a guess, when it can be seen. Apache's children are started
 * (or restarted, on a reload) after the master read its configuration, so a
 * configuration file changed after the oldest live child started was changed
 * after the configuration Apache runs was loaded — the change is not live.
 * The converse is not proven (a child may have been restarted since), so the
 * absence of such a file says nothing.
 */
import type { ConfigModel } from '../config/index.js';
import { findApache } from '../probes/facts.js';
import { isProbeError, type SystemProbes } from '../../system/index.js';

export interface NotReloaded {
  /** The file changed last, and when (epoch ms). */
  file: string;
  changedAtMs: number;
  /** Start of the oldest live child of the Apache that serves this configuration (epoch ms). */
  loadedBeforeMs: number;
  /** How that Apache was found ("pid 1234 from /run/apache2/apache2.pid"). */
  how: string;
}

export function configChangedSinceLoad(model: ConfigModel, system: SystemProbes): NotReloaded | undefined {
  const apache = findApache(model, system);
  if (!apache.master) return undefined;
  const children = apache.descendants.filter((p) => p.startedAtMs > 0);
  if (children.length === 0) return undefined;
  const loadedBeforeMs = Math.min(...children.map((p) => p.startedAtMs));
  let latest: { file: string; changedAtMs: number } | undefined;
  for (const f of model.filesRead) {
    const st = system.fs.stat(f.file);
    if (isProbeError(st) || st.mtimeMs === undefined) continue;
    if (!latest || st.mtimeMs > latest.changedAtMs) latest = { file: f.file, changedAtMs: st.mtimeMs };
  }
  // Process start times are known to the clock tick (10 ms) and rounded: a margin of a second keeps a
  // file written while Apache started from counting as "after".
  if (!latest || latest.changedAtMs <= loadedBeforeMs + 1000) return undefined;
  return { ...latest, loadedBeforeMs, how: apache.how };
}
