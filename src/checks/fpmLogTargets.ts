/**
 * PHP-FPM's own logs, from its configuration (src/fpm): the [global] error_log of each
 * installation and each pool's slowlog, for the pools that serve the checked setups
 * (matched by address) or for every pool (`logs` with no file named). What cannot be
 * read as a file (syslog, FPM's stderr) is said, not read.
 */
import type { Evidence, Finding } from '../findings/finding.js';
import type { MatchGroup } from '../logs/index.js';
import { fullPath, type FpmConfig, type FpmPoolConfig, type ListenAddress } from '../fpm/index.js';
import type { Endpoint } from '../setups/types.js';

/** One FPM installation's configuration as read, with where it lives. */
export interface FpmConfigRead {
  config: FpmConfig;
  /** "8.3" when the installation says. */
  version?: string;
}

export interface FpmLogFile {
  path: string;
  kind: 'error_log' | 'slowlog';
  /** The pools whose lines this file holds (every pool of the installation for error_log). */
  pools: string[];
}

export interface FpmLogTargets {
  files: FpmLogFile[];
  /** What is not read and why (syslog, stderr), and catch_workers_output. */
  notes: string[];
  /** The pools concerned, to name their configuration lines in log findings. */
  pools: FpmLogPool[];
  /** Per log file, the pools writing to it: two installations may each have a pool `www`. */
  poolsByFile: Record<string, FpmLogPool[]>;
}

/** The pool directive each FPM log rule is about: the line that set the limit it reports. */
const RULE_DIRECTIVE: Readonly<Record<string, string>> = {
  'fpm-request-timeout': 'request_terminate_timeout',
  'fpm-max-children': 'pm.max_children',
  'fpm-slow-request': 'request_slowlog_timeout',
  'fpm-slowlog-entry': 'request_slowlog_timeout',
};

/** A pool as its log findings need it: plain data (the probes' result is JSON). */
export interface FpmLogPool {
  name: string;
  file: string;
  line: number;
  /** The limits FPM's log lines report, where the pool sets them. */
  limits: Record<string, { file: string; line: number; raw: string }>;
}

