/**
 * Where PHP-FPM installations keep their main configuration, and which one each
 * running master was started with. The PHP version comes from the path
 * (/etc/php/8.3/…) or the binary's name (php-fpm8.3); never assumed.
 */
import type { FpmFileReader } from './types.js';

export interface FpmInstallation {
  layout: 'debian' | 'rhel' | 'docker' | 'master';
  /** The main configuration file (php-fpm.conf or -y's argument). */
  config: string;
  /** FPM's prefix: relative include= and paths are under it. */
  prefix: string;
  /** "8.3" when the path or binary says; undefined when nothing does. */
  version?: string;
  /** The master's pid, for layout 'master'. */
  pid?: number;
  /** The php.ini given with -c. */
  phpIni?: string;
}

/** A running master as the caller read it from /proc/PID/cmdline and /proc/PID/exe. */
export interface FpmMasterCommand {
  pid: number;
  argv: readonly string[];
  /** The binary (/proc/PID/exe), e.g. /usr/sbin/php-fpm8.3. */
  exe?: string;
}

const MAX_VERSIONS = 64;

/** "8.3" from /etc/php/8.3/…, php-fpm8.3, php83-fpm; undefined otherwise. */
export function phpVersionOf(text: string): string | undefined {
  const m = /\/php\/(\d+\.\d+)\//.exec(text) ?? /php-fpm(\d+\.\d+)\b/.exec(text) ?? /\bphp(\d)(\d)-fpm\b/.exec(text);
  if (!m?.[1]) return undefined;
  return m[2] !== undefined ? `${m[1]}.${m[2]}` : m[1];
}

/** major*100+minor for directive tables (8.3 → 803). */
export function versionNumber(version: string | undefined): number | undefined {
  const m = version ? /^(\d+)\.(\d+)/.exec(version) : null;
  return m?.[1] && m[2] ? Number(m[1]) * 100 + Number(m[2]) : undefined;
}

/**
 * A master's command line: `php-fpm8.3 -y FILE -p DIR -c INI`, `--fpm-config=FILE`, and the
 * title a running master gives itself, `php-fpm: master process (/etc/php/8.3/fpm/php-fpm.conf)`.
 */
export function installationOfMaster(
  cmd: FpmMasterCommand,
  defaults: { config?: string; prefix?: string } = {},
): FpmInstallation | undefined {
  let config: string | undefined;
  let prefix: string | undefined;
  let phpIni: string | undefined;
  const argv = cmd.argv;
  const title = /master process \((.+)\)\s*$/.exec(argv.join(' '));
  if (title?.[1]) config = title[1];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const next = argv[i + 1];
    const eq = /^--(fpm-config|prefix|php-ini)=(.*)$/.exec(a);
    if (eq?.[1] && eq[2] !== undefined) {
      if (eq[1] === 'fpm-config') config = eq[2];
      else if (eq[1] === 'prefix') prefix = eq[2];
      else phpIni = eq[2];
    } else if ((a === '-y' || a === '--fpm-config') && next !== undefined) config = next;
    else if ((a === '-p' || a === '--prefix') && next !== undefined) prefix = next;
    else if ((a === '-c' || a === '--php-ini') && next !== undefined) phpIni = next;
    else if (/^-y./.test(a)) config = a.slice(2);
    else if (/^-p./.test(a)) prefix = a.slice(2);
    else if (/^-c./.test(a)) phpIni = a.slice(2);
  }
  const version = phpVersionOf(`${cmd.exe ?? ''} ${argv[0] ?? ''} ${config ?? ''}`);
  config ??= defaults.config;
  if (!config) return undefined;
  return {
    layout: 'master',
    config,
    prefix: prefix ?? defaults.prefix ?? prefixOf(config),
    pid: cmd.pid,
    ...(version ? { version } : {}),
    ...(phpIni ? { phpIni } : {}),
  };
}

/** The prefix a packaged FPM was built with: /usr/local for the Docker images, /usr elsewhere. */
function prefixOf(config: string): string {
  return config.startsWith('/usr/local/') ? '/usr/local' : '/usr';
}

/** Every installation on the machine: the packaged layouts, then each running master's own. */
export function findFpmInstallations(
  reader: FpmFileReader,
  masters: readonly FpmMasterCommand[] = [],
): FpmInstallation[] {
  const found: FpmInstallation[] = [];
  const versions = reader.listDir('/etc/php');
  if (Array.isArray(versions)) {
    for (const v of versions.filter((n) => /^\d+\.\d+$/.test(n)).slice(0, MAX_VERSIONS)) {
      const config = `/etc/php/${v}/fpm/php-fpm.conf`;
      if (reader.exists(config)) found.push({ layout: 'debian', config, prefix: '/usr', version: v });
    }
  }
  if (reader.exists('/etc/php-fpm.conf')) found.push({ layout: 'rhel', config: '/etc/php-fpm.conf', prefix: '/usr' });
  if (reader.exists('/usr/local/etc/php-fpm.conf'))
    found.push({ layout: 'docker', config: '/usr/local/etc/php-fpm.conf', prefix: '/usr/local' });
  for (const m of masters) {
    const inst = installationOfMaster(m);
    if (!inst) continue;
    const same = found.find((f) => f.config === inst.config && f.pid === undefined);
    // The running master says which version and prefix are really in use.
    if (same)
      Object.assign(same, { pid: inst.pid, prefix: inst.prefix, ...(inst.version ? { version: inst.version } : {}) });
    else found.push(inst);
  }
  return found;
}
