/**
 * PHP-FPM's configuration read from its files, so that the web server's side can
 * be compared with the pool side even when FPM is stopped. Every installation
 * src/fpm finds (Debian's /etc/php/VERSION/fpm/php-fpm.conf, RHEL's
 * /etc/php-fpm.conf, the Docker images' /usr/local/etc/php-fpm.conf, and the
 * configuration each running master was started with, under its own -p), the
 * files a caller names, and the pool.d files no php-fpm.conf includes. Each file is
 * read by src/fpm as FPM reads it (include= under the prefix, $pool, ${ENV}, the
 * listen forms, booleans): `check`'s probes, its cross-checks, FPM's logs and
 * `status` all see one configuration. This module chooses the files and flattens
 * each pool into the plain FpmPool the probes compare.
 */
import * as path from 'node:path';
import {
  findFpmInstallations,
  installationOfMaster,
  phpVersionOf,
  readFpmConfig,
  versionNumber,
  type FpmInstallation,
  type FpmMasterCommand,
  type FpmPoolConfig,
} from '../fpm/index.js';
import { fpmFileReaderOf } from './fpmReader.js';
import { expandGlob } from './glob.js';
import {
  isProbeError,
  type FileSystem,
  type FpmPool,
  type FpmPoolScan,
  type FpmPools,
  type PoolEndpoint,
  type Processes,
} from './types.js';

/** Pool files read even when no php-fpm.conf includes them (a pool.d left by hand, a half-removed version). */
export const DEFAULT_POOL_GLOBS = [
  '/etc/php/*/fpm/pool.d/*.conf',
  '/etc/php-fpm.d/*.conf',
  '/usr/local/etc/php-fpm.d/*.conf',
];

/** Where src/fpm's findFpmInstallations looks, as a report names the places searched. */
const INSTALLATION_PLACES = ['/etc/php/*/fpm/php-fpm.conf', '/etc/php-fpm.conf', '/usr/local/etc/php-fpm.conf'];

/** The largest configuration file read, as the other readers of src/fpm bound it. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Running PHP-FPM masters: "php-fpm: master process (FILE)", or a binary not yet renamed. With `fs`,
 * each with its binary (/proc/PID/exe: /usr/sbin/php-fpm8.3), which tells the PHP version the title does not.
 *
 * A master in a container names files of its own view: read here, its /usr/local/etc/php-fpm.conf
 * would be this machine's file (or none) and every verdict on it wrong. Such a master is left out
 * when the doctor can see (as root, through /proc/PID/root) that its configuration file is not this
 * machine's file of that name. A master in a namespace of its own that shares the files (systemd's
 * PrivateTmp=true) stays.
 */
export function fpmMasterCommands(
  processes: Pick<Processes, 'commandLines'> & Partial<Pick<Processes, 'mountNamespace'>>,
  fs?: Pick<FileSystem, 'readlink'> & Partial<Pick<FileSystem, 'stat'>>,
): FpmMasterCommand[] {
  return processes
    .commandLines()
    .filter(({ cmdline }) => {
      const first = cmdline[0] ?? '';
      return /^php-fpm[\d.]*: master process/.test(first) || /^php(\d+)?-fpm[\d.]*$/.test(path.posix.basename(first));
    })
    .map(({ pid, cmdline }): FpmMasterCommand => {
      const exe = fs?.readlink(`/proc/${pid}/exe`);
      return typeof exe === 'string' ? { pid, argv: cmdline, exe } : { pid, argv: cmdline };
    })
    .filter((m) => !readsOtherFiles(processes, fs, m));
}

/** Whether the master's configuration file, as it sees it, is not the file of that name here. */
function readsOtherFiles(
  processes: Partial<Pick<Processes, 'mountNamespace'>>,
  fs: Partial<Pick<FileSystem, 'stat'>> | undefined,
  m: FpmMasterCommand,
): boolean {
  const ns = processes.mountNamespace?.bind(processes);
  const stat = fs?.stat?.bind(fs);
  if (!ns || !stat) return false;
  const own = ns('self');
  const theirs = ns(m.pid);
  if (isProbeError(own) || isProbeError(theirs) || own === theirs) return false;
  const config = installationOfMaster(m)?.config;
  if (!config?.startsWith('/')) return false;
  const there = stat(`/proc/${m.pid}/root${config}`);
  if (isProbeError(there)) return false; // not visible: nothing to go on
  const here = stat(config);
  return (
    isProbeError(here) ||
    here.ino !== there.ino ||
    (here.dev !== undefined && there.dev !== undefined && here.dev !== there.dev)
  );
}

/**
 * The prefix a file is read under when no master says (-p): the packaged builds' own, /usr/local for
 * the Docker images and /usr elsewhere (src/fpm/installations.ts says the same of the layouts it finds).
 */
function prefixOf(file: string): string {
  return file.startsWith('/usr/local/') ? '/usr/local' : '/usr';
}

/**
 * src/fpm's pool flattened: the last value of each plain key with its line. `listen = 9000`
 * (src/fpm: host '') is 0.0.0.0 here, the address FPM binds for a bare port
 * (sapi/fpm/fpm/fpm_sockets.c: fpm_socket_af_inet_listening_socket, "all IPv4 addresses").
 */
