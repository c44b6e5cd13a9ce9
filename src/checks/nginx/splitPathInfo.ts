/**
 * split-path-info-unchecked: the preconditions of CVE-2019-11043. A
 * fastcgi_split_path_info regex with `.` (which does not match a newline in
 * PCRE without (?s)) fails on a URI holding %0a, so $fastcgi_path_info is
 * empty while PATH_INFO is still sent (ngx_http_fastcgi_split: no match, the
 * whole URI is the script name); with no try_files/`if (!-f …)` check of the
 * script, PHP-FPM before 7.1.33/7.2.24/7.3.11 then writes before its buffer
 * (sapi/fpm/fpm/fpm_main.c init_request_info, the path_info underflow).
 * Quiet on nginx's documented form and Debian's snippets/fastcgi-php.conf,
 * which check the script with try_files.
 */
import type { NginxDirective } from '../../nginx/index.js';
import { ownDirectives, type Level } from '../../routing/nginx/config.js';
import { finding } from '../config/make.js';
import type { NginxCheck } from './context.js';
import { at, directiveText, effectiveParams, passLevels, scriptChecked, settingIn, ownStatementUp } from './levels.js';
import type { Finding } from '../../findings/finding.js';

/** A `.` outside a character class and not escaped: it stops at a newline unless (?s) is set. */
export function dotStopsAtNewline(regex: string): boolean {
  if (/\(\?[a-zA-Z]*s[a-zA-Z]*[):]/.test(regex)) return false;
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '.') return true;
  }
  return false;
}

/** Variables whose value is $fastcgi_path_info: `set $path_info $fastcgi_path_info` (Debian's snippet). */
function pathInfoVariables(level: Level): Set<string> {
  const out = new Set(['fastcgi_path_info']);
  for (let l: Level | null = level; l; l = l.parent) {
    // The level's own `set` lines only (the http level may hold 5,000 servers).
    for (const d of ownDirectives(l, 'set')) {
      if (/\$\{?fastcgi_path_info\}?/.test(d.args[1] ?? '')) out.add((d.args[0] ?? '').slice(1));
    }
  }
  return out;
}

export const splitPathInfoCheck: NginxCheck = {
  ids: ['split-path-info-unchecked'],
  run(a) {
    const out: Finding[] = [];
    for (const p of passLevels(a.routing, a.setups)) {
      const split = settingIn(a.routing, p.level, 'fastcgi_split_path_info');
      if (!split || !dotStopsAtNewline(split.args[0] ?? '')) continue;
      const vars = pathInfoVariables(p.level);
      const pathInfo = effectiveParams(p.level).find(
        (d: NginxDirective) =>
          d.args[0] === 'PATH_INFO' &&
          [...(d.args[1] ?? '').matchAll(/\$\{?([A-Za-z0-9_]+)\}?/g)].some((m) => vars.has(m[1] as string)),
      );
      if (!pathInfo || scriptChecked(p)) continue;
      out.push(
        finding({
          id: 'split-path-info-unchecked',
          severity: 'error',
          title: 'nginx passes PATH_INFO from fastcgi_split_path_info without checking the script exists',
          message: `At ${at(p.pass)}, fastcgi_split_path_info ${split.args[0]} (${at(split)}) fails on a URI holding a newline (%0a: "." does not match it), leaving PATH_INFO (${at(pathInfo)}) empty, and nothing checks that the script exists before fastcgi_pass: these are the preconditions of CVE-2019-11043, remote code execution on PHP-FPM before 7.1.33, 7.2.24 and 7.3.11, and every URI ending in .php reaches PHP whether the file exists or not.`,
          at: p.pass,
          evidence: [
            directiveText(ownStatementUp(p.level, split)),
            directiveText(ownStatementUp(p.level, pathInfo)),
            directiveText(p.pass),
          ],
          fix: `Add "try_files $fastcgi_script_name =404;" after the fastcgi_split_path_info line (as Debian's snippets/fastcgi-php.conf does), keep PHP-FPM updated, then nginx -t and reload nginx.`,
        }),
      );
    }
    return out;
  },
};
