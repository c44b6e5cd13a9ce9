/**
 * socket-permission-denied: may the web server's user connect to the socket?
 * Computed for that user and its groups (w on the socket, x on every
 * directory above it), never from the doctor's own connect, which as root
 * always succeeds. The fix names the bit, the path and the setting that
 * makes the change last (pool listen.owner/group/mode, the app's socket
 * options), since a chmod on a socket is lost when the app restarts.
 */
import type { Finding } from '../../findings/finding.js';
import {
  isProbeError,
  confirmedAccess,
  modeString,
  type AccessVerdict,
  type FpmPool,
  type ProcessInfo,
} from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { fpmServiceOf, poolText, principalText, statText } from './evidence.js';
import { chmodFix, confirmedText, denialText } from '../../system/denial.js';
import { endpointGroups, type EndpointGroup } from './facts.js';
import { poolsListeningOn } from './fpmSide.js';
import { holdersOf, listenersAt } from './holders.js';
import { probeFinding } from './make.js';
import { poolSocketAccess, type PoolSocketAccess } from './poolSocketMode.js';

type Denied = Extract<AccessVerdict, { result: 'denied' }>;

function aclGrants(pool: FpmPool, user: string, group: string | undefined): boolean {
  const users = (pool.settings['listen.acl_users'] ?? '').split(',').map((s) => s.trim());
  const groups = (pool.settings['listen.acl_groups'] ?? '').split(',').map((s) => s.trim());
  return users.includes(user) || (group !== undefined && groups.includes(group));
}

function appSocketFix(holders: readonly ProcessInfo[], web: string, group: string): string {
  const names = holders.map((p) => `${p.comm} ${p.cmdline[0] ?? ''}`).join(' ');
  if (/uwsgi/.test(names)) return `start uWSGI with --chown-socket ${web}:${group} --chmod-socket 660`;
  if (/fcgiwrap/.test(names)) return `for fcgiwrap.socket set SocketUser=${web}, SocketGroup=${group}, SocketMode=0660`;
  return `have the application create it so (spawn-fcgi -U ${web} -G ${group} -M 0660, or run the application as ${web})`;
}

function describe(
  ctx: ProbeContext,
  d: Denied,
  socketPath: string,
  pool: FpmPool | undefined,
  holders: readonly ProcessInfo[],
  future: PoolSocketAccess | undefined,
): { message: string; fix: string } {
  const users = ctx.system.users;
  const web = ctx.facts.web;
  const group = web.group?.name ?? web.name;
  const who = web.name;
  const isSocket = d.path === socketPath || d.stat.type === 'socket';
  const denial = {
    who,
    path: d.path,
    object: isSocket ? 'the socket' : `the directory ${d.path}`,
    missing: d.missing,
    cls: d.cls,
    modeText: modeString(d.stat),
    owner: users.userName(d.stat.uid) ?? String(d.stat.uid),
    group: users.groupName(d.stat.gid) ?? String(d.stat.gid),
  };
  const message = `${who}, the user ${ctx.facts.serverName === 'nginx' ? "nginx's workers" : "Apache's children"} run as, may not connect to ${socketPath}: it ${denialText(denial)}. ${ctx.facts.serverName === 'nginx' ? `Requests fail with "connect() to unix:${socketPath} failed (13: Permission denied)" and a 502.` : 'Requests fail with "(13)Permission denied" and a 503.'}`;
  const chmod = chmodFix(d);
  if (!isSocket) {
    const alt =
      d.cls === 'other' ? ` (or, to keep it closed to others: chgrp ${group} ${d.path} && chmod g+x ${d.path})` : '';
    return { message, fix: `${chmod}${alt}.` };
  }
  if (pool && future?.granted) {
    // The pool file is right already: the live socket predates it (FPM not restarted since) or was changed by hand.
    return {
      message: `${message} Pool [${pool.name}]'s file already grants it (${future.reason}; ${future.settings.join(', ')}), so the socket was made before that setting or changed by hand since.`,
      fix: `Restart PHP-FPM (systemctl restart ${fpmServiceOf(pool)}): it recreates the socket as pool [${pool.name}] says (${future.settings.join(', ')}).`,
    };
  }
  if (pool) {
    const at = `${pool.file}:${pool.lines['listen'] ?? pool.line}`;
    return {
      message,
      fix: `In pool [${pool.name}] (${at}) set "listen.owner = ${who}", "listen.group = ${group}" and "listen.mode = 0660", then restart PHP-FPM (systemctl restart ${fpmServiceOf(pool)}); a chmod on the socket is lost at the next restart.`,
    };
  }
  return {
    message,
    fix: `chown ${who}:${group} ${socketPath} && chmod 0660 ${socketPath} for now, and ${appSocketFix(holders, who, group)} so that it lasts.`,
  };
}

/**
 * The socket lets the web server in today, but the pool file will recreate it
 * closed at FPM's next restart (an edited listen.owner/mode, a chmod by hand
 * that made it work): a warning now, a 503 after the next reload.
 */
