/**
 * httpoxy-not-mitigated: nginx turns each request header into an HTTP_* param
 * (ngx_http_fastcgi_create_request, fastcgi_pass_request_headers on), so a
 * client's "Proxy:" header reaches PHP as HTTP_PROXY, which many HTTP clients
 * (Guzzle before 6.2.1, PHP's getenv('HTTP_PROXY') users) take as their proxy
 * (httpoxy, CVE-2016-5385). `fastcgi_param HTTP_PROXY "";` replaces the header.
 */
import type { Finding } from '../../findings/finding.js';
import { finding } from '../config/make.js';
import type { NginxCheck } from './context.js';
import { directiveText, effectiveParams, passesPhp, passLevels, settingIn } from './levels.js';

export const httpoxyCheck: NginxCheck = {
  ids: ['httpoxy-not-mitigated'],
  run(a) {
    const out: Finding[] = [];
    for (const p of passLevels(a.routing, a.setups)) {
      if (!passesPhp(p)) continue;
      if (settingIn(a.routing, p.level, 'fastcgi_pass_request_headers')?.args[0] === 'off') continue;
      if (effectiveParams(p.level).some((d) => d.args[0] === 'HTTP_PROXY')) continue;
      out.push(
        finding({
          id: 'httpoxy-not-mitigated',
          // info: PHP-FPM since 5.6.24/7.0.9 drops the header (seen on 8.2: not in $_SERVER either); the live step raises it for older pools.
          severity: 'info',
          title: "A client's Proxy: header reaches PHP as HTTP_PROXY (httpoxy)",
          message: `nginx passes every request header to ${p.pass.args[0] ?? 'the backend'} as an HTTP_* param, and no fastcgi_param HTTP_PROXY is in effect here: a request with "Proxy: http://attacker:8080" sets HTTP_PROXY, which HTTP client libraries of PHP applications may use as their outgoing proxy (httpoxy, CVE-2016-5385). PHP-FPM since 5.6.24 and 7.0.9 drops this one header (PHP bug #72573: a real PHP-FPM 8.2 shows it neither in getenv() nor in $_SERVER), so a current PHP pool is not exposed; an older PHP, or a FastCGI application in another language (Python, Go, Perl), is.`,
          at: p.pass,
          evidence: [directiveText(p.pass)],
          fix: `Add fastcgi_param HTTP_PROXY ""; next to the other fastcgi_param lines in effect here (or in the file they include), then nginx -t and reload nginx.`,
        }),
      );
    }
    return out;
  },
};
