/**
 * fpm-config-error from the files: every PHP-FPM installation on the machine
 * (the packaged layouts and each running master's -y) read as FPM reads it
 * (src/fpm), one finding per error `php-fpm -t` would report, at its file:line.
 * Read from disk, so it works when FPM is stopped, and before a restart fails.
 */
import type { Finding } from '../../findings/finding.js';
import { validateFpmConfig } from '../../fpm/index.js';
import { fpmFileReaderOf } from '../../system/index.js';
import type { ProbeCheck } from './context.js';
import { probeFinding } from './make.js';

export const fpmConfigCheck: ProbeCheck = {
  ids: ['fpm-config-error'],
  run(ctx) {
    const out: Finding[] = [];
    const reader = fpmFileReaderOf(ctx.system.fs);
    const users = ctx.system.users;
    const accounts = {
      userExists: (n: string) => users.user(n) !== undefined,
      groupExists: (n: string) => users.group(n) !== undefined,
    };
    // The configurations the probes' facts read (src/system's FpmPools, src/fpm): every installation
    // and each running master's own. A pool file read alone is no configuration FPM is given.
    for (const { config: read, installation: inst } of ctx.facts.fpm.configs.filter((c) => !c.poolFile)) {
      // FPM stops at the first parse error; the post-process checks would only add noise then.
      const parseFailed = read.issues.some((i) => i.severity === 'error');
      const issues = [
        ...read.issues,
        ...(parseFailed ? [] : validateFpmConfig(read, { reader, accounts, asRoot: true })),
      ];
      for (const issue of issues) {
        if (issue.severity !== 'error') continue;
        // What the doctor cannot read is a limit of this run, not a mistake in the file.
        if (issue.unreadable) {
          ctx.notice(issue.message);
          continue;
        }
        out.push(
          probeFinding({
            id: 'fpm-config-error',
            severity: 'error',
            title: 'The PHP-FPM configuration has an error',
            message: `PHP-FPM${inst.version ? ` ${inst.version}` : ''} would refuse ${inst.config}: ${issue.message}.`,
            location: issue.line > 0 ? { file: issue.file, line: issue.line } : { file: issue.file },
            probe: [
              `installation: ${inst.layout} ${inst.config} (prefix ${inst.prefix}${inst.pid ? `, master pid ${inst.pid}` : ''})`,
            ],
            fix: `Correct it, then test with ${inst.version ? `php-fpm${inst.version}` : 'php-fpm'} -t before restarting the service.`,
          }),
        );
      }
    }
    return out;
  },
};