function afterRestart(
  ctx: ProbeContext,
  setups: EndpointGroup['setups'],
  socketPath: string,
  pool: FpmPool,
  future: PoolSocketAccess,
): Finding {
  const web = ctx.facts.web;
  const group = web.group?.name ?? web.name;
  const st = ctx.system.fs.stat(socketPath);
  return probeFinding({
    id: 'socket-permission-denied',
    severity: 'warning',
    title: `The web server's user may not connect to the FastCGI socket`,
    message: `${web.name} may connect to ${socketPath} now, but not after PHP-FPM restarts: pool [${pool.name}] recreates the socket at each start and ${future.reason}. The next restart (a package upgrade, a reboot) turns every request into "(13)Permission denied" and a 503.`,
    setups,
    probe: [
      ...(isProbeError(st) ? [] : [`now: ${statText(st, ctx.system.users)}`]),
      `after a restart: ${future.reason}`,
      ...future.settings,
      poolText(pool),
    ],
    fix: `In pool [${pool.name}] (${pool.file}:${pool.lines['listen'] ?? pool.line}) set "listen.owner = ${web.name}", "listen.group = ${group}" and "listen.mode = 0660" (or name ${web.name} in listen.acl_users), then test with php-fpm -t.`,
  });
}

export const socketPermissionCheck: ProbeCheck = {
  ids: ['socket-permission-denied'],
  run(ctx) {
    const out: Finding[] = [];
    const web = ctx.facts.web;
    const groups = endpointGroups(ctx.setups, (s) => s.endpoint?.kind === 'unix' && !s.endpoint.generated);
    // Every socket's mode-bit verdict first, so the refusals go to the kernel in one batch.
    const principal = web.principal;
    const candidates = groups.flatMap((g) => {
      if (g.endpoint.kind !== 'unix') return [];
      const st = ctx.system.fs.stat(g.endpoint.path);
      if (isProbeError(st) || st.type !== 'socket') return []; // unixSocketCheck reports those
      return [{ g, p: g.endpoint.path }];
    });
    if (candidates.length > 0 && !principal) {
      ctx.notice(`The web server's user "${web.name}" is not in /etc/passwd: socket permissions were not checked.`);
      return out;
    }
    if (!principal) return out;
    // connect(2) needs w on the socket (mayConnect); the kernel's answer includes ACLs (listen.acl_users).
    const verdicts = confirmedAccess(
      ctx.system.fs,
      ctx.system.access,
      candidates.map(({ p }) => ({ who: principal, target: p, need: ['w'] })),
    );
    for (const [i, { g, p }] of candidates.entries()) {
      if (g.endpoint.kind !== 'unix') continue;
      const verdict = verdicts[i]!;
      if (verdict.result === 'unknown') {
        if (verdict.reason === 'denied')
          ctx.notice(
            `${verdict.path} is not visible to user ${ctx.facts.viewerName}; whether ${web.name} may connect to ${p} is unknown. Run with sudo for the full check.`,
          );
        continue;
      }
      const pool = poolsListeningOn(ctx, g.endpoint)[0];
      const future = pool ? poolSocketAccess(pool, principal, ctx.system.users) : undefined;
      if (verdict.result === 'allowed') {
        if (verdict.acl)
          ctx.notice(
            `${web.name} may connect to ${p}: allowed by an ACL (the mode bits ${modeString(verdict.acl.stat)} of ${verdict.acl.path} alone refuse ${verdict.acl.missing.join('')}; the kernel, asked as ${web.name}, allows it).`,
          );
        if (pool && future && !future.granted) out.push(afterRestart(ctx, g.setups, p, pool, future));
        continue;
      }
      if (pool && aclGrants(pool, web.name, web.group?.name)) continue; // POSIX ACLs grant it; the mode bits do not tell
      const bound = listenersAt(ctx, p)?.[0];
      const holders = bound ? holdersOf(ctx, bound.inode, `socket ${p}`) : { processes: [], text: [] };
      const { message, fix } = describe(ctx, verdict, p, pool, holders.processes, future);
      const probe = [
        `web server user: ${principalText(principal, ctx.system.users)}${web.source === 'assumed' ? ' (assumed: the configuration names no User)' : ''}`,
        ...verdict.steps
          .filter((s) => !s.ok || s.path === p)
          .map(
            (s) =>
              `${s.ok ? 'ok' : 'DENIED'} ${s.need.join('')} for ${web.name}: ${statText(s.stat, ctx.system.users)}`,
          ),
        ...(verdict.confirmed ? [confirmedText(web.name, verdict)] : []),
        ...holders.text,
      ];
      if (pool) probe.push(poolText(pool));
      out.push(
        probeFinding({
          id: 'socket-permission-denied',
          severity: 'error',
          title: `The web server's user may not connect to the FastCGI socket`,
          message,
          setups: g.setups,
          probe,
          fix,
        }),
      );
    }
    return out;
  },
};
