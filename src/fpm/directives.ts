/**
 * FPM's directive tables (sapi/fpm/fpm/fpm_conf.c: ini_fpm_global_options,
 * ini_fpm_pool_options) and the value parsers they point at (fpm_conf_set_integer,
 * fpm_conf_set_time, fpm_conf_set_boolean, fpm_conf_set_pm, fpm_conf_set_log_level,
 * fpm_conf_set_rlimit_core, fpm_conf_set_syslog_facility). The messages are FPM's own.
 */

export type ValueKind = 'string' | 'int' | 'time' | 'bool' | 'pm' | 'log_level' | 'rlimit_core' | 'syslog_facility';

interface Directive {
  kind: ValueKind;
  /** The first PHP version (major*100+minor) that knows it. */
  since?: number;
}

export const GLOBAL_DIRECTIVES: Readonly<Record<string, Directive>> = {
  pid: { kind: 'string' },
  error_log: { kind: 'string' },
  'syslog.ident': { kind: 'string' },
  'syslog.facility': { kind: 'syslog_facility' },
  log_buffering: { kind: 'bool', since: 703 },
  log_level: { kind: 'log_level' },
  log_limit: { kind: 'int', since: 703 },
  emergency_restart_threshold: { kind: 'int' },
  emergency_restart_interval: { kind: 'time' },
  process_control_timeout: { kind: 'time' },
  'process.max': { kind: 'int' },
  'process.priority': { kind: 'int' },
  daemonize: { kind: 'bool' },
  rlimit_files: { kind: 'int' },
  rlimit_core: { kind: 'rlimit_core' },
  'events.mechanism': { kind: 'string' },
  systemd_interval: { kind: 'time' },
};

export const POOL_DIRECTIVES: Readonly<Record<string, Directive>> = {
  prefix: { kind: 'string' },
  user: { kind: 'string' },
  group: { kind: 'string' },
  listen: { kind: 'string' },
  'listen.backlog': { kind: 'int' },
  'listen.owner': { kind: 'string' },
  'listen.group': { kind: 'string' },
  'listen.mode': { kind: 'string' },
  'listen.allowed_clients': { kind: 'string' },
  // Linux builds with libacl (Debian, RHEL, the Docker images) know these.
  'listen.acl_users': { kind: 'string' },
  'listen.acl_groups': { kind: 'string' },
  'process.priority': { kind: 'int' },
  'process.dumpable': { kind: 'bool' },
  pm: { kind: 'pm' },
  'pm.max_children': { kind: 'int' },
  'pm.start_servers': { kind: 'int' },
  'pm.min_spare_servers': { kind: 'int' },
  'pm.max_spare_servers': { kind: 'int' },
  'pm.max_spawn_rate': { kind: 'int', since: 801 },
  'pm.process_idle_timeout': { kind: 'time' },
  'pm.max_requests': { kind: 'int' },
  'pm.status_path': { kind: 'string' },
  'pm.status_listen': { kind: 'string', since: 800 },
  'ping.path': { kind: 'string' },
  'ping.response': { kind: 'string' },
  'access.log': { kind: 'string' },
  'access.format': { kind: 'string' },
  slowlog: { kind: 'string' },
  request_slowlog_timeout: { kind: 'time' },
  request_slowlog_trace_depth: { kind: 'int' },
  request_terminate_timeout: { kind: 'time' },
  request_terminate_timeout_track_finished: { kind: 'bool', since: 703 },
  rlimit_files: { kind: 'int' },
  rlimit_core: { kind: 'rlimit_core' },
  chroot: { kind: 'string' },
  chdir: { kind: 'string' },
  catch_workers_output: { kind: 'bool' },
  decorate_workers_output: { kind: 'bool', since: 703 },
  clear_env: { kind: 'bool' },
  'security.limit_extensions': { kind: 'string' },
  // Debian and Ubuntu build with AppArmor.
  apparmor_hat: { kind: 'string' },
};

/** key[offset] forms of a pool (fpm_conf_ini_parser_array); flags are booleans. */
export const POOL_ARRAYS: Readonly<Record<string, { bool: boolean; since?: number }>> = {
  env: { bool: false },
  php_value: { bool: false },
  php_flag: { bool: true },
  php_admin_value: { bool: false },
  php_admin_flag: { bool: true },
  'access.suppress_path': { bool: false, since: 802 },
};

export function knows(d: { since?: number } | undefined, version: number | undefined): boolean {
  return d !== undefined && (version === undefined || d.since === undefined || version >= d.since);
}

const BOOLEAN_WORDS = new Set(['1', 'yes', 'true', 'on', '0', '', 'no', 'false', 'off', 'none']);

/** A boolean directive's value as FPM sets it. */
export function booleanValue(value: string): boolean {
  return ['1', 'yes', 'true', 'on'].includes(value);
}

const SYSLOG_FACILITIES = new Set([
  'auth',
  'authpriv',
  'cron',
  'daemon',
  'ftp',
  'kern',
  'lpr',
  'mail',
  'news',
  'syslog',
  'user',
  'uucp',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
]);

/** FPM's complaint about a value, or undefined when FPM takes it. `value` is after the INI scanner. */
export function checkValue(kind: ValueKind, value: string): string | undefined {
  switch (kind) {
    case 'string':
      return undefined;
    case 'int':
      // fpm_conf_set_integer: digits, one leading '-'; the empty string is 0.
      return /^-?\d*$/.test(value) ? undefined : 'is not a valid number (greater or equal than zero)';
    case 'time': {
      // fpm_conf_set_time: digits with an optional s/m/h/d suffix.
      if (value === '') return 'invalid time value';
      const last = value[value.length - 1] ?? '';
      return /[smhd0-9]/.test(last) ? undefined : 'unknown suffix used in time value';
    }
    case 'bool':
      // Unquoted yes/on/true/no/off/false/none are already "1"/"" (the scanner); quoted, FPM 8.2
      // takes these lower-case words too (checked against php-fpm8.2 -t: "none" and "0" pass, "On" fails).
      return BOOLEAN_WORDS.has(value) ? undefined : 'invalid boolean value';
    case 'pm':
      return /^(static|dynamic|ondemand)$/i.test(value)
        ? undefined
        : 'invalid process manager (static, dynamic or ondemand)';
    case 'log_level':
      return /^(debug|notice|warning|warn|error|alert)$/i.test(value) ? undefined : "invalid value for 'log_level'";
    case 'rlimit_core':
      if (/^unlimited$/i.test(value)) return undefined;
      if (!/^-?\d*$/.test(value)) return 'is not a valid number (greater or equal than zero)';
      return Number(value || '0') < 0 ? "must be greater than zero or 'unlimited'" : undefined;
    case 'syslog_facility':
      return SYSLOG_FACILITIES.has(value.toLowerCase()) ? undefined : "invalid value for 'syslog.facility'";
  }
}

/** A time value in seconds (fpm_conf_set_time; atoi semantics: leading digits). */
export function parseTimeSeconds(value: string): number {
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[value.slice(-1)] ?? 1;
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? 0 : n * unit;
}

/** A php.ini size (memory_limit = 128M): zend_atol's k/m/g suffixes, in bytes; undefined when unreadable. */
export function parseIniSize(value: string): number | undefined {
  const m = /^\s*(-?\d+)\s*([kKmMgG]?)\s*$/.exec(value);
  if (!m?.[1]) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

/** FPM's `atoi` on an integer directive. */
export function intValue(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? 0 : n;
}
