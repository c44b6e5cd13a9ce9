/**
 * The user a backend runs a script as, which is not always the web server's:
 * the PHP-FPM pool whose `listen` is the setup's endpoint (its `user` and
 * `group`), the process that listens there (an external application), the
 * FcgidWrapper / suexec user for mod_fcgid and mod_fastcgi, and only then
 * the web server's user, with a note that says so.
 */
import type { Target } from '../../client/target.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { isProbeError, type FpmPool, type Principal, type SystemProbes } from '../../system/index.js';
import type { Facts } from './facts.js';
import { fpmWorkerUser } from '../request/scriptAccess.js';
import { requestTarget } from '../request/setupRequest.js';

export interface BackendIdentity {
  principal?: Principal;
  name: string;
  /** How it was learnt, for evidence ("pool www (/etc/php/8.2/fpm/pool.d/www.conf:1): user = blog"). */
  via: string;
  /** True when it is the web server's user for want of anything better. */
  fallback: boolean;
  /** The backend execs the script itself (fcgiwrap): it needs x, and its #! line matters. */
  execs?: boolean;
  /**
   * Whether the backend opens the file the URL maps to at all: PHP-FPM,
   * fcgiwrap and what Apache starts do; a generic application behind a socket
   * (a Python or Go app) ignores SCRIPT_FILENAME, so its permissions say nothing.
   */
  readsFiles: boolean;
}

const ANY_HOST = new Set(['0.0.0.0', '::', '*', '[::]']);

/** The pool that listens where the setup connects. */
export function poolFor(pools: readonly FpmPool[], target: Target): FpmPool | undefined {
  return pools.find((p) => {
    const e = p.endpoint;
    if (!e) return false;
    if (target.kind === 'unix') return e.kind === 'unix' && e.path === target.path;
    if (e.kind !== 'tcp' || e.port !== target.port) return false;
    return ANY_HOST.has(e.host) || e.host === target.host || (e.host === '127.0.0.1' && target.host === 'localhost');
  });
}

function principalOf(system: SystemProbes, user: string, group?: string): Principal | undefined {
  const u = system.users.user(user.replace(/^~/, ''));
  if (!u) return undefined;
  const gid = group ? system.users.group(group)?.gid : undefined;
  return { uid: u.uid, gids: [...new Set([gid ?? u.gid, ...u.groups])], name: u.name };
}

/** The owner of the process that listens on the endpoint (an external application: fcgiwrap, a Python app). */
function listenerOwner(system: SystemProbes, target: Target): BackendIdentity | undefined {
  const listeners = target.kind === 'unix' ? system.sockets.unixListeners() : system.sockets.tcpListeners();
  if (isProbeError(listeners)) return undefined;
  const inodes = listeners
    .filter((l) =>
      target.kind === 'unix' ? 'path' in l && l.path === target.path : 'port' in l && l.port === target.port,
    )
    .map((l) => l.inode);
  for (const inode of inodes) {
    for (const pid of system.sockets.holders(inode).pids) {
      const p = system.processes.get(pid);
      if (!p) continue;
      const name = system.users.userName(p.euid) ?? `uid ${p.euid}`;
      const cmd = p.cmdline.join(' ').replace(/\s+/g, ' ').trim().slice(0, 120) || p.comm;
      return {
        principal: { uid: p.euid, gids: [...new Set([p.egid, ...p.groups])], name },
        name,
        via: `the process listening there runs as ${name} (pid ${p.pid}: ${cmd})`,
        fallback: false,
        readsFiles: p.comm === 'fcgiwrap' || /(^|\/)fcgiwrap$/.test(p.cmdline[0] ?? ''),
        // fcgiwrap runs each script as a CGI program (fcgiwrap.c: execve of SCRIPT_FILENAME).
        execs: p.comm === 'fcgiwrap' || /(^|\/)fcgiwrap$/.test(p.cmdline[0] ?? ''),
      };
    }
  }
  return undefined;
}

function web(facts: Facts, why: string, readsFiles: boolean): BackendIdentity {
  const w = facts.web;
  return {
    readsFiles,
    ...(w.principal ? { principal: w.principal } : {}),
    name: w.name,
    via: `${why}: checked as the web server's user ${w.name}`,
    fallback: true,
  };
}

export function backendIdentity(setup: FastcgiSetup, system: SystemProbes, facts: Facts): BackendIdentity {
  // nginx's fastcgi_pass, like mod_proxy_fcgi, names a backend behind an endpoint that runs as its own user.
  if (setup.module === 'proxy_fcgi' || setup.module === 'nginx' || setup.mode === 'external') {
    const target = requestTarget(setup);
    if (!target) return web(facts, 'the backend has no fixed endpoint', false);
    const pool = poolFor(facts.fpm.pools, target);
    const user = pool?.settings['user'];
    if (pool && user) {
      const group = pool.settings['group'];
      const principal = principalOf(system, user, group);
      const at = `${pool.file}:${pool.lines['user'] ?? pool.line}`;
      if (principal)
        return {
          principal,
          name: principal.name ?? user,
          via: `PHP-FPM pool [${pool.name}] (${at}): user = ${user}${group ? `, group = ${group}` : ''}`,
          fallback: false,
          readsFiles: true,
        };
      return web(facts, `the pool [${pool.name}]'s user "${user}" (${at}) is not in /etc/passwd`, true);
    }
    const live = fpmWorkerUser(system, target);
    if (live.known)
      return { principal: live.principal, name: live.name, via: live.via, fallback: false, readsFiles: true };
    const owner = listenerOwner(system, target);
    if (owner) return owner;
    return web(facts, `no PHP-FPM pool file listens there and ${live.why}`, false);
  }
  const r = setup.runAs;
  if (r && r.via !== 'web-server' && r.user) {
    const principal = principalOf(system, r.user, r.group);
    if (principal)
      return {
        principal,
        name: principal.name ?? r.user,
        via: `${r.via === 'suexec' ? 'SuexecUserGroup' : 'the wrapper'} runs it as ${r.user}`,
        fallback: false,
        readsFiles: true,
      };
    return web(facts, `the application's user "${r.user}" is not in /etc/passwd`, true);
  }
  const w = facts.web;
  return {
    ...(w.principal ? { principal: w.principal } : {}),
    name: w.name,
    via: `Apache starts it as its own user ${w.name}`,
    fallback: false,
    readsFiles: true,
  };
}
