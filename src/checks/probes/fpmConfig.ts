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
  installationOfMaster,
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
 * A master in a container names files of its own view: read here, its
 * /usr/local/etc/php-fpm.conf would be this machine's file (or none) and every verdict
 * on it wrong. Such a master is left out when the doctor can see (as root, through
 * /proc/PID/root) that its configuration file is not this machine's file of that name.
 * A master in a namespace of its own that shares the files (systemd's PrivateTmp=true)
 * stays.
 */
export function fpmMasters(
  system: Pick<SystemProbes, 'processes'> & Partial<Pick<SystemProbes, 'fs'>>,
): FpmMasterCommand[] {
  return system.processes
    .commandLines()
    .filter(({ cmdline }) => {
      const first = cmdline[0] ?? '';
      return /^php-fpm[\d.]*: master process/.test(first) || /^php(\d+)?-fpm[\d.]*$/.test(path.posix.basename(first));
    })
    .map(({ pid, cmdline }) => ({ pid, argv: cmdline }))
    .filter((m) => !readsOtherFiles(system, m));
}

/** Whether the master's configuration file, as it sees it, is not the file of that name here. */
function readsOtherFiles(
  system: Pick<SystemProbes, 'processes'> & Partial<Pick<SystemProbes, 'fs'>>,
  m: FpmMasterCommand,
): boolean {
  const ns = system.processes.mountNamespace?.bind(system.processes);
  const fs = system.fs;
  if (!ns || !fs) return false;
  const own = ns('self');
  const theirs = ns(m.pid);
  if (isProbeError(own) || isProbeError(theirs) || own === theirs) return false;
  const config = installationOfMaster(m)?.config;
  if (!config?.startsWith('/')) return false;
  const there = fs.stat(`/proc/${m.pid}/root${config}`);
  if (isProbeError(there)) return false; // not visible: nothing to go on
  const here = fs.stat(config);
  return (
    isProbeError(here) ||
    here.ino !== there.ino ||
    (here.dev !== undefined && there.dev !== undefined && here.dev !== there.dev)
  );
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
