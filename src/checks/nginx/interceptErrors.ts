/**
 * fastcgi-intercept-errors: with `fastcgi_intercept_errors on` nginx replaces
 * a backend answer of status 300 or more by its own error_page (when one is
 * set for that status): the application's error page and its body are not
 * what visitors and monitors see (ngx_http_upstream_intercept_errors).
 * Without an error_page in effect at the location (the list is inherited
 * whole, an inner one replacing the outer), intercept changes nothing: quiet.
 */
import type { Finding } from '../../findings/finding.js';
import { finding } from '../config/make.js';
import { inherited } from '../../routing/nginx/config.js';
import type { NginxCheck } from './context.js';
import { at, directiveText, passLevels, settingIn, ownStatementUp } from './levels.js';

export const interceptErrorsCheck: NginxCheck = {
  ids: ['fastcgi-intercept-errors'],
  run(a) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const p of passLevels(a.routing, a.setups)) {
      const found = settingIn(a.routing, p.level, 'fastcgi_intercept_errors');
      if (found?.args[0] !== 'on') continue;
      const pages = inherited(p.level, 'error_page');
      const firstPage = pages[0];
      if (!firstPage) continue;
      const codes = [...new Set(pages.flatMap((e) => e.args.filter((a) => /^\d{3}$/.test(a))))];
      // Located at the statement of its own block (the include that brings it, when it comes from a shared file).
      const d = ownStatementUp(p.level, found);
      if (seen.has(at(d))) continue;
      seen.add(at(d));
      out.push(
        finding({
          id: 'fastcgi-intercept-errors',
          severity: 'info',
          title: "nginx replaces the backend's error pages with its own (fastcgi_intercept_errors on)",
          message: `fastcgi_intercept_errors on (${at(d)}) applies to ${at(p.pass)}, and error_page covers ${codes.join(', ')} there (${at(firstPage)}): when the backend answers one of these, visitors get that error page instead of the application's, and the backend's own message is only in its logs. Keep this in mind when a page shows a plain nginx error.`,
          at: d,
          evidence: [directiveText(d), ...pages.slice(0, 3).map(directiveText), directiveText(p.pass)],
          fix: 'Nothing to do when this is intended; to see the backend\'s own answer, set "fastcgi_intercept_errors off;" (the default) for this location and reload nginx.',
        }),
      );
    }
    return out;
  },
};
