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
import { buildModel } from '../../routing/nginx/config.js';
import { nginxConfigErrorFindings } from './configError.js';
import { scriptFilenameMissingFinding } from './scriptFilenameMissing.js';

/**
 * trace's nginx-config-error: the same findings as check's (configError.ts), nginx's
 * issues and its merge's, for the configuration the route was computed on.
 */
export function nginxConfigFindings(config: NginxConfig): Finding[] {
  return nginxConfigErrorFindings(config, buildModel(config));
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
  const location = [...route.steps].reverse().find((s) => s.what === 'location');
  return [
    scriptFilenameMissingFinding({
      subject: `For ${route.url}, the fastcgi_pass at ${at}`,
      target: b.target ?? 'the backend',
      paramsNote: `params sent: ${Object.keys(b.params).join(', ') || 'none'}`,
      where: location?.file
        ? `the location at ${location.file}${location.line ? `:${location.line}` : ''}`
        : 'the location of that fastcgi_pass',
      ...(pass?.file ? { at: { file: pass.file, ...(pass.line ? { line: pass.line } : {}) } } : {}),
      evidence: [`params sent: ${Object.keys(b.params).join(', ') || 'none'}`],
    }),
  ];
}
