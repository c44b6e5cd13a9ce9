/**
 * fix-pathinfo-exec: a PHP location that hands files to PHP-FPM without
 * checking they exist (no try_files, no `if (!-f …)`), in front of a pool
 * whose PHP runs with cgi.fix_pathinfo=1 (PHP's default): a request for
 * /uploads/avatar.jpg/x.php reaches PHP with SCRIPT_FILENAME
 * …/avatar.jpg/x.php, PHP walks back to the file that exists
 * (sapi/fpm/fpm/fpm_main.c init_request_info, the fix_pathinfo branch) and
 * runs avatar.jpg as PHP — unless security.limit_extensions refuses it
 * (fpm_php.c fpm_php_limit_extensions: FPM's default ".php .phar").
 *
 * The pool is the one that listens where fastcgi_pass points (src/fpm); its
 * php.ini is its installation's (/etc/php/<v>/fpm/php.ini and conf.d/*.ini on
 * Debian, /etc/php.ini and /etc/php.d on RHEL, /usr/local/etc/php in the
 * official image), then the pool's php_admin_value/php_value.
 *
 * fix-pathinfo-exec (error): nothing stops it (limit_extensions emptied or
 * widened to non-PHP names). fix-pathinfo-guarded (info): only
 * security.limit_extensions stands in the way — safe today, one layer deep.
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import { scanIni } from '../../fpm/index.js';
import { isProbeError, type FileSystem } from '../../system/index.js';
import type { ProbeContext } from '../probes/context.js';
import { entryText, poolAt, type PoolOfInstallation } from '../probes/fpmPoolsOfSetups.js';
import { poolExtensions } from '../probes/limitExtensions.js';
import { finding } from '../config/make.js';
import type { NginxAnalysis } from './analyze.js';
import { at, directiveText, passesPhp, passLevels, scriptChecked } from './levels.js';

const PHP_LIKE = /^\.(?:php\d*|phtml|phar)$/i;
const MAX_INI_FILES = 64;

export interface IniValue {
  value: string;
  /** "file:line: cgi.fix_pathinfo = 0", or a note that PHP's default applies. */
  where: string;
}

/** php.ini files of the pool's installation, in the order PHP reads them (the main file, then the scan dir sorted). */
export function phpIniFiles(p: PoolOfInstallation, fs: FileSystem): string[] {
  const v = p.version;
  const candidates: [string, string][] = [];
  if (p.config.startsWith('/etc/php/') && v) candidates.push([`/etc/php/${v}/fpm/php.ini`, `/etc/php/${v}/fpm/conf.d`]);
  else if (p.config === '/etc/php-fpm.conf') candidates.push(['/etc/php.ini', '/etc/php.d']);
  else if (p.config.startsWith('/usr/local/etc/'))
    candidates.push(['/usr/local/etc/php/php.ini', '/usr/local/etc/php/conf.d']);
  const out: string[] = [];
  for (const [ini, dir] of candidates) {
    if (fs.exists(ini)) out.push(ini);
    const names = fs.listDir(dir);
    if (!isProbeError(names))
      for (const n of names
        .filter((x) => x.endsWith('.ini'))
        .sort()
        .slice(0, MAX_INI_FILES))
        out.push(path.posix.join(dir, n));
  }
  return out;
}

/** The value a PHP setting has in this pool: the last php.ini line, then the pool's php_value, php_admin_value. */
export function poolIniValue(p: PoolOfInstallation, fs: FileSystem, key: string, dflt: string): IniValue {
  let found: IniValue = { value: dflt, where: `${key} not set in php.ini: PHP's default ${dflt}` };
  for (const file of phpIniFiles(p, fs)) {
    const text = fs.readText(file);
    if (isProbeError(text)) continue;
    for (const e of scanIni(text.slice(0, 1024 * 1024))) {
      if (e.kind === 'entry' && e.key === key && e.offset === undefined)
        found = { value: e.value ?? '', where: `${file}:${e.line}: ${key} = ${e.raw}` };
    }
  }
  const pool =
    p.pool.phpAdminValues.filter((e) => e.offset === key).at(-1) ??
    p.pool.phpValues.filter((e) => e.offset === key).at(-1);
  if (pool) found = { value: pool.value, where: entryText(pool) };
  return found;
}

function truthy(v: string): boolean {
  return v !== '' && v !== '0';
}

