/**
 * Why PHP-FPM may not read a script: the user its workers run as, and the
 * first step of the path that refuses that user (which bit, which class of
 * bits). Loaded only when a request failed with "Permission denied", so a
 * healthy ping never reads /proc.
 */
import { formatTarget, type Target } from '../../client/target.js';
import type { Evidence, Finding } from '../../findings/finding.js';
import { chmodFix, confirmedText, denialText, missingBitsText } from '../../system/denial.js';
import {
  isProbeError,
  confirmedAccessOne,
  modeString,
  type Principal,
  type ProcessInfo,
  type SystemProbes,
} from '../../system/index.js';

export type ScriptAccessSystem = Pick<SystemProbes, 'fs' | 'users' | 'processes' | 'sockets' | 'access'>;

export type BackendUser =
  | { known: true; principal: Principal; name: string; via: string }
  | { known: false; why: string };

const WORKER = /^php-fpm: pool \S+/;
const MASTER = /^php-fpm: master process\b/;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);

function commandOf(p: ProcessInfo): string {
  return p.cmdline.join(' ').replace(/\s+/g, ' ').trim();
}

/** Inodes of the sockets listening where the target points (local ones only: /proc/net says nothing of another host). */
export function listenerInodes(system: ScriptAccessSystem, target: Target): number[] | string {
  if (target.kind === 'unix') {
    const listeners = system.sockets.unixListeners();
    if (isProbeError(listeners)) return listeners.message;
    return listeners.filter((l) => l.path === target.path).map((l) => l.inode);
  }
  const listeners = system.sockets.tcpListeners();
  if (isProbeError(listeners)) return listeners.message;
  const local = LOCAL_HOSTS.has(target.host) || target.host.startsWith('127.');
  return listeners.filter((l) => l.port === target.port && (local || l.address === target.host)).map((l) => l.inode);
}

/**
 * The user a request to `target` runs as, when a PHP-FPM pool on this machine
 * listens there: its workers' effective uid and groups (the master runs as
 * root and never runs a script).
 */
export function fpmWorkerUser(system: ScriptAccessSystem, target: Target): BackendUser {
  const where = formatTarget(target);
  const inodes = listenerInodes(system, target);
  if (typeof inodes === 'string') return { known: false, why: `the listening sockets are not visible (${inodes})` };
  if (inodes.length === 0)
    return {
      known: false,
      why: `no process on this machine listens on ${where} (another host, container or network namespace)`,
    };
  const holders = new Map<number, ProcessInfo>();
  let complete = true;
  for (const inode of inodes) {
    const h = system.sockets.holders(inode);
    complete &&= h.complete;
    for (const pid of h.pids) {
      const p = system.processes.get(pid);
      if (p) holders.set(pid, p);
    }
  }
  const procs = [...holders.values()];
  let workers = procs.filter((p) => WORKER.test(commandOf(p)));
  const master = procs.find((p) => MASTER.test(commandOf(p)));
  if (workers.length === 0 && master)
    workers = system.processes.list().filter((p) => p.ppid === master.pid && WORKER.test(commandOf(p)));
  if (workers.length === 0) {
    if (procs.length === 0)
      return {
        known: false,
        why: complete
          ? `no process holds ${where}`
          : `the process listening on ${where} is not visible to this user (run with sudo)`,
      };
    return { known: false, why: `what listens on ${where} is not PHP-FPM (${commandOf(procs[0]!).slice(0, 120)})` };
  }
  const w = workers[0]!;
  const name = system.users.userName(w.euid) ?? `uid ${w.euid}`;
  return {
    known: true,
    principal: { uid: w.euid, gids: [...new Set([w.egid, ...w.groups])], name },
    name,
    via: `PHP-FPM workers on ${where} run as ${name} (pid ${w.pid}: ${commandOf(w).slice(0, 120)})`,
  };
}

/**
 * The script-unreadable finding with the step that refuses the backend's
 * user and a fix for that step; unchanged but for a line of evidence when the
 * user or the path cannot be seen.
 */