function logPool(pool: FpmPoolConfig): FpmLogPool {
  const limits: FpmLogPool['limits'] = {};
  for (const directive of Object.values(RULE_DIRECTIVE)) {
    const e = pool.get(directive);
    if (e) limits[directive] = { file: e.file, line: e.line, raw: e.raw };
  }
  return { name: pool.name, file: pool.file, line: pool.line, limits };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** A pool listens where the web server connects: the same socket path, or the same port on a matching host. */
export function poolServes(listen: ListenAddress | undefined, endpoint: Endpoint): boolean {
  if (!listen) return false;
  if (listen.kind === 'unix' || endpoint.kind === 'unix')
    return listen.kind === 'unix' && endpoint.kind === 'unix' && listen.path === endpoint.path;
  if (listen.port !== endpoint.port) return false;
  // `listen = 9000` (host '') and 0.0.0.0/[::] accept on every interface.
  if (listen.host === '' || listen.host === '0.0.0.0' || listen.host === '::') return true;
  if (listen.host === endpoint.host) return true;
  return LOOPBACK.has(listen.host) && LOOPBACK.has(endpoint.host);
}

/** Pool names for a note, bounded: a machine may have hundreds of pools. */
function namesText(names: readonly string[]): string {
  const MAX_NAMED = 8;
  const named = names.slice(0, MAX_NAMED).join(', ');
  return names.length > MAX_NAMED ? `${named} and ${names.length - MAX_NAMED} more` : named;
}

/** The systemd unit of an installation: Debian's php8.3-fpm, else the RHEL and Docker images' php-fpm. */
function serviceOf(version: string | undefined): string {
  return version ? `php${version}-fpm` : 'php-fpm';
}

/**
 * Where FPM writes its error log (sapi/fpm/fpm/fpm_conf.c: fpm_conf_post_process): unset means
 * "log/php-fpm.log"; "syslog" goes to syslog; a relative path is taken from the prefix, which
 * without -p is PHP_LOCALSTATEDIR (/var for the distributions' /usr builds) — fpm_evaluate_full_path.
 * Checked against php-fpm8.2 -t: `error_log = log/x.log` creates /var/log/x.log, and DIR/log/x.log with -p DIR.
 * What is not a file here gets a note saying where to read it instead (`check` and `logs` both show it).
 */
export function errorLogOf(config: FpmConfig, version?: string): { path: string } | { note: string } {
  const entry = config.globalGet('error_log');
  const value = entry?.value.trim() || 'log/php-fpm.log';
  const where = entry ? ` (${entry.file}:${entry.line})` : '';
  const service = serviceOf(version);
  if (value.toLowerCase() === 'syslog') {
    // syslog.ident and syslog.facility default to "php-fpm" and "daemon" (fpm_conf.c: fpm_conf_post_process).
    const ident = config.globalGet('syslog.ident')?.value.trim() || 'php-fpm';
    const facility = config.globalGet('syslog.facility')?.value.trim() || 'daemon';
    return {
      note: `PHP-FPM's error_log of ${config.file} goes to syslog${where}, facility ${facility}, tagged ${ident}: it was not read as a file. Read it with \`journalctl -u ${service}\` (or \`journalctl -t ${ident}\`, or the file your syslog daemon writes the ${facility} facility to), and feed it in: \`journalctl -u ${service} --since -1h | fcgi-doctor logs -\`.`,
    };
  }
  // The packaged builds' prefixes (/usr, the Docker images' /usr/local) stand for no -p: then
  // PHP_LOCALSTATEDIR applies; any other prefix came from -p and is used as it is.
  const localStateDir =
    config.prefix === '/usr' ? '/var' : config.prefix === '/usr/local' ? '/usr/local/var' : config.prefix;
  const path = value.startsWith('$prefix') ? fullPath(value, config.prefix) : fullPath(value, localStateDir);
  // The official Docker images log to /proc/self/fd/2: the master's standard error, which a
  // foreground master (php-fpm -F, daemonize = no) hands to whoever started it.
  if (/^\/(proc|dev)\//.test(path))
    return {
      note: `PHP-FPM's error_log of ${config.file} is ${path}${where}, the standard error of its master (run in the foreground, as in the official Docker images): it was not read as a file. Read it where the master's output goes: \`docker logs CONTAINER\` in a container, \`journalctl -u ${service}\` under systemd; and feed it in: \`docker logs CONTAINER 2>&1 | fcgi-doctor logs -\`.`,
    };
  return { path };
}

/** The slowlog a pool writes (relative: under the pool's prefix, else FPM's). */
export function slowlogOf(pool: FpmPoolConfig, config: FpmConfig): string | undefined {
  const entry = pool.get('slowlog');
  if (!entry || entry.value.trim() === '') return undefined;
  return fullPath(entry.value.trim(), pool.get('prefix')?.value || config.prefix);
}

/**
 * The FPM logs to read. `endpoints` given: only the pools listening there (and the error_log
 * of their installations); undefined: every pool of every installation.
 */
export function fpmLogTargets(configs: readonly FpmConfigRead[], endpoints?: readonly Endpoint[]): FpmLogTargets {
  const files = new Map<string, FpmLogFile>();
  const notes: string[] = [];
  const pools: FpmLogPool[] = [];
  const poolsByFile: Record<string, FpmLogPool[]> = {};
  const add = (path: string, kind: FpmLogFile['kind'], writers: FpmLogPool[]) => {
    const poolNames = writers.map((p) => p.name);
    const known = files.get(path);
    if (known) known.pools.push(...poolNames.filter((p) => !known.pools.includes(p)));
    else files.set(path, { path, kind, pools: [...poolNames] });
    poolsByFile[path] = [...(poolsByFile[path] ?? []), ...writers];
  };
  for (const { config, version } of configs) {
    const chosen = endpoints
      ? config.pools.filter((p) => endpoints.some((e) => poolServes(p.listen, e)))
      : config.pools;
    if (chosen.length === 0) continue;
    const plain = chosen.map(logPool);
    pools.push(...plain);
    const errorLog = errorLogOf(config, version);
    if ('path' in errorLog) add(errorLog.path, 'error_log', plain);
    else notes.push(errorLog.note);
    const discarded: string[] = [];
    for (const [i, pool] of chosen.entries()) {
      const slow = slowlogOf(pool, config);
      const asLogged = plain[i];
      if (slow && asLogged) add(slow, 'slowlog', [asLogged]);
      const catchOutput = pool.get('catch_workers_output');
      if (catchOutput?.value !== '1') discarded.push(pool.name);
      else if ('path' in errorLog)
        notes.push(
          `Pool ${pool.name} has catch_workers_output (${catchOutput.file}:${catchOutput.line}): its scripts' stderr is in ${errorLog.path}.`,
        );
    }
    // PHP's manual (FPM configuration, catch_workers_output): "If not set, stdout and stderr will be
    // redirected to /dev/null according to FastCGI specs."
    if (discarded.length > 0)
      notes.push(
        `${discarded.length === 1 ? `Pool ${discarded[0]} does` : `Pools ${namesText(discarded)} do`} not set catch_workers_output = yes (FPM's default is no): what ${discarded.length === 1 ? 'its' : 'their'} workers write to stderr is discarded (sent to /dev/null), not written to ${'path' in errorLog ? errorLog.path : "FPM's error_log"}.`,
      );
  }
  return { files: [...files.values()], notes, pools, poolsByFile };
}

/**
 * The findings from one scan that concern the pools served: a line of a shared FPM error_log
 * about another pool (one that serves no checked setup) is left out. Findings from FPM's log
 * about a limit (request_terminate_timeout, pm.max_children) name the pool file's line that
 * set it. `findings` and `groups` are scanLogs' parallel arrays.
 */
export function fpmLogFindings(
  findings: readonly Finding[],
  groups: readonly MatchGroup[],
  targets: Pick<FpmLogTargets, 'files' | 'poolsByFile'>,
): Finding[] {
  const poolsOfFile = new Map(targets.files.map((f) => [f.path, new Set(f.pools)]));
  const out: Finding[] = [];
  findings.forEach((f, i) => {
    const group = groups[i];
    const poolName = group?.groups['pool'];
    if (group && poolName !== undefined) {
      const files = [...group.sources.keys()];
      const aboutOthers = files.every((file) => poolsOfFile.get(file) && !poolsOfFile.get(file)?.has(poolName));
      if (aboutOthers) return;
    }
    // The pool of that name writing to the file the lines came from (not another installation's).
    const writers = group
      ? [...group.sources.keys()].flatMap((file) =>
          Object.hasOwn(targets.poolsByFile, file) ? (targets.poolsByFile[file] ?? []) : [],
        )
      : [];
    out.push(withPoolLine(f, group, writers));
  });
  return out;
}

function withPoolLine(f: Finding, group: MatchGroup | undefined, pools: readonly FpmLogPool[]): Finding {
  const directive = group ? RULE_DIRECTIVE[group.rule.id] : undefined;
  const poolName = group?.groups['pool'];
  if (!directive || poolName === undefined) return f;
  const pool = pools.find((p) => p.name === poolName);
  if (!pool) return f;
  const entry = pool.limits[directive];
  const evidence: Evidence = entry
    ? { kind: 'config', text: `${entry.file}:${entry.line}: ${directive} = ${entry.raw} (pool ${pool.name})` }
    : {
        kind: 'config',
        text: `${pool.file}:${pool.line}: pool ${pool.name} sets no ${directive} (FPM's default applies)`,
      };
  return { ...f, evidence: [...f.evidence, evidence] };
}
