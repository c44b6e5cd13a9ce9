/**
 * fastcgi-param-missing, worded once for `check` (params.ts: each fastcgi_pass
 * that hands PHP scripts on) and `trace` (routeFindings.ts: the route of one
 * URL): no SCRIPT_FILENAME reaches PHP-FPM (Debian's fastcgi_params has none),
 * so it cannot know which file to run.
 */
import type { Finding } from '../../findings/finding.js';
import { finding } from '../config/make.js';

export interface ScriptFilenameMissing {
  /** What passes the request on: "location ~ \.php$ (file:line)", "For URL, the fastcgi_pass at file:line". */
  subject: string;
  /** The fastcgi_pass target. */
  target: string;
  /** Where the params in effect come from ("no fastcgi_param is in effect"). */
  paramsNote: string;
  /** Where the fix goes ("location ~ \.php$"). */
  where: string;
  at?: { file: string; line?: number; includedFrom?: readonly string[] };
  evidence: string[];
}

export function scriptFilenameMissingFinding(m: ScriptFilenameMissing): Finding {
  return finding({
    id: 'fastcgi-param-missing',
    severity: 'error',
    title: 'nginx sends PHP no SCRIPT_FILENAME',
    message: `${m.subject} passes requests to ${m.target} without a SCRIPT_FILENAME param (${m.paramsNote}): PHP-FPM does not know which file to run, answers "File not found." and logs "Primary script unknown" for every page.`,
    ...(m.at ? { at: m.at } : {}),
    evidence: m.evidence,
    fix: `In ${m.where}, add "fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;" after the include, or include fastcgi.conf (which sets it) instead of fastcgi_params — on Debian "include snippets/fastcgi-php.conf;" does both; then nginx -t and reload nginx.`,
  });
}
