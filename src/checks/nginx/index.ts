/**
 * `check` for nginx: the configuration checks over the analysis, in the order
 * their findings should come (what stops nginx first, then what breaks every
 * PHP page, then the security preconditions, then what is only worth knowing).
 */
import type { Finding } from '../../findings/finding.js';
import { dedupeFindings } from '../dedupe.js';
import { internalError, type InternalError } from '../internalError.js';
import type { NginxAnalysis } from './analyze.js';
import { nginxConfigErrorCheck } from './configError.js';
import type { NginxCheck } from './context.js';
import { httpoxyCheck } from './httpoxy.js';
import { interceptErrorsCheck } from './interceptErrors.js';
import { fastcgiParamsCheck } from './params.js';
import { splitPathInfoCheck } from './splitPathInfo.js';
import { nginxSiteNotReadCheck } from './siteNotRead.js';
import { analyzeNginx, type NginxAnalyzeOptions } from './analyze.js';
import type { AnalyzeResult } from '../config/index.js';
import { emptyConfigModel } from '../config/emptyModel.js';

export { analyzeNginx, type NginxAnalysis, type NginxAnalyzeOptions } from './analyze.js';
export type { NginxCheck } from './context.js';

export const NGINX_CONFIG_CHECKS: readonly NginxCheck[] = [
  nginxConfigErrorCheck,
  nginxSiteNotReadCheck,
  fastcgiParamsCheck,
  splitPathInfoCheck,
  httpoxyCheck,
  interceptErrorsCheck,
];

export function runNginxConfigChecks(
  a: NginxAnalysis,
  checks: readonly NginxCheck[] = NGINX_CONFIG_CHECKS,
): { findings: Finding[]; internalErrors: InternalError[] } {
  const findings: Finding[] = [];
  const internalErrors: InternalError[] = [];
  for (const c of checks) {
    try {
      findings.push(...c.run(a));
    } catch (e) {
      internalErrors.push(internalError(`the nginx check for ${c.ids.join(', ')}`, e));
    }
  }
  return { findings: dedupeFindings(findings), internalErrors };
}

/**
 * nginx's configuration read and checked, in the shape `runCheck` takes (`analysis`);
 * undefined when no nginx configuration is found.
 */
export function analyzeNginxForCheck(
  options: NginxAnalyzeOptions,
  checks: readonly NginxCheck[] = NGINX_CONFIG_CHECKS,
): AnalyzeResult | undefined {
  let a: NginxAnalysis | undefined;
  try {
    a = analyzeNginx(options);
  } catch (e) {
    // The reader collects what is wrong with the input: an exception here is a bug.
    const internal = internalError("reading nginx's configuration", e);
    return {
      model: emptyConfigModel({
        webServer: 'nginx',
        rootFile: options.root ?? options.target ?? '/etc/nginx/nginx.conf',
        serverRoot: '/etc/nginx/',
        targetLoaded: true,
        runtimeDir: '/run',
      }),
      findings: [],
      internalErrors: [internal],
    };
  }
  if (!a) return undefined;
  const { findings, internalErrors } = runNginxConfigChecks(a, checks);
  return { model: a.model, findings, internalErrors };
}