export function fixPathinfoFindings(ctx: ProbeContext, a: NginxAnalysis): Finding[] {
  const out: Finding[] = [];
  const inScope = new Set(ctx.setups.map((s) => s.id));
  for (const p of passLevels(a.routing, a.setups)) {
    if (!p.setup || !inScope.has(p.setup.id) || !passesPhp(p) || scriptChecked(p)) continue;
    const loc = p.location;
    // A PHP location by extension (location ~ \.php$): a prefix location names one place, not any *.php.
    if (!loc || (loc.modifier !== '~' && loc.modifier !== '~*')) continue;
    const pool = poolAt(ctx, p.setup.endpoint);
    if (!pool) continue;
    const fix = poolIniValue(pool, ctx.system.fs, 'cgi.fix_pathinfo', '1');
    if (!truthy(fix.value)) continue;
    const lim = poolExtensions(pool);
    const stopped = lim.extensions.length > 0 && lim.extensions.every((e) => PHP_LIKE.test(e));
    const limText = lim.entry
      ? entryText(lim.entry)
      : `[${pool.pool.name}] (${pool.pool.file}:${pool.pool.line}): security.limit_extensions unset, FPM's default .php .phar`;
    const at0 = loc.level.at ?? p.pass;
    const where = `location ${loc.modifier} ${loc.name} (${at(at0)}) passes every URI ending in .php to pool [${pool.pool.name}] without checking that the file exists, and that pool's PHP runs with cgi.fix_pathinfo=${fix.value} (${fix.where})`;
    const existenceFix = `Check the script exists before passing it: add "try_files $uri =404;" (or "try_files $fastcgi_script_name =404;" after fastcgi_split_path_info; on Debian "include snippets/fastcgi-php.conf;" does it) in this location, then nginx -t and reload nginx.`;
    const evidence = [directiveText(at0), directiveText(p.pass), fix.where, limText];
    // The contract's fix-pathinfo-exec is the case where nothing stops the exploit; with the pool's
    // limit in the way the site is safe today, and what is left is a single layer worth knowing of.
    const f = stopped
      ? finding({
          id: 'fix-pathinfo-guarded',
          severity: 'info',
          title: 'Only security.limit_extensions keeps an uploaded file from running as PHP',
          message: `${where}: a request for /uploads/avatar.jpg/x.php makes PHP fall back to /uploads/avatar.jpg, which the pool's security.limit_extensions (${lim.extensions.join(' ')}) refuses today (FPM answers 403 "Access denied."). That limit is the only layer: widen it, or empty it, and an uploaded image runs as code. Requests for .php files that do not exist also reach PHP-FPM, which logs "Primary script unknown" for each.`,
          at: at0,
          evidence,
          fix: `${existenceFix} Keep security.limit_extensions to PHP names in the pool; cgi.fix_pathinfo=0 in the pool's php.ini closes it on PHP's side too.`,
        })
      : finding({
          id: 'fix-pathinfo-exec',
          severity: 'error',
          title: 'A request for a non-script file can run an uploaded file as PHP',
          message: `${where}: a request for /uploads/avatar.jpg/x.php makes PHP fall back to /uploads/avatar.jpg and run it as PHP, and the pool's security.limit_extensions (${lim.extensions.length === 0 ? 'empty: every extension' : lim.extensions.join(' ')}) does not stop it: anyone who can upload a file can run code.`,
          at: at0,
          evidence,
          fix: `${existenceFix} Setting cgi.fix_pathinfo=0 in the pool's php.ini closes it on PHP's side too.`,
        });
    f.setup = p.setup.id;
    out.push(f);
  }
  return out;
}

/**
 * httpoxy, live: PHP before 5.6.24 and 7.0.9 also lets getenv('HTTP_PROXY') read the header
 * (PHP bug #72573); later ones drop it (a real PHP-FPM 8.2 shows it nowhere). The
 * configuration's findings are re-made with the pool's PHP version known.
 */
export function httpoxyLive(ctx: ProbeContext, a: NginxAnalysis, offline: readonly Finding[]): Finding[] {
  return offline.map((f) => {
    const s = a.setups.find((x) => x.definedAt.file === f.location?.file && x.definedAt.line === f.location.line);
    const v = s ? poolAt(ctx, s.endpoint)?.version : undefined;
    const old = v !== undefined && /^(5\.|7\.0$)/.test(v);
    return {
      ...f,
      id: 'httpoxy-not-mitigated',
      severity: old ? 'warning' : 'info',
      message: old
        ? `${f.message} The pool's PHP ${v} may predate the fix of PHP bug #72573, so even getenv('HTTP_PROXY') returns the header.`
        : f.message,
      ...(s ? { setup: s.id } : {}),
    };
  });
}
