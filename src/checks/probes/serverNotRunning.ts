/**
 * server-not-running: no Apache process serves this configuration. Found from
 * its PidFile, or a master whose command line names the configuration; when
 * the configuration has errors that stop httpd, the finding names them.
 */
import type { Finding } from '../../findings/finding.js';
import { proxyUrlLinesStoppingApache } from '../config/proxyUrlInvalid.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { processText } from './evidence.js';
import { probeFinding } from './make.js';

/** Configuration findings that make httpd refuse to start (or that the check could not rule out). */
const FATAL_CONFIG_IDS = new Set([
  'config-syntax-error',
  'include-not-found',
  'server-redefined',
  'module-not-loaded',
  'options-mixed-syntax',
]);

/**
 * The configuration's errors that stop httpd. proxy-url-invalid only where its
 * line is one Apache refuses at startup: most of its cases (a socket path too
 * long to connect to, a SetHandler without "|fcgi://") start and fail per request.
 */
function stoppingErrors(ctx: ProbeContext): Finding[] {
  let proxyLines: Set<string> | undefined;
  return ctx.configFindings.filter((f) => {
    if (f.severity !== 'error') return false;
    if (FATAL_CONFIG_IDS.has(f.id)) return true;
    if (f.id !== 'proxy-url-invalid' || f.location?.line === undefined) return false;
    proxyLines ??= proxyUrlLinesStoppingApache(ctx.model);
    return proxyLines.has(`${f.location.file}:${f.location.line}`);
  });
}

export const serverNotRunningCheck: ProbeCheck = {
  ids: ['server-not-running'],
  run(ctx) {
    const { apache } = ctx.facts;
    if (apache.master) return [];
    if (!ctx.facts.processesVisible) {
      ctx.notice(
        `Other users' processes are not visible to user ${ctx.facts.viewerName} (/proc mounted with hidepid?); whether Apache runs is unknown. Run with sudo for the full check.`,
      );
      return [];
    }
    // A file analysed on its own belongs to no server configuration we know: whether
    // "its" Apache runs cannot be told, so this is a note, not a verdict.
    const standalone = ctx.model.layout === 'standalone';
    if (standalone && apache.others.length > 0) return [];
    const users = ctx.system.users;
    const probe = [
      `pid file ${apache.pidFile}: ${ctx.system.fs.exists(apache.pidFile) ? 'names no running Apache process' : 'not there'}`,
    ];
    if (apache.others.length > 0) {
      for (const o of apache.others.slice(0, 3))
        probe.push(`another Apache instance, not for this configuration: ${processText(o, users)}`);
    } else probe.push('no apache2/httpd process in /proc');
    const fatal = stoppingErrors(ctx);
    let message = `No Apache process serves ${ctx.model.rootFile}: every FastCGI setup below is unreachable until it runs.`;
    let fix =
      'Check the configuration (apachectl configtest), then start Apache (systemctl start apache2, or httpd on RHEL) and read its error log if it stops again.';
    if (fatal.length > 0) {
      const named = fatal
        .slice(0, 3)
        .map(
          (f) =>
            `${f.id}${f.location ? ` at ${f.location.file}${f.location.line !== undefined ? `:${f.location.line}` : ''}` : ''}`,
        );
      message += ` The configuration would not start as it is: ${named.join('; ')}.`;
      fix = `Fix ${fatal.length === 1 ? 'that error' : 'those errors'} first (apachectl configtest must say "Syntax OK"), then start Apache.`;
    }
    const f: Finding = probeFinding({
      id: 'server-not-running',
      severity: standalone ? 'info' : 'error',
      title: 'Apache is not running',
      message: standalone
        ? `No Apache process is running. ${ctx.model.rootFile} was analysed on its own, so which server would read it is unknown; name the server configuration with --root to check it as that server.`
        : message,
      location: { file: ctx.model.rootFile },
      probe,
      fix,
    });
    return [f];
  },
};
