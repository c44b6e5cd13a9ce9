/**
 * What FPM checks after the parse (sapi/fpm/fpm/fpm_conf.c: fpm_conf_process_all_pools,
 * fpm_conf_post_process; fpm_unix.c: fpm_unix_conf_wp, fpm_unix_resolve_socket_permissions).
 * FPM names no line for these; we point at the directive that decides, or the pool's [section].
 */
import { intValue, parseTimeSeconds } from './directives.js';
import { fullPath } from './load.js';
import type { FpmAccountLookup, FpmConfig, FpmEntry, FpmFileReader, FpmIssue, FpmPoolConfig } from './types.js';

export interface FpmValidateOptions {
  /** Users and groups of the machine FPM runs on; without it user/group are not looked up. */
  accounts?: FpmAccountLookup;
  /** FPM started as root insists on `user` (fpm_unix_conf_wp); default true (how services start it). */
  asRoot?: boolean;
  reader?: FpmFileReader;
}

export function validateFpmConfig(config: FpmConfig, opts: FpmValidateOptions = {}): FpmIssue[] {
  const issues: FpmIssue[] = [];
  if (config.pools.length === 0 && !config.issues.some((i) => i.severity === 'error')) {
    issues.push({
      file: config.file,
      line: 0,
      message: 'No pool defined. at least one pool section must be specified in config file',
      severity: 'error',
    });
  }
  globalChecks(config, issues);
  const listenSeen = new Map<string, FpmPoolConfig>();
  for (const pool of config.pools) {
    const add = (at: FpmEntry | undefined, message: string) =>
      issues.push({
        file: at?.file ?? pool.file,
        line: at?.line ?? pool.line,
        message: `[pool ${pool.name}] ${message}`,
        severity: 'error',
        pool: pool.name,
      });
    checkPool(pool, config, opts, add);
    const listen = pool.get('listen');
    if (listen && listen.value !== '') {
      const key =
        listen.value.startsWith('/') || /[:]|^\d+$/.test(listen.value)
          ? listen.value
          : fullPath(listen.value, pool.get('prefix')?.value ?? config.prefix);
      const other = listenSeen.get(key);
      if (other) add(listen, `unable to set listen address as it's already used in another pool '${other.name}'`);
      else listenSeen.set(key, pool);
    }
    // pm.status_listen: FPM adds a pool "<name>_status" listening there (fpm_conf.c: fpm_conf_process_all_pools).
    const statusListen = pool.get('pm.status_listen');
    if (statusListen && statusListen.value !== '') {
      const key = listenKeyOf(statusListen.value, pool, config);
      const other = listenSeen.get(key);
      if (other) {
        issues.push({
          file: statusListen.file,
          line: statusListen.line,
          message: `[pool ${pool.name}_status] unable to set listen address as it's already used in another pool '${other.name}'`,
          severity: 'error',
          pool: pool.name,
        });
      } else listenSeen.set(key, { ...pool, name: `${pool.name}_status` });
    }
  }
  return issues;
}

function checkPool(
  pool: FpmPoolConfig,
  config: FpmConfig,
  opts: FpmValidateOptions,
  add: (at: FpmEntry | undefined, message: string) => void,
): void {
  const prefix = pool.get('prefix');
  if (prefix && prefix.value !== '' && opts.reader && !opts.reader.isDirectory(fullPath(prefix.value, config.prefix))) {
    add(prefix, `the prefix '${prefix.value}' does not exist or is not a directory`);
  }
  const listen = pool.get('listen');
  if (!listen || listen.value === '') add(listen, 'no listen address have been defined!');

  const user = pool.get('user');
  const group = pool.get('group');
  // Only an absent user: php-fpm8.2 -t as root takes `user =` (empty) without a word.
  if ((opts.asRoot ?? true) && !user) add(user, 'user has not been defined');
  if (opts.accounts) {
    // Not as root, FPM ignores user and group with a notice (fpm_unix.c: fpm_unix_conf_wp); listen.* still count.
    const asRoot = opts.asRoot ?? true;
    if (asRoot && user && user.value !== '' && !/^\d+$/.test(user.value) && !opts.accounts.userExists(user.value))
      add(user, `cannot get uid for user '${user.value}'`);
    if (asRoot && group && group.value !== '' && !/^\d+$/.test(group.value) && !opts.accounts.groupExists(group.value))
      add(group, `cannot get gid for group '${group.value}'`);
    const owner = pool.get('listen.owner');
    if (owner && owner.value !== '' && !/^\d+$/.test(owner.value) && !opts.accounts.userExists(owner.value))
      add(owner, `cannot get uid for user '${owner.value}'`);
    const lgroup = pool.get('listen.group');
    if (lgroup && lgroup.value !== '' && !/^\d+$/.test(lgroup.value) && !opts.accounts.groupExists(lgroup.value))
      add(lgroup, `cannot get gid for group '${lgroup.value}'`);
  }

  const pm = pool.get('pm');
  const style = pm?.value.toLowerCase();
  if (!style) {
    add(pm, 'the process manager is missing (static, dynamic or ondemand)');
    return;
  }
  const maxChildrenAt = pool.get('pm.max_children');
  const maxChildren = intValue(maxChildrenAt?.value, 0);
  if (maxChildren < 1) {
    add(maxChildrenAt ?? pm, 'pm.max_children must be a positive value');
    return;
  }

  if (style === 'dynamic') {
    const problem = dynamicProblem(pool, maxChildren);
    if (problem) add(problem.at ?? pm, problem.message);
  } else if (style === 'ondemand') {
    const idle = pool.get('pm.process_idle_timeout');
    if (idle && Number.parseInt(idle.value, 10) < 1) add(idle, 'pm.process_idle_timeout must be a positive value');
  }

  for (const key of ['pm.status_path', 'ping.path'] as const) {
    const at = pool.get(key);
    if (at && at.value !== '' && !at.value.startsWith('/'))
      add(at, `the ${key === 'ping.path' ? 'ping' : 'status'} path '${at.value}' must start with a '/'`);
  }
  const priority = pool.get('process.priority');
  if (priority && !priorityInRange(priority.value)) add(priority, 'process.priority must be included into [-19,20]');
  const chdir = pool.get('chdir');
  // Inside a chroot the path is the jail's; it cannot be checked from here.
  if (chdir && chdir.value !== '' && !pool.get('chroot')?.value && opts.reader) {
    const full = fullPath(chdir.value, pool.get('prefix')?.value ?? config.prefix);
    if (!opts.reader.isDirectory(full)) add(chdir, `the chdir path '${full}' does not exist or is not a directory`);
  }
  const chroot = pool.get('chroot');
  if (chroot && chroot.value !== '') {
    if (!chroot.value.startsWith('/')) add(chroot, `the chroot path '${chroot.value}' must start with a '/'`);
    else if (opts.reader && !opts.reader.isDirectory(chroot.value))
      add(chroot, `the chroot path '${chroot.value}' does not exist or is not a directory`);
  }
  const slowTimeout = pool.get('request_slowlog_timeout');
  const terminate = pool.get('request_terminate_timeout');
  const slowSeconds = slowTimeout ? parseTimeSeconds(slowTimeout.value) : 0;
  const terminateSeconds = terminate ? parseTimeSeconds(terminate.value) : 0;
  if (slowSeconds > 0 && terminateSeconds > 0 && slowSeconds > terminateSeconds) {
    add(
      slowTimeout,
      `'request_slowlog_timeout' (${slowSeconds}) can't be greater than 'request_terminate_timeout' (${terminateSeconds})`,
    );
  }
  if (slowTimeout && Number.parseInt(slowTimeout.value, 10) > 0 && !pool.get('slowlog')?.value) {
    add(slowTimeout, "'slowlog' must be specified for use with 'request_slowlog_timeout'");
  }
}

