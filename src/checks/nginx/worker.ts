/**
 * Who nginx's worker is, for routing a request over the files as it sees them
 * (src/system fileSystemAs): try_files, index, the static module and the `if`
 * file tests run in the worker, which runs as nginx's `user` while the doctor
 * usually runs as root.
 *
 * The worker takes the user only under a master process: ngx_worker_process_init
 * (os/unix/ngx_process_cycle.c) calls setgid/initgroups/setuid; with
 * `master_process off` the single process keeps the user that started it,
 * so no view is made then.
 */
import type { NginxConfig } from '../../nginx/types.js';
import {
  type AccessOracle,
  fileSystemAs,
  identityOf,
  type FileSystem,
  type Principal,
  type Users,
} from '../../system/index.js';
import { type ApacheInstance, nginxCompiledUser, type WebIdentity } from '../probes/facts.js';

export interface NginxWorker {
  name: string;
  principal: Principal;
  /** The `user` directive, else the compiled-in default. */
  source: 'config' | 'assumed' | 'live';
}

/** Whether nginx runs its requests in workers that drop to `user` (not `master_process off`). */
export function workersDropPrivileges(config: NginxConfig): boolean {
  const d = config.directives.findLast((x) => x.name === 'master_process');
  return d?.args[0] !== 'off';
}

/** nginx's worker from the configuration alone: the `user` directive (user [group]), else the compiled-in user. */
export function nginxWorkerOf(config: NginxConfig, users: Users): NginxWorker | undefined {
  if (!workersDropPrivileges(config)) return undefined;
  const d = config.directives.find((x) => x.name === 'user');
  const name = d?.args[0] ?? nginxCompiledUser(users);
  const id = identityOf(users, name, d?.args[1]);
  if (!id) return undefined;
  return {
    name,
    principal: { uid: id.uid, gids: [...new Set([id.gid, ...id.groups])], name },
    source: d ? 'config' : 'assumed',
  };
}

/** The files as the worker sees them; the doctor's own view when the worker is unknown or root. */
export function workerView(fs: FileSystem, worker: NginxWorker | undefined, oracle?: AccessOracle): FileSystem {
  if (!worker || worker.principal.uid === 0) return fs;
  return fileSystemAs(fs, worker.principal, oracle);
}

/**
 * The worker as `check` knows it. A running master that is not root keeps its own ids for every
 * process (ngx_set_user ignores `user` then, ngx_worker_process_init changes ids only as root);
 * else facts.web: the `user` directive, a live worker, else the compiled-in user.
 */
export function workerOfFacts(
  config: NginxConfig,
  facts: { web: WebIdentity; apache: ApacheInstance },
  users: Pick<Users, 'userName'>,
): NginxWorker | undefined {
  const master = facts.apache.master;
  if (master && master.euid !== 0) {
    const name = users.userName(master.euid) ?? String(master.euid);
    const principal = { uid: master.euid, gids: [...new Set([master.egid, ...master.groups])], name };
    return { name, principal, source: 'live' };
  }
  const web = facts.web;
  if (!web.principal || !workersDropPrivileges(config)) return undefined;
  return { name: web.name, principal: web.principal, source: web.source };
}
