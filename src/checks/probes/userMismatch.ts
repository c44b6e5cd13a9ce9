/**
 * user-mismatch (warning): the application runs as someone the setup did not
 * intend. Cases: it runs as root (files it writes belong to root, a hole in
 * it is a hole in the machine); a PHP-FPM pool's workers run as another user
 * than the pool's `user` says (FPM not restarted since the change); the web
 * server reaches another user's socket only because the socket is writable
 * by everyone; FastCgiServer -user/-group without a FastCgiWrapper, which
 * mod_fastcgi ignores. A socket the web user cannot use at all is
 * socket-permission-denied, not this.
 */
import type { Finding } from '../../findings/finding.js';
import { isProbeError, mayConnect, permClass, type ProcessInfo } from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { poolText, processText, statText } from './evidence.js';
import { endpointGroups, type EndpointGroup } from './facts.js';
import { poolsListeningOn } from './fpmSide.js';
import { holdersOf } from './holders.js';
import { probeFinding } from './make.js';

function listenerInodes(ctx: ProbeContext, g: EndpointGroup): number[] {
  const e = g.endpoint;
  if (e.kind === 'unix') return (ctx.facts.unixListeners ?? []).filter((l) => l.path === e.path).map((l) => l.inode);
  return (ctx.facts.tcpListeners ?? []).filter((l) => l.port === e.port).map((l) => l.inode);
}

function appProcesses(ctx: ProbeContext, g: EndpointGroup): ProcessInfo[] {
  const out = new Map<number, ProcessInfo>();
  for (const ino of listenerInodes(ctx, g)) for (const p of holdersOf(ctx, ino, 'socket').processes) out.set(p.pid, p);
  return [...out.values()];
}

export const userMismatchCheck: ProbeCheck = {
  ids: ['user-mismatch'],
  run(ctx) {
    const out: Finding[] = [];
    const users = ctx.system.users;
    const web = ctx.facts.web;
    const name = (uid: number) => users.userName(uid) ?? `uid ${uid}`;
    for (const s of ctx.setups) {
      if (s.module === 'fastcgi' && (s.params['user'] || s.params['group']) && s.runAs?.via === 'web-server') {
        out.push(
          probeFinding({
            id: 'user-mismatch',
            severity: 'warning',
            title: '-user/-group are ignored without FastCgiWrapper',
            message: `${s.directive} asks for -user/-group, but without "FastCgiWrapper On" mod_fastcgi ignores them: the application runs as ${web.name}, the web server's user.`,
            setups: [s],
            probe: [`FastCgiWrapper: not set; web server user: ${web.name}`],
            fix: 'Enable suexec with "FastCgiWrapper On" if the application must run as another user, or drop -user/-group.',
          }),
        );
      }
    }
    const groups = endpointGroups(ctx.setups, (s) => s.mode === 'external' || s.mode === 'proxy');
    for (const g of groups) {
      if (g.endpoint.kind === 'unix' && g.endpoint.generated) continue;
      const procs = appProcesses(ctx, g);
      if (procs.length === 0) continue;
      const workers = procs.filter((p) => p.euid !== 0);
      const pool = poolsListeningOn(ctx, g.endpoint)[0];
      const probe = procs.slice(0, 4).map((p) => processText(p, users));
      if (workers.length === 0) {
        out.push(
          probeFinding({
            id: 'user-mismatch',
            severity: 'warning',
            title: 'The FastCGI application runs as root',
            message: `Every process behind ${g.key.replace(/^(unix|tcp):/, '')} runs as root: files it writes belong to root, and a flaw in the application is a flaw in the whole machine. Run it as the web server's user (${web.name}) instead, as the old guides to FastCGI on Apache (mod_fastcgi) advise: start it after "su - ${web.name}", so that it owns its socket and its files and Apache may use them.`,
            setups: g.setups,
            probe,
            fix: pool
              ? `Set "user = ${web.name}" and "group = ${web.group?.name ?? web.name}" in ${pool.file} and restart PHP-FPM.`
              : `Start the application as ${web.name} (spawn-fcgi -u ${web.name} -g ${web.group?.name ?? web.name}, uWSGI --uid/--gid, or the service's User=).`,
          }),
        );
        continue;
      }
      const poolUser = pool?.settings['user'];
      const poolUid = poolUser ? users.user(poolUser)?.uid : undefined;
      if (pool && poolUid !== undefined && !workers.some((p) => p.euid === poolUid)) {
        out.push(
          probeFinding({
            id: 'user-mismatch',
            severity: 'warning',
            title: "The PHP-FPM pool's workers run as another user than its file says",
            message: `Pool [${pool.name}] says "user = ${poolUser}", but its workers run as ${[...new Set(workers.map((p) => name(p.euid)))].join(', ')}: PHP-FPM has not been restarted since the file changed, or another FPM answers on this address.`,
            setups: g.setups,
            probe: [poolText(pool), ...probe],
            fix: `Restart PHP-FPM so that it reads ${pool.file}.`,
          }),
        );
        continue;
      }
      if (g.endpoint.kind !== 'unix' || !web.principal) continue;
      const appUid = workers[0]?.euid;
      if (appUid === undefined || appUid === web.principal.uid) continue;
      const st = ctx.system.fs.stat(g.endpoint.path);
      if (isProbeError(st)) continue;
      const v = mayConnect(ctx.system.fs, web.principal, g.endpoint.path);
      if (v.result === 'allowed' && permClass(st, web.principal) === 'other') {
        out.push(
          probeFinding({
            id: 'user-mismatch',
            severity: 'warning',
            title: "The web server reaches another user's socket only because it is open to everyone",
            message: `The application runs as ${name(appUid)} and ${web.name} may connect to ${g.endpoint.path} only through its "other" bits: any local user can send it requests, and files it writes belong to ${name(appUid)}, not ${web.name}.`,
            setups: g.setups,
            probe: [statText(st, users), ...probe],
            fix: pool
              ? `In ${pool.file} set "listen.group = ${web.group?.name ?? web.name}" and "listen.mode = 0660", then restart PHP-FPM.`
              : `Give the socket to the web server's group and close it to others (chgrp ${web.group?.name ?? web.name} ${g.endpoint.path} && chmod 0660 ${g.endpoint.path}), through the application's socket options so that it lasts.`,
          }),
        );
      }
    }
    return out;
  },
};