export function explainScriptAccess(
  finding: Finding,
  system: ScriptAccessSystem,
  target: Target,
  script: string,
): Finding {
  const user = fpmWorkerUser(system, target);
  if (!user.known)
    return { ...finding, evidence: [...finding.evidence, probe(`the backend's user is unknown: ${user.why}`)] };
  const verdict = confirmedAccessOne(system.fs, system.access, user.principal, script, ['r']);
  const evidence = [...finding.evidence, probe(user.via)];
  if (verdict.result === 'unknown') {
    const why =
      verdict.reason === 'denied'
        ? 'is not visible to the user running fcgi-doctor (run with sudo)'
        : verdict.reason === 'missing'
          ? 'does not exist here (a chroot or container?)'
          : verdict.message;
    return { ...finding, evidence: [...evidence, probe(`${verdict.path} ${why}`)] };
  }
  if (verdict.result === 'allowed' && verdict.acl) {
    // The bits refuse, an ACL grants it: the kernel, asked as the user, lets it read the script now.
    return {
      ...finding,
      evidence: [
        ...evidence,
        probe(
          `the mode bits of ${verdict.acl.path} (${modeString(verdict.acl.stat)}) refuse ${user.name}, but an ACL grants it: access(2) as ${user.name} allows reading ${script}`,
        ),
      ],
      message: `${finding.message} ${user.name} may read it now (an ACL grants what the mode bits refuse): the file or its ACL may have changed since, or SELinux or AppArmor refuses it.`,
      fix: `Compare getfacl ${verdict.acl.path} and ls -Z ${script} with what ${user.name} needs; check the pool's chroot and open_basedir.`,
    };
  }
  if (verdict.result === 'allowed') {
    return {
      ...finding,
      evidence: [...evidence, probe(`the permission bits let ${user.name} read ${script}`)],
      message: `${finding.message} The permission bits allow ${user.name} to read it now: the file may have changed since, or an ACL, SELinux or AppArmor refuses it.`,
      fix: `Compare getfacl ${script} and ls -Z ${script} with what ${user.name} needs; check the pool's chroot and open_basedir.`,
    };
  }
  const { path, stat, missing, cls } = verdict;
  const bits = missingBitsText(missing);
  const owner = system.users.userName(stat.uid) ?? String(stat.uid);
  const fileGroup = system.users.groupName(stat.gid) ?? String(stat.gid);
  const denial = {
    who: user.name,
    path,
    object: `the ${stat.type === 'dir' ? 'directory' : 'file'} ${path}`,
    missing,
    cls,
    modeText: modeString(stat),
    owner,
    group: fileGroup,
  };
  const add = missing.join('');
  const group = system.users.groupName(user.principal.gids[0]!) ?? String(user.principal.gids[0]);
  // The "other" bits apply: either widen them, or hand the file to a group the user is in (never the user to the file's group: that may be root's).
  const fix =
    cls !== 'other'
      ? `Give ${user.name} ${bits} on ${path}: ${chmodFix(denial)}.`
      : stat.type === 'dir'
        ? `Let ${user.name} enter ${path}: chmod o+x ${path} (entering is not listing), or chgrp ${group} ${path} && chmod g+x ${path}; or run the pool as the files' owner.`
        : `Let ${user.name} read ${path}: chgrp ${group} ${path} && chmod g+${add} ${path} (only the group ${group}), or chmod o+${add} ${path} (everyone); or run the pool as the file's owner.`;
  return {
    ...finding,
    message: `${finding.message} ${user.name} ${denialText(denial)}.`,
    evidence: [
      ...evidence,
      probe(`${path}: ${denial.modeText} ${owner}:${fileGroup}: ${user.name} lacks ${bits} (${cls} bits)`),
      ...(verdict.confirmed ? [probe(confirmedText(user.name, verdict))] : []),
    ],
    fix,
  };
}

/**
 * "Primary script unknown" is also what PHP-FPM says when its user may not
 * enter a directory above an existing script (its stat() fails with EACCES
 * before it tries to open the file). When the script exists here and the
 * path refuses the workers' user, the cause is permissions: script-unreadable.
 * Otherwise the finding stays as it is.
 */
export function explainPrimaryScriptUnknown(
  finding: Finding,
  system: ScriptAccessSystem,
  target: Target,
  script: string,
): Finding {
  // Only a script that exists (as this user sees it) can be one FPM failed to reach.
  if (isProbeError(system.fs.stat(script))) return finding;
  const user = fpmWorkerUser(system, target);
  if (!user.known) return finding;
  // A refusal the kernel does not confirm (an ACL grants it) is not why FPM said so.
  const verdict = confirmedAccessOne(system.fs, system.access, user.principal, script, ['r']);
  if (verdict.result !== 'denied') return finding;
  const unreadable: Finding = {
    ...finding,
    id: 'script-unreadable',
    title: 'PHP-FPM may not reach the script (it says Primary script unknown)',
    message: `${formatTarget(target)} answered "Primary script unknown", but ${script} exists: the user PHP-FPM's workers run as may not reach it, and PHP-FPM reports that as an unknown script.`,
  };
  return explainScriptAccess(unreadable, system, target, script);
}

function probe(text: string): Evidence {
  return { kind: 'probe', text };
}
