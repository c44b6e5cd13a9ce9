/**
 * proxy-routes-static-files: a route to what looks like PHP-FPM that is not
 * limited to .php, so images and CSS go to FPM too and are refused
 * (security.limit_extensions → 403 "Access denied."). Routes to other FastCGI
 * applications (a Python app serving everything) are legitimate and skipped.
 */
import type { Finding } from '../../findings/finding.js';
import type { ConfigCheck } from './context.js';
import { at, finding } from './make.js';

function looksLikeFpm(url: string): boolean {
  return /php|fpm/i.test(url) || /:9000\b/.test(url);
}

export const proxyRoutesStaticFilesCheck: ConfigCheck = {
  ids: ['proxy-routes-static-files'],
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.model.setups) {
      if (!s.active || s.module !== 'proxy_fcgi' || !s.backendUrl || !looksLikeFpm(s.backendUrl)) continue;
      const m = s.reachedBy[0];
      if (!m) continue;
      const limited =
        /php|\\\.|\.ph/i.test(m.files ?? '') ||
        (m.urlRegex !== undefined && /php/i.test(m.urlRegex)) ||
        (m.kind === 'SetHandler' && m.files !== undefined);
      if (limited || m.kind === 'BalancerMember') continue;
      if (m.kind === 'RewriteRule') continue;
      out.push(
        finding({
          id: 'proxy-routes-static-files',
          severity: 'warning',
          title: 'All files, not only PHP scripts, are sent to PHP-FPM',
          message: `"${s.directive}" sends every request${m.urlPath ? ` under ${m.urlPath}` : ''} to ${s.backendUrl}, images, CSS and JavaScript included. PHP-FPM refuses files that do not end in .php ("Access to the script … has been denied (see security.limit_extensions)") and the visitor gets 403 "Access denied.".`,
          at: s.definedAt,
          evidence: [`${at(s.definedAt)}: ${s.directive}`],
          fix: 'Limit the route to scripts: <FilesMatch "\\.php$"> SetHandler "proxy:…" </FilesMatch>, or ProxyPassMatch "^/(.*\\.php(/.*)?)$" "…/$1".',
        }),
      );
    }
    return out;
  },
};