/** pm = dynamic: the spare range and start_servers, in the order FPM checks them (first failure only). */
function dynamicProblem(
  pool: FpmPoolConfig,
  maxChildren: number,
): { at: FpmEntry | undefined; message: string } | undefined {
  const minAt = pool.get('pm.min_spare_servers');
  const maxAt = pool.get('pm.max_spare_servers');
  const startAt = pool.get('pm.start_servers');
  const min = intValue(minAt?.value, 0);
  const max = intValue(maxAt?.value, 0);
  const spawnAt = pool.get('pm.max_spawn_rate');
  if (spawnAt && intValue(spawnAt.value, 32) < 1)
    return { at: spawnAt, message: 'pm.max_spawn_rate must be a positive value' };
  if (min <= 0) return { at: minAt, message: `pm.min_spare_servers(${min}) must be a positive value` };
  if (max <= 0) return { at: maxAt, message: `pm.max_spare_servers(${max}) must be a positive value` };
  if (min > maxChildren || max > maxChildren) {
    return {
      at: min > maxChildren ? minAt : maxAt,
      message: `pm.min_spare_servers(${min}) and pm.max_spare_servers(${max}) cannot be greater than pm.max_children(${maxChildren})`,
    };
  }
  if (max < min)
    return { at: maxAt, message: `pm.max_spare_servers(${max}) must not be less than pm.min_spare_servers(${min})` };
  // Unset (or ≤ 0): FPM takes the middle of the spare range, which is always inside it.
  const start = intValue(startAt?.value, 0);
  if (start > 0 && (start < min || start > max)) {
    return {
      at: startAt,
      message: `pm.start_servers(${start}) must not be less than pm.min_spare_servers(${min}) and not greater than pm.max_spare_servers(${max})`,
    };
  }
  return undefined;
}

/** FPM compares listen addresses as strings, after a relative socket path is put under the prefix. */
function listenKeyOf(value: string, pool: FpmPoolConfig, config: FpmConfig): string {
  return value.startsWith('/') || /:|^\d+$/.test(value)
    ? value
    : fullPath(value, pool.get('prefix')?.value ?? config.prefix);
}

function priorityInRange(value: string): boolean {
  const n = Number.parseInt(value, 10);
  return !Number.isNaN(n) && n >= -19 && n <= 20;
}

/** The [global] checks of fpm_conf_post_process, at the directive's line. */
function globalChecks(config: FpmConfig, issues: FpmIssue[]): void {
  const at = (e: FpmEntry, message: string) => issues.push({ file: e.file, line: e.line, message, severity: 'error' });
  const logLimit = config.globalGet('log_limit');
  if (logLimit && Number.parseInt(logLimit.value || '0', 10) < 512) at(logLimit, 'log_limit must be greater than 512');
  const priority = config.globalGet('process.priority');
  if (priority && !priorityInRange(priority.value)) at(priority, 'process.priority must be included into [-19,20]');
  const events = config.globalGet('events.mechanism');
  // What Linux builds offer (fpm_event.c: fpm_event_pre_init); kqueue, /dev/poll and port are other systems'.
  if (events && events.value !== '' && !['epoll', 'poll', 'select'].includes(events.value.toLowerCase())) {
    at(events, `event mechanism '${events.value}' is not available on this system`);
  }
}
