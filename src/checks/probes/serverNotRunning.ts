/**
 * server-not-running: no Apache process serves this configuration. Found from
 * its PidFile, or a master whose command line names the configuration; when
 * the configuration has errors that stop httpd, the finding names them.
 */
import type { Finding } from '../../findings/finding.js';
import { configErrorsStoppingApache } from '../config/stopsApache.js';
import type { ProbeCheck } from './context.js';
import { processText } from './evidence.js';
import { probeFinding } from './make.js';

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
    const fatal = configErrorsStoppingApache(ctx.model, ctx.configFindings);
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
