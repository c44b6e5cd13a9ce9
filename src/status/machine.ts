/**
 * Every PHP-FPM pool on the machine, for `status --all`: the pool files of each
 * installation (src/fpm: the packaged layouts of every PHP version and the
 * configuration each running master was started with), or of the files named
 * with --fpm-config, read as FPM reads them. The caller hands in the file reader
 * and the running masters, so this is tested on fixture files.
 */
import type { Target } from '../client/target.js';
import {
  findFpmInstallations,
  installationOfMaster,
  phpVersionOf,
  readFpmConfig,
  type FpmFileReader,
  type FpmInstallation,
  type FpmMasterCommand,
  type FpmPoolConfig,
} from '../fpm/index.js';
import { fpmPoolOf } from '../system/fpmPools.js';
import { poolFacts, poolServing, type PoolFacts, type PoolFile } from './pool.js';
import { listenTarget } from './statusListen.js';

/** One pool as `status --all` lists it. */
export interface MachinePool {
  /** Tells two pools apart: the name, with the PHP version (or the main file) when another pool has the same name. */
  id: string;
  name: string;
  /** "8.3" when the installation's path or running binary says; undefined when nothing does. */
  phpVersion?: string;
  /** The main configuration (php-fpm.conf or the master's -y) that includes this pool. */
  config: string;
  /** The running master's pid, when one runs this configuration. */
  masterPid?: number;
  /** listen as FPM reads it (`/run/php/x.sock`, `127.0.0.1:9000`, `[::]:9000`, `9000`); undefined: unset. */
  listen?: string;
  /** Where to connect for the pool: a listen on every interface is reached on loopback. */
  target?: Target;
  facts: PoolFacts;
  /** the pool file's settings, for poolServing */
  poolFile: PoolFile;
}

export interface MachinePoolsResult {
  pools: MachinePool[];
  /** What could not be read (a pool file not visible to this user, a file FPM would refuse), for notes. */
  problems: string[];
}

/** A pool file that lists more pools than this is not a machine's pool set: stop there. */
export const MAX_MACHINE_POOLS = 512;

/** The installations whose pools to list: the machine's, or only the files given (with what a running master says of them). */
export function fpmSources(
  reader: FpmFileReader,
  masters: readonly FpmMasterCommand[],
  given: readonly string[] = [],
): FpmInstallation[] {
  if (!given.length) return findFpmInstallations(reader, masters);
  const running = masters.map((m) => installationOfMaster(m)).filter((i): i is FpmInstallation => i !== undefined);
  return [...new Set(given)].map((config) => {
    const master = running.find((r) => r.config === config);
    if (master) return master;
    const version = phpVersionOf(config);
    return {
      layout: 'master' as const,
      config,
      prefix: config.startsWith('/usr/local/') ? '/usr/local' : '/usr',
      ...(version ? { version } : {}),
    };
  });
}

export function machinePools(
  reader: FpmFileReader,
  installations: readonly FpmInstallation[],
  opts: { maxBytes?: number; readerUser?: string } = {},
): MachinePoolsResult {
  const pools: MachinePool[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const inst of installations) {
    const config = readFpmConfig(inst.config, {
      reader,
      prefix: inst.prefix,
      ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
      ...(opts.readerUser !== undefined ? { readerUser: opts.readerUser } : {}),
    });
    for (const issue of config.issues)
      if (issue.severity === 'error')
        problems.push(`${issue.file}${issue.line ? `:${issue.line}` : ''}: ${issue.message}`);
    for (const p of config.pools) {
      // A pool file reached from two installations (a master running a packaged configuration) is one pool.
      const key = `${p.file}\0${p.line}\0${p.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (pools.length >= MAX_MACHINE_POOLS) {
        problems.push(`more than ${MAX_MACHINE_POOLS} pools: the rest are not listed`);
        return { pools: named(pools), problems };
      }
      // The pool file as poolFacts reads it, flattened one way for every reader (src/system).
      const file: PoolFile = fpmPoolOf(p);
      const listen = listenKeyText(p);
      const target = listen !== undefined ? listenTarget(listen) : undefined;
      pools.push({
        id: p.name,
        name: p.name,
        ...(inst.version ? { phpVersion: inst.version } : {}),
        config: inst.config,
        ...(inst.pid !== undefined ? { masterPid: inst.pid } : {}),
        ...(listen !== undefined ? { listen } : {}),
        ...(target ? { target } : {}),
        facts: poolFacts(file),
        poolFile: file,
      });
    }
  }
  return { pools: named(pools), problems };
}

/** The pool of these that listens where the target points (`status TARGET --fpm-config FILE`). */
export function machinePoolServing(pools: readonly MachinePool[], target: Target): MachinePool | undefined {
  const file = poolServing(
    pools.map((p) => p.poolFile),
    target,
  );
  return pools.find((p) => p.poolFile === file);
}

/** listen as written (after substitution). */
function listenKeyText(p: FpmPoolConfig): string | undefined {
  return p.get('listen')?.value.trim() || undefined;
}

/** Two pools of one name (www on PHP 8.2 and on 8.3): each id says which. */
function named(pools: MachinePool[]): MachinePool[] {
  const byName = new Map<string, MachinePool[]>();
  for (const p of pools) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  for (const same of byName.values()) {
    if (same.length < 2) continue;
    const versions = same.map((p) => p.phpVersion ?? '');
    const versionsTell = new Set(versions).size === same.length && !versions.includes('');
    for (const p of same) p.id = versionsTell ? `${p.name}@${p.phpVersion}` : `${p.name}@${p.facts.file}`;
  }
  return pools;
}
