/**
 * The findings `trace` adds to an nginx route (issue 17 §2): a configuration
 * nginx refuses (the reader's issues, in nginx's words at nginx's file:line),
 * and a FastCGI request that carries no SCRIPT_FILENAME (Debian's
 * `include fastcgi_params` alone: PHP-FPM answers "File not found." and logs
 * "Primary script unknown"). The other nginx checks are `check`'s.
 */
import type { Finding } from '../../findings/finding.js';
import type { NginxConfig } from '../../nginx/types.js';
import type { Route } from '../../routing/types.js';
import { finding } from '../config/make.js';

/** Enough to show what is wrong; a generated tree can hold thousands. */
const MAX_ISSUES = 50;

export function nginxConfigFindings(config: NginxConfig): Finding[] {
  return config.issues.slice(0, MAX_ISSUES).map((i) => {
    const at = `${i.file}${i.line !== undefined ? `:${i.line}` : ''}`;
    return finding({
      id: 'nginx-config-error',
      severity: i.severity === 'emerg' ? 'error' : 'warning',
      title: i.severity === 'emerg' ? 'nginx refuses this configuration' : 'nginx warns about this configuration',
      message:
        i.severity === 'emerg'
          ? `nginx -t fails with "[emerg] ${i.message}" in ${at}: nginx does not run this configuration (a reload keeps the old one, a restart leaves nginx down), so the route below is what it would do once this is fixed.`
          : `nginx reports "${i.message}" in ${at}.`,
      at: { file: i.file, ...(i.line !== undefined ? { line: i.line } : {}), includedFrom: i.includedFrom },
      evidence: [`nginx: [${i.severity}] ${i.message} in ${at}`],
      fix: `Correct ${at}, then run "nginx -t" and reload nginx ("systemctl reload nginx").`,
    });
  });
}

/**
 * Whether the backend runs scripts by SCRIPT_FILENAME: a PHP script is asked
 * for, the location or the socket says PHP/FPM, or the backend itself said
 * "Primary script unknown". A Python or Go FastCGI app behind fastcgi_params
 * needs no SCRIPT_FILENAME: no finding there.
 */
function runsScripts(route: Route, backendSaid: string | undefined): boolean {
  const b = route.backend;
  if (backendSaid && /Primary script unknown/i.test(backendSaid)) return true;
  const named = [route.request.path, b?.params.SCRIPT_NAME ?? '', b?.params.DOCUMENT_URI ?? ''];
  if (named.some((p) => /\.php\d?(\/|$)/i.test(p))) return true;
  if (/php|fpm/i.test(b?.target ?? '')) return true;
  return route.steps.some((s) => s.what === 'location' && /php/i.test(s.text));
}

/**
 * SCRIPT_FILENAME absent from the params of a FastCGI route to a backend that
 * runs scripts (not one whose value is only unknown to us). `backendSaid`: the
 * live answer's stderr, when a request was made.
 */
export function scriptFilenameFindings(route: Route, backendSaid?: string): Finding[] {
  const b = route.backend;
  if (route.outcome !== 'fastcgi' || !b || b.module !== 'nginx') return [];
  if ('SCRIPT_FILENAME' in b.params || b.unknown?.some((u) => u.startsWith('SCRIPT_FILENAME'))) return [];
  if (!runsScripts(route, backendSaid)) return [];
  const pass = [...route.steps].reverse().find((s) => s.what === 'backend');
  const at = pass?.file ? `${pass.file}${pass.line ? `:${pass.line}` : ''}` : 'the fastcgi_pass';
  return [
    finding({
      id: 'fastcgi-param-missing',
      severity: 'error',
      title: 'nginx sends the backend no SCRIPT_FILENAME',
      message: `For ${route.url}, nginx passes the request on (${at}) with ${Object.keys(b.params).length} params and no SCRIPT_FILENAME: PHP-FPM does not know which file to run, answers "File not found." (404) and logs "Primary script unknown". Debian's fastcgi_params has no SCRIPT_FILENAME; fastcgi.conf has.`,
      ...(pass?.file ? { at: { file: pass.file, ...(pass.line ? { line: pass.line } : {}) } } : {}),
      evidence: [`params sent: ${Object.keys(b.params).join(', ') || 'none'}`],
      fix: 'Where fastcgi_pass is, add "fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;" after the include, or include fastcgi.conf instead of fastcgi_params (on Debian "include snippets/fastcgi-php.conf;" does both); then nginx -t and reload nginx.',
    }),
  ];
}
