/**
 * htaccess-invalid-command: the .htaccess problems a request's route meets
 * (src/routing/apache/htaccess.ts), as findings. One finding per .htaccess
 * file and cause: many URLs of a site cross the same file, and Apache stops
 * at its first bad line, so that line is the one to fix (the ones after it
 * may hide more, which Apache will say once this one is gone).
 */
import { overrideSpec } from '../../apache/index.js';
import type { Evidence, Finding } from '../../findings/finding.js';
import type { HtaccessProblem } from '../../routing/types.js';

export interface HtaccessWhere {
  /** The vhost whose requests cross the file ("blog.example.org (/etc/apache2/sites-enabled/blog.conf:1)"). */
  vhost?: string;
}

const TITLE = 'A .htaccess file holds a directive Apache cannot run there';

/** "memory_limit 256M" → ["memory_limit", "256M"]; quotes kept out. */
function nameAndValue(text: string | undefined): [string, string] | undefined {
  const m = /^\s*(\S+)\s+(.*?)\s*$/.exec(text ?? '');
  if (!m?.[1] || m[2] === undefined) return undefined;
  return [m[1], m[2].replace(/^"(.*)"$/, '$1')];
}

function dirOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash > 0 ? file.slice(0, slash) : '/';
}

/** What to write instead of a php_* line, for PHP-FPM (or any PHP without mod_php). */
function phpFix(p: HtaccessProblem): string {
  const directive = p.directive.toLowerCase();
  const nv = nameAndValue(p.text);
  const [name, value] = nv ?? ['NAME', 'VALUE'];
  const admin = directive.startsWith('php_admin_');
  const flag = directive.endsWith('_flag');
  const iniValue = flag ? (/^(on|1|true|yes)$/i.test(value) ? 'On' : 'Off') : value;
  const poolKey = `${admin ? 'php_admin_' : 'php_'}${flag ? 'flag' : 'value'}[${name}] = ${flag ? iniValue.toLowerCase() : value}`;
  const steps = [
    `Remove line ${p.line} (\`${p.directive} ${p.text ?? ''}\`) from ${p.file}.`,
    admin
      ? `Set it in the PHP-FPM pool file (e.g. /etc/php/8.2/fpm/pool.d/www.conf) as \`${poolKey}\`, then reload PHP-FPM (\`systemctl reload php8.2-fpm\`); php_admin_* never belongs in .htaccess, even with mod_php.`
      : `Either write \`${name} = ${iniValue}\` in ${dirOf(p.file)}/.user.ini (PHP-FPM reads it for scripts below that directory, within user_ini.cache_ttl, 300 s by default; only settings of mode PHP_INI_PERDIR or PHP_INI_ALL), or set it for the whole pool in its pool file as \`${poolKey}\` and reload PHP-FPM.`,
    'If the site is meant to run under mod_php instead, that module must be loaded (`a2dismod mpm_event && a2enmod mpm_prefork php8.2`, with the PHP version installed): php_value and php_flag exist only there.',
  ];
  return steps.map((s, i) => `${i + 1}. ${s}`).join('\n');
}

function shortModule(id: string): string {
  return id.replace(/_module$/, '');
}

function unknownFix(p: HtaccessProblem): string {
  if (/^php_/i.test(p.directive)) return phpFix(p);
  const spec = overrideSpec(p.directive);
  const mod = spec?.modules[0];
  if (!mod) return `Correct or remove line ${p.line} of ${p.file} (\`${p.directive}\`).`;
  return [
    `1. \`${p.directive}\` is defined by ${shortModule(mod)} (mod_${shortModule(mod)}), which this server does not load.`,
    `2. If the site needs it: \`a2enmod ${shortModule(mod)} && systemctl reload apache2\` (elsewhere: a LoadModule ${mod} line).`,
    `3. If not: remove line ${p.line} from ${p.file}, or wrap the block in \`<IfModule mod_${shortModule(mod)}.c>\` … \`</IfModule>\` so it is skipped while the module is absent.`,
  ].join('\n');
}

