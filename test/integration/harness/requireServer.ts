/**
 * Is a server binary installed? On CI a missing server is a failure (throw,
 * naming the package to install); on a developer machine the suite is skipped
 * with a clear reason (`describe.skipIf(!requireBinary(...))`).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** The CLI as users run it (it loads dist/bundle/main.cjs). */
export const BIN = join(ROOT, 'bin', 'fcgi-doctor.cjs');

/**
 * Is the bundled CLI built? `npm test` builds it first, so on CI a missing
 * bundle is a failure; on a developer machine the suites that run the bin skip.
 */
export function requireBuiltCli(): boolean {
  const built = existsSync(join(ROOT, 'dist', 'bundle', 'main.cjs'));
  if (process.env.CI && !built) throw new Error('dist/bundle/main.cjs is missing: npm test builds it before the tests');
  return built;
}

/**
 * The PHP-FPM binary among `names` (the entries of `dir`): Debian and Ubuntu
 * install it versioned (php-fpm8.2, php-fpm8.3…), the newest wins when several
 * are installed; RHEL, Alpine and the official image call it php-fpm. When
 * none is there, the name Debian's current package would install, so a missing
 * server is reported under a path that explains itself.
 */
export function pickPhpFpmBinary(dir: string, names: readonly string[]): string {
  const versioned = names
    .map((n) => /^php-fpm(\d+)\.(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]) || Number(b[2]) - Number(a[2]));
  if (versioned[0]) return join(dir, versioned[0][0]);
  return join(dir, 'php-fpm');
}

/** PHP_FPM_BINARY in the environment, else what /usr/sbin holds (see pickPhpFpmBinary). */
export function findPhpFpmBinary(): string {
  const chosen = process.env.PHP_FPM_BINARY;
  if (chosen) return chosen;
  let names: string[] = [];
  try {
    names = readdirSync('/usr/sbin');
  } catch {
    // no /usr/sbin: reported as missing below
  }
  return pickPhpFpmBinary('/usr/sbin', names);
}

/** The binaries the harness runs and the Debian package of each (see scripts/install-test-servers.sh). */
export const BINARIES = {
  phpFpm: { name: 'php-fpm', path: findPhpFpmBinary(), pkg: 'php-fpm' },
  uwsgi: { name: 'uwsgi', path: '/usr/bin/uwsgi-core', pkg: 'uwsgi-core' },
  uwsgiPython3: {
    name: 'uwsgi python3 plugin',
    path: '/usr/lib/uwsgi/plugins/python3_plugin.so',
    pkg: 'uwsgi-plugin-python3',
  },
  fcgiwrap: { name: 'fcgiwrap', path: '/usr/sbin/fcgiwrap', pkg: 'fcgiwrap' },
  spawnFcgi: { name: 'spawn-fcgi', path: '/usr/bin/spawn-fcgi', pkg: 'spawn-fcgi' },
  cgiFcgi: { name: 'cgi-fcgi', path: '/usr/bin/cgi-fcgi', pkg: 'libfcgi-bin' },
  perl: { name: 'perl', path: '/usr/bin/perl', pkg: 'perl' },
  apache: { name: 'apache2', path: '/usr/sbin/apache2', pkg: 'apache2' },
  nginx: { name: 'nginx', path: '/usr/sbin/nginx', pkg: 'nginx' },
  modFcgid: { name: 'mod_fcgid', path: '/usr/lib/apache2/modules/mod_fcgid.so', pkg: 'libapache2-mod-fcgid' },
  modProxyFcgi: { name: 'mod_proxy_fcgi', path: '/usr/lib/apache2/modules/mod_proxy_fcgi.so', pkg: 'apache2' },
  prometheus: { name: 'prometheus', path: '/usr/bin/prometheus', pkg: 'prometheus' },
  promtool: { name: 'promtool', path: '/usr/bin/promtool', pkg: 'prometheus' },
  setfacl: { name: 'setfacl', path: '/usr/bin/setfacl', pkg: 'acl' },
  nodeExporter: { name: 'node_exporter', path: '/usr/bin/prometheus-node-exporter', pkg: 'prometheus-node-exporter' },
} as const;

const PACKAGE_BY_PATH = new Map<string, string>(Object.values(BINARIES).map((b) => [b.path, b.pkg]));

function usable(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `path` exists (and is executable unless it ends in .so).
 * When it does not: with `process.env.CI` set, throws an Error naming the
 * package to install (`pkg`, else the package known for `path`, else `name`);
 * otherwise returns false.
 */
export function requireBinary(name: string, path: string, pkg?: string): boolean {
  const mode = path.endsWith('.so') ? constants.R_OK : constants.X_OK;
  if (usable(path, mode)) return true;
  const pkgName = pkg ?? PACKAGE_BY_PATH.get(path) ?? name;
  if (process.env.CI) {
    throw new Error(
      `${name} (${path}) is missing: install the Debian package ${pkgName} (npm run test:servers does it). ` +
        'On CI a missing test server is a failure, not a skip.',
    );
  }
  return false;
}

/** requireBinary for one of BINARIES. */
export function hasBinary(b: { name: string; path: string; pkg: string }): boolean {
  return requireBinary(b.name, b.path, b.pkg);
}

/** The reason to print when a suite is skipped because `name` is missing. */
export function missingReason(name: string, path: string, pkg?: string): string {
  return `${name} not installed (${path}; apt-get install ${pkg ?? PACKAGE_BY_PATH.get(path) ?? name}, or npm run test:servers)`;
}

/** True when the Perl module `module` loads (e.g. FCGI from libfcgi-perl). Same CI rule as requireBinary. */
export function requirePerlModule(module: string, pkg: string): boolean {
  if (!requireBinary('perl', '/usr/bin/perl', 'perl')) return false;
  const r = spawnSync('/usr/bin/perl', [`-M${module}`, '-e', '1'], { stdio: 'ignore' });
  if (r.status === 0) return true;
  if (process.env.CI) throw new Error(`Perl module ${module} is missing: install the Debian package ${pkg}.`);
  return false;
}
