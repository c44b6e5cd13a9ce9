/**
 * server-not-running for nginx: no nginx master serves this configuration
 * (probes/facts.ts findNginx: a master whose title names the root with -c,
 * or the packaged one for /etc/nginx/nginx.conf). When the configuration has
 * errors nginx refuses, the finding names them: that is why it is down.
 */
import type { Finding } from '../../findings/finding.js';
import type { ProbeContext } from '../probes/context.js';
import { processText } from '../probes/evidence.js';
import { probeFinding } from '../probes/make.js';

export function nginxNotRunningFindings(ctx: ProbeContext): Finding[] {
  const { apache: instance } = ctx.facts;
  // A site read on its own belongs to no nginx of this machine: whether "its" nginx runs cannot be told.
  if (instance.master || ctx.setups.length === 0 || ctx.model.layout === 'standalone') return [];
  if (!ctx.facts.processesVisible) {
    ctx.notice(
      `Other users' processes are not visible to user ${ctx.facts.viewerName} (/proc mounted with hidepid?); whether nginx runs is unknown. Run with sudo for the full check.`,
    );
    return [];
  }
  const probe =
    instance.others.length > 0
      ? instance.others
          .slice(0, 3)
          .map((o) => `another nginx, not for this configuration: ${processText(o, ctx.system.users)}`)
      : ['no nginx process in /proc'];
  const fatal = ctx.configFindings.filter((f) => f.id === 'nginx-config-error' && f.severity === 'error');
  const named = fatal
    .slice(0, 3)
    .map((f) => `${f.location?.file ?? ''}${f.location?.line !== undefined ? `:${f.location.line}` : ''}`);
  return [
    probeFinding({
      id: 'server-not-running',
      severity: 'error',
      title: 'nginx is not running',
      message: `No nginx process serves ${ctx.model.rootFile}: every FastCGI setup below is unreachable until it runs.${fatal.length > 0 ? ` nginx refuses the configuration as it is (${named.join('; ')}).` : ''}`,
      location: { file: ctx.model.rootFile },
      probe,
      fix:
        fatal.length > 0
          ? 'Fix the nginx-config-error findings first ("nginx -t" must succeed), then start nginx (systemctl start nginx).'
          : 'Check the configuration (nginx -t), then start nginx (systemctl start nginx) and read its error log if it stops again.',
    }),
  ];
}