function notAllowedFix(p: HtaccessProblem): string {
  const option = /: Option (\S+) not allowed here$/.exec(p.message)?.[1];
  const spec = overrideSpec(p.directive);
  const where = p.allowOverride
    ? `\`${p.allowOverride.text}\` (${p.allowOverride.file}:${p.allowOverride.line})`
    : 'the AllowOverride of this directory (none is written: the default is None)';
  if (option) {
    return [
      `1. ${where} lets .htaccess set only the options its Options=… list names.`,
      `2. Add ${option} to that list (\`AllowOverride … Options=…,${option}\`), or set \`Options +${option}\` in the <Directory> section itself and remove it from ${p.file}:${p.line}.`,
      '3. `apachectl configtest && systemctl reload apache2`.',
    ].join('\n');
  }
  const classes = spec ? [...spec.classes] : [];
  if (classes.length === 0) {
    return [
      `1. \`${p.directive}\` may never appear in .htaccess, whatever AllowOverride says.`,
      `2. Move line ${p.line} of ${p.file} into the <VirtualHost> or <Directory> section of the site's configuration (for php_admin_*: the PHP-FPM pool file), and remove it from the .htaccess.`,
      '3. `apachectl configtest && systemctl reload apache2`.',
    ].join('\n');
  }
  return [
    `1. ${where} does not allow ${classes.join(' or ')}, the class \`${p.directive}\` belongs to.`,
    `2. Either add it to that line (\`AllowOverride … ${classes[0]}\`, or \`AllowOverrideList ${p.directive}\` for this directive alone), or move line ${p.line} of ${p.file} into the <Directory> section and remove it from the .htaccess.`,
    '3. `apachectl configtest && systemctl reload apache2`.',
  ].join('\n');
}

function unreadableFix(p: HtaccessProblem): string {
  const dir = dirOf(p.file);
  if (p.message.includes('AH00554'))
    return `1. ${p.file} is not a regular file: replace it with a regular file (or remove it).`;
  return [
    `1. Let the user Apache runs as read it: \`chmod o+r ${p.file}\` (or \`chgrp www-data ${p.file} && chmod g+r ${p.file}\`).`,
    `2. Every directory down to ${dir} needs the search (x) bit for that user: \`namei -l ${p.file}\` shows them.`,
  ].join('\n');
}

function syntaxFix(p: HtaccessProblem): string {
  if (p.message.includes("Invalid command '\\xef\\xbb\\xbf"))
    return `1. Save ${p.file} as UTF-8 without a byte order mark (BOM): in most editors "UTF-8" rather than "UTF-8 with BOM"; or \`sed -i '1s/^\\xEF\\xBB\\xBF//' ${p.file}\`.`;
  if (p.message.includes('not a text file'))
    return `1. ${p.file} is binary (saved in the wrong format, or not a .htaccess at all): replace it with a text file, or remove it.`;
  return `1. Correct line ${p.line} of ${p.file} as the message says; Apache reads nothing of the file until it parses.`;
}

function messageOf(p: HtaccessProblem, where: HtaccessWhere): string {
  const scope = where.vhost ? ` of ${where.vhost}` : '';
  switch (p.kind) {
    case 'unreadable':
      return `Apache cannot open ${p.file}, so every URL${scope} at or below ${dirOf(p.file)} answers 403 Forbidden. Its error log says: ${p.message}`;
    case 'unknown':
      return `${p.file}:${p.line}: no module this server loads defines \`${p.directive}\`, so every URL${scope} at or below ${dirOf(p.file)} answers 500. Apache's error log says: ${p.message}`;
    case 'not-allowed':
      return `${p.file}:${p.line}: AllowOverride does not let .htaccess hold \`${p.directive}\` here, so every URL${scope} at or below ${dirOf(p.file)} answers 500. Apache's error log says: ${p.message}`;
    default:
      return `${p.file}:${p.line}: Apache cannot parse this .htaccess, so every URL${scope} at or below ${dirOf(p.file)} answers 500: ${p.message}`;
  }
}

function evidenceOf(p: HtaccessProblem): Evidence[] {
  const out: Evidence[] = [];
  const line = `${p.directive} ${p.text ?? ''}`.trim();
  // A line with nothing printable to quote (a binary file) is said by the message; its probe is the evidence.
  if (p.kind === 'unreadable' || line === '') out.push({ kind: 'probe', text: p.message });
  else out.push({ kind: 'config', text: `${p.file}:${p.line}: ${line}` });
  if (p.allowOverride)
    out.push({ kind: 'config', text: `${p.allowOverride.file}:${p.allowOverride.line}: ${p.allowOverride.text}` });
  return out;
}

function fixOf(p: HtaccessProblem): string {
  switch (p.kind) {
    case 'unknown':
      return unknownFix(p);
    case 'not-allowed':
      return /^php_/i.test(p.directive) ? phpFix(p) : notAllowedFix(p);
    case 'unreadable':
      return unreadableFix(p);
    default:
      return syntaxFix(p);
  }
}

/** One finding per .htaccess file and cause (the same problem met by many URLs is said once). */
export function htaccessFindings(problems: readonly HtaccessProblem[], where: HtaccessWhere = {}): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const p of problems) {
    const key = `${p.file}\0${p.kind}\0${p.line}\0${p.directive}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      id: 'htaccess-invalid-command',
      severity: 'error',
      title: TITLE,
      message: messageOf(p, where),
      location: p.line > 0 ? { file: p.file, line: p.line } : { file: p.file },
      evidence: evidenceOf(p),
      fix: fixOf(p),
    });
  }
  return out;
}
