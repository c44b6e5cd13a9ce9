/**
 * fpm-config-error from the files: every PHP-FPM installation on the machine
 * (the packaged layouts and each running master's -y) read as FPM reads it
 * (src/fpm), one finding per error `php-fpm -t` would report, at its file:line.
 * Read from disk, so it works when FPM is stopped, and before a restart fails.
 */
import type { Finding } from '../../findings/finding.js';
import { checkFpmConfig, findFpmInstallations, versionNumber, type FpmMasterCommand } from '../../fpm/index.js';
import { fpmFileReaderOf, fpmMasterCommands, type SystemProbes } from '../../system/index.js';
import type { ProbeCheck } from './context.js';
import { probeFinding } from './make.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

/** src/fpm's file reader on the system layer's FileSystem (it lives in src/system; re-exported for the probes). */
export { fpmFileReaderOf };

/** Running PHP-FPM masters, with their binaries (src/system reads them from /proc). */
export function fpmMasters(system: Pick<SystemProbes, 'processes' | 'fs'>): FpmMasterCommand[] {
  return fpmMasterCommands(system.processes, system.fs);
}

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
    for (const inst of findFpmInstallations(reader, fpmMasters(ctx.system))) {
      const version = versionNumber(inst.version);
      const config = checkFpmConfig(inst.config, {
        reader,
        prefix: inst.prefix,
        ...(version !== undefined ? { version } : {}),
        readerUser: ctx.facts.viewerName,
        maxBytes: MAX_CONFIG_BYTES,
        accounts,
        asRoot: true,
      });
      for (const issue of config.issues) {
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