export function fpmPoolOf(pool: FpmPoolConfig, main = pool.file, version?: string, masterPid?: number): FpmPool {
  const settings: Record<string, string> = {};
  const lines: Record<string, number> = {};
  for (const e of pool.entries) {
    if (e.offset !== undefined) continue;
    settings[e.key] = e.value;
    lines[e.key] = e.line;
  }
  const out: FpmPool = { name: pool.name, file: pool.file, line: pool.line, settings, lines, config: pool, main };
  if (version) out.version = version;
  if (masterPid !== undefined) out.masterPid = masterPid;
  const listen = pool.get('listen')?.value.trim();
  if (listen) out.listen = listen;
  const l = pool.listen;
  if (l) out.endpoint = endpointOf(l);
  return out;
}

function endpointOf(l: NonNullable<FpmPoolConfig['listen']>): PoolEndpoint {
  return l.kind === 'unix' ? { kind: 'unix', path: l.path } : { kind: 'tcp', host: l.host || '0.0.0.0', port: l.port };
}

interface Source {
  inst: FpmInstallation;
  /** A pool file read alone (a pool.d glob), not a php-fpm.conf: it has no [global] of its own. */
  poolFile: boolean;
}

interface ReadOptions {
  readerUser?: string;
}

function readAll(
  fs: FileSystem,
  sources: readonly Source[],
  searched: readonly string[],
  opts: ReadOptions,
): FpmPoolScan {
  const reader = fpmFileReaderOf(fs);
  const scan: FpmPoolScan = { pools: [], filesRead: [], problems: [], searched: [...new Set(searched)], configs: [] };
  const files = new Set<string>();
  const pools = new Set<string>();
  for (const { inst, poolFile } of sources) {
    // A file already read (a pool.d file php-fpm.conf includes, an installation a master runs) is read once.
    if (files.has(inst.config)) continue;
    const version = versionNumber(inst.version);
    const config = readFpmConfig(inst.config, {
      reader,
      prefix: inst.prefix,
      maxBytes: MAX_CONFIG_BYTES,
      ...(version !== undefined ? { version } : {}),
      ...(opts.readerUser !== undefined ? { readerUser: opts.readerUser } : {}),
    });
    for (const f of config.files) {
      if (!files.has(f)) scan.filesRead.push(f);
      files.add(f);
    }
    files.add(inst.config);
    scan.configs.push({ config, installation: inst, poolFile, ...(inst.version ? { version: inst.version } : {}) });
    // What could not be read is said here; every other error FPM would report is fpm-config-error's.
    for (const issue of config.issues) if (issue.unreadable) scan.problems.push(issue.message);
    for (const p of config.pools) {
      const key = `${p.file}\u0000${p.line}\u0000${p.name}`;
      if (pools.has(key)) continue;
      pools.add(key);
      scan.pools.push(fpmPoolOf(p, inst.config, inst.version, inst.pid));
    }
  }
  scan.problems = [...new Set(scan.problems)];
  return scan;
}

/** A file named by a caller or matched by a glob, as an installation of its own. */
function namedSource(file: string, poolFile: boolean): Source {
  const version = phpVersionOf(file);
  return {
    inst: { layout: 'master', config: file, prefix: prefixOf(file), ...(version ? { version } : {}) },
    poolFile,
  };
}

export interface FpmPoolsOptions {
  /** php-fpm.conf files (globs allowed) read besides the installations found. */
  configs?: readonly string[];
  /** Pool file globs (default DEFAULT_POOL_GLOBS). */
  poolGlobs?: readonly string[];
  /** The running masters (their -y and -p); a master whose /proc entry vanishes is skipped. */
  masters?: () => FpmMasterCommand[];
  /** Named in "not visible to user X; run with sudo" when a file is not readable. */
  readerUser?: () => string | undefined;
}

function isErrnoError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}

export function fpmPoolsFrom(fs: FileSystem, options: FpmPoolsOptions = {}): FpmPools {
  const poolGlobs = options.poolGlobs ?? DEFAULT_POOL_GLOBS;
  const opts = (): ReadOptions => {
    const who = options.readerUser?.();
    return who !== undefined ? { readerUser: who } : {};
  };
  const named = (patterns: readonly string[], poolFile: boolean): Source[] =>
    patterns.flatMap((p) => expandGlob(fs, p).map((f) => namedSource(f, poolFile)));
  return {
    scan(extra = []) {
      let masters: FpmMasterCommand[] = [];
      try {
        masters = options.masters?.() ?? [];
      } catch (e) {
        // A /proc entry that vanished mid-read (an errno of the file system): the packaged layouts are
        // still read. Anything else is a bug, and must end the run as one (exit 2), never read as "no master".
        if (!isErrnoError(e)) throw e;
      }
      const found = findFpmInstallations(fpmFileReaderOf(fs), masters).map((inst) => ({ inst, poolFile: false }));
      const sources = [...found, ...named([...(options.configs ?? []), ...extra], false), ...named(poolGlobs, true)];
      const searched = [
        ...INSTALLATION_PLACES,
        ...found.filter((s) => s.inst.layout === 'master').map((s) => s.inst.config),
        ...(options.configs ?? []),
        ...extra,
        ...poolGlobs,
      ];
      return readAll(fs, sources, searched, opts());
    },
    read: (files) => readAll(fs, named(files, false), files, opts()),
  };
}
