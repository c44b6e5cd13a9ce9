/**
 * fpm-config-error from the files: every PHP-FPM installation on the machine
 * (the packaged layouts and each running master's -y) read as FPM reads it
 * (src/fpm), one finding per error `php-fpm -t` would report, at its file:line.
 * Read from disk, so it works when FPM is stopped, and before a restart fails.
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import {
  checkFpmConfig,
  findFpmInstallations,
  versionNumber,
  type FpmFileReader,
  type FpmMasterCommand,
} from '../../fpm/index.js';
import { isProbeError, type FileSystem, type SystemProbes } from '../../system/index.js';
import type { ProbeCheck } from './context.js';
import { probeFinding } from './make.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

/** src/fpm's file reader on the system layer's FileSystem (bounded through readHead). */
export function fpmFileReaderOf(fs: FileSystem): FpmFileReader {
  const failure = (e: { error: string; message: string }) => ({
    error: e.message,
    ...(e.error === 'denied' ? { code: 'EACCES' } : e.error === 'missing' ? { code: 'ENOENT' } : {}),
  });
  return {
    readText(file, maxBytes) {
      const head = fs.readHead(file, maxBytes + 1);
      if (isProbeError(head)) return failure(head);
      return { text: head.subarray(0, maxBytes).toString('utf8'), truncated: head.length > maxBytes };
    },
    listDir(dir) {
      const names = fs.listDir(dir);
      return isProbeError(names) ? failure(names) : names;
    },
    isDirectory(p) {
      const st = fs.stat(p);
      return !isProbeError(st) && st.type === 'dir';
    },
    exists: (p) => fs.exists(p),
  };
}

/**
 * Running PHP-FPM masters: "php-fpm: master process (FILE)", or a binary not yet renamed.
 * A master in another mount namespace (a container) names files of its own view: read
 * here, /usr/local/etc/php-fpm.conf would be this machine's file (or none) and every
 * verdict on it wrong, so such masters are left out where the namespaces can be compared.
 */
export function fpmMasters(system: Pick<SystemProbes, 'processes'>): FpmMasterCommand[] {
  const ns = system.processes.mountNamespace?.bind(system.processes);
  const own = ns?.('self');
  const ours = (pid: number) => {
    if (!ns || own === undefined || isProbeError(own)) return true;
    const theirs = ns(pid);
    return isProbeError(theirs) || theirs === own;
  };
  return system.processes
    .commandLines()
    .filter(({ cmdline }) => {
      const first = cmdline[0] ?? '';
      return /^php-fpm[\d.]*: master process/.test(first) || /^php(\d+)?-fpm[\d.]*$/.test(path.posix.basename(first));
    })
    .filter(({ pid }) => ours(pid))
    .map(({ pid, cmdline }) => ({ pid, argv: cmdline }));
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
        if (issue.message.includes('not visible to user')) {
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
