/**
 * process-manager-not-running: Apache runs, but the FastCGI process manager
 * that starts the applications does not. mod_fastcgi's is a child called
 * fcgi-pm (as `ps auxf` shows in the classic mod_fastcgi guide). mod_fcgid's is a single-threaded child
 * running as the web user with the same command line as the others: it can
 * only be told apart from threaded MPM workers (event, worker), so under
 * prefork nothing is concluded.
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import type { ProcessInfo } from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { processText } from './evidence.js';
import { isApache } from './facts.js';
import { probeFinding } from './make.js';

export function isFcgiPm(p: ProcessInfo): boolean {
  return p.comm === 'fcgi-pm' || path.posix.basename(p.cmdline[0] ?? '') === 'fcgi-pm';
}

/** The mod_fcgid process manager among the master's children, if it can be told apart. */
export function fcgidManager(ctx: ProbeContext): { pm?: ProcessInfo; decidable: boolean } {
  const master = ctx.facts.apache.master;
  if (!master) return { decidable: false };
  const children = ctx.facts.apache.descendants.filter((p) => p.ppid === master.pid && isApache(p));
  const threaded = children.filter((p) => p.threads > 1);
  if (threaded.length === 0) return { decidable: false };
  const pm = children.find((p) => p.threads === 1);
  return pm ? { pm, decidable: true } : { decidable: true };
}

export const processManagerCheck: ProbeCheck = {
  ids: ['process-manager-not-running'],
  run(ctx) {
    const out: Finding[] = [];
    const master = ctx.facts.apache.master;
    if (!master) return out; // server-not-running says it
    const users = ctx.system.users;
    const fastcgi = ctx.setups.filter((s) => s.module === 'fastcgi' && (s.mode === 'static' || s.mode === 'dynamic'));
    if (fastcgi.length > 0 && !ctx.facts.apache.descendants.some(isFcgiPm)) {
      out.push(
        probeFinding({
          id: 'process-manager-not-running',
          severity: 'error',
          title: "mod_fastcgi's process manager (fcgi-pm) is not running",
          message:
            'Apache runs, but no fcgi-pm process is among its children: static and dynamic FastCGI applications are never started. Something is wrong with the mod_fastcgi installation or with a FastCgiServer/FastCgiConfig directive (see the error log at start-up).',
          setups: fastcgi,
          probe: [
            `Apache master: ${processText(master, users)}`,
            `children: ${ctx.facts.apache.descendants.length}, none named fcgi-pm`,
          ],
          fix: 'Read the error log from the last start (grep FastCGI), fix the directive it names, and restart Apache.',
        }),
      );
    }
    const fcgid = ctx.setups.filter((s) => s.module === 'fcgid');
    if (fcgid.length > 0) {
      const { pm, decidable } = fcgidManager(ctx);
      if (decidable && !pm) {
        out.push(
          probeFinding({
            id: 'process-manager-not-running',
            severity: 'error',
            title: "mod_fcgid's process manager is not running",
            message:
              "Apache runs, but none of its children is mod_fcgid's process manager (the single-threaded child beside the MPM workers): no fcgid-script application can be started.",
            setups: fcgid,
            probe: [
              `Apache master: ${processText(master, users)}`,
              ...ctx.facts.apache.descendants
                .filter((p) => p.ppid === master.pid)
                .slice(0, 5)
                .map((p) => `child ${processText(p, users)}, ${p.threads} threads`),
            ],
            fix: 'Read the error log around the last start (grep mod_fcgid: "Can\'t create", FcgidIPCDir, FcgidProcessTableFile), fix what it names, and restart Apache.',
          }),
        );
      }
    }
    return out;
  },
};
