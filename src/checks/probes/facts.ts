/**
 * Facts every check needs, learnt once: who the web server runs as (its User
 * and Group, with the user's supplementary groups, as initgroups() gives
 * them), which Apache instance serves this configuration, the PHP-FPM pools
 * on disk, and the listening sockets.
 */
import * as path from 'node:path';
import { mainServerValue, resolveServerPath } from '../../apache/index.js';
import type { Endpoint, FastcgiSetup } from '../../setups/index.js';
import {
  isProbeError,
  type FpmPoolScan,
  type GroupInfo,
  type Principal,
  type ProcessInfo,
  type SystemProbes,
  type TcpListener,
  type UnixListener,
  type UserInfo,
} from '../../system/index.js';
import type { ConfigModel } from '../config/context.js';

export const APACHE_NAMES = new Set([
  'apache2',
  'httpd',
  'httpd-prefork',
  'httpd-worker',
  'httpd-event',
  'httpd2',
  'httpd2-prefork',
  'httpd2-worker',
]);

export interface WebIdentity {
  name: string;
  user?: UserInfo;
  group?: GroupInfo;
  principal?: Principal;
  /** Where the name came from. */
  source: 'config' | 'live' | 'assumed';
}

export interface ApacheInstance {
  master?: ProcessInfo;
  /** Every descendant of the master. */
  descendants: ProcessInfo[];
  pidFile: string;
  /** How the master was found, for evidence. */
  how: string;
  /** Apache masters seen that do not belong to this configuration. */
  others: ProcessInfo[];
}

export interface Facts {
  /** The web server the model is of, as the findings name it. */
  serverName: 'Apache' | 'nginx';
  web: WebIdentity;
  apache: ApacheInstance;
  fpm: FpmPoolScan;
  unixListeners: UnixListener[] | undefined;
  tcpListeners: TcpListener[] | undefined;
  /** Whether other users' processes are visible at all (hidepid mounts hide them). */
  processesVisible: boolean;
  viewerName: string;
}

/** An nginx process: its title is "nginx: master process …" / "nginx: worker process" (ngx_setproctitle). */
export function isNginx(p: ProcessInfo): boolean {
  return p.comm === 'nginx' || /^nginx: /.test(p.cmdline[0] ?? '');
}

/**
 * The running nginx master of this configuration: the one whose title names the root
 * with -c, else one with no -c (the packaged instance reads /etc/nginx/nginx.conf).
 * nginx's pid file is not read: its path is compiled in and the title says enough.
 */
export function findNginx(model: ConfigModel, system: Pick<SystemProbes, 'processes'>): ApacheInstance {
  const all = system.processes.list();
  // A master's title says so; an nginx run with master_process off keeps its command line (one process).
  const masters = all.filter(
    (p) =>
      isNginx(p) &&
      (/master process/.test(p.cmdline.join(' ')) || !all.some((q) => q.pid === p.ppid && isNginx(q))) &&
      !/worker process|cache (manager|loader) process/.test(p.cmdline.join(' ')),
  );
  const named = masters.find((m) => m.cmdline.join(' ').includes(`-c ${model.rootFile}`));
  const plain = masters.find((m) => !/\s-c\s?/.test(m.cmdline.join(' ')));
  const master = named ?? (model.rootFile === '/etc/nginx/nginx.conf' ? plain : undefined);
  if (!master) return { descendants: [], pidFile: '', how: 'none', others: masters };
  return {
    master,
    descendants: descendantsOf(all, master.pid),
    pidFile: '',
    how: named ? `its command line names ${model.rootFile}` : 'the packaged instance (no -c on its command line)',
    others: masters.filter((m) => m.pid !== master.pid),
  };
}

export function isApache(p: ProcessInfo): boolean {
  const argv0 = path.posix.basename(p.cmdline[0] ?? '');
  return APACHE_NAMES.has(p.comm) || APACHE_NAMES.has(argv0);
}

export function descendantsOf(all: readonly ProcessInfo[], pid: number): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const p of all) {
      if (p.ppid === parent && p.pid !== pid) {
        out.push(p);
        queue.push(p.pid);
      }
    }
  }
  return out;
}

function pidFileOf(model: ConfigModel): string {
  const d = model.tree.length > 0 ? mainServerValue(model.tree, 'pidfile') : undefined;
  // httpd's default is DefaultRuntimeDir/httpd.pid; a relative PidFile hangs off it too.
  const rt = model.runtimeDir || resolveServerPath(model.serverRoot, 'logs');
  const v = d?.args[0];
  if (!v) return path.posix.join(rt, 'httpd.pid');
  return path.posix.isAbsolute(v) ? v : path.posix.join(rt, v);
}

const SYSTEM_ROOTS = ['/etc/apache2/apache2.conf', '/etc/httpd/conf/httpd.conf', '/usr/local/apache2/conf/httpd.conf'];

/** The running Apache master of this configuration: from its PidFile, else its command line (any others too). */
export function findApache(model: ConfigModel, system: Pick<SystemProbes, 'fs' | 'processes'>): ApacheInstance {
  const all = system.processes.list();
  const masters = all.filter((p) => isApache(p) && !all.some((q) => q.pid === p.ppid && isApache(q)));
  const pidFile = pidFileOf(model);
  const found = (master: ProcessInfo, how: string): ApacheInstance => ({
    master,
    descendants: descendantsOf(all, master.pid),
    pidFile,
    how,
    others: masters.filter((m) => m.pid !== master.pid),
  });
  const text = system.fs.readText(pidFile);
  if (!isProbeError(text)) {
    const pid = Number(text.trim());
    const p = system.processes.get(pid);
    if (p && isApache(p)) return found(p, `pid ${pid} from ${pidFile}`);
  }
  // A master started with "-f <this root file>", or the packaged instance for the packaged config.
  const named = masters.find((m) => m.cmdline.some((a) => a === model.rootFile));
  if (named) return found(named, `its command line names ${model.rootFile}`);
  if (SYSTEM_ROOTS.includes(model.rootFile) || model.layout === 'standalone') {
    const plain = masters.find((m) => !m.cmdline.includes('-f'));
    if (plain) return found(plain, 'the packaged instance (no -f on its command line)');
  }
  return { descendants: [], pidFile, how: 'none', others: masters };
}

/**
 * nginx's user without a `user` directive: the compiled-in one (--user): "nginx" in the official
 * image and RHEL's package, "nobody" in nginx.org's default build and Debian's (whose nginx.conf
 * says www-data).
 */
export function nginxCompiledUser(users: Pick<SystemProbes['users'], 'user'>): string {
  return users.user('nginx') ? 'nginx' : 'nobody';
}

function webIdentity(model: ConfigModel, system: SystemProbes, apache: ApacheInstance): WebIdentity {
  // The live children are the truth; the configuration says what they should be.
  const nginx = model.webServer === 'nginx';
  const child = apache.descendants.find((p) => p.euid !== 0 && (nginx ? isNginx(p) : isApache(p)));
  let name = model.webUser;
  let source: WebIdentity['source'] = 'config';
  if (!name && child) {
    name = system.users.userName(child.euid) ?? String(child.euid);
    source = 'live';
  }
  if (!name && nginx) {
    name = nginxCompiledUser(system.users);
    source = 'assumed';
  }
  if (!name) {
    name = system.users.user('www-data') ? 'www-data' : system.users.user('apache') ? 'apache' : 'daemon';
    source = 'assumed';
  }
  const user = system.users.user(name);
  const groupName =
    model.webGroup ?? (source === 'config' ? undefined : child ? system.users.groupName(child.egid) : undefined);
  const group =
    groupName !== undefined ? system.users.group(groupName) : user ? system.users.group(user.gid) : undefined;
  const id: WebIdentity = { name, source };
  if (user) id.user = user;
  if (group) id.group = group;
  if (user) {
    const primary = group?.gid ?? user.gid;
    id.principal = { uid: user.uid, gids: [...new Set([primary, ...user.groups])], name };
  } else if (child && source === 'live') {
    id.principal = { uid: child.euid, gids: [...new Set([child.egid, ...child.groups])], name };
  }
  return id;
}

export function gatherFacts(model: ConfigModel, system: SystemProbes, fpmConfigs: readonly string[] = []): Facts {
  const apache = model.webServer === 'nginx' ? findNginx(model, system) : findApache(model, system);
  const unix = system.sockets.unixListeners();
  const tcp = system.sockets.tcpListeners();
  const all = system.processes.list();
  const viewer = system.processes.viewer();
  const processesVisible = viewer.euid === 0 || all.some((p) => p.uid !== viewer.uid);
  return {
    serverName: model.webServer === 'nginx' ? 'nginx' : 'Apache',
    web: webIdentity(model, system, apache),
    apache,
    // Every installation, each running master's own configuration and the files named (src/system, src/fpm).
    fpm: system.fpm.scan(fpmConfigs),
    unixListeners: isProbeError(unix) ? undefined : unix,
    tcpListeners: isProbeError(tcp) ? undefined : tcp,
    processesVisible,
    viewerName: system.users.userName(viewer.euid) ?? `uid ${viewer.euid}`,
  };
}

export function endpointKey(e: Endpoint): string {
  return e.kind === 'unix' ? `unix:${e.path}` : `tcp:${e.host}:${e.port}`;
}

export interface EndpointGroup {
  key: string;
  endpoint: Endpoint;
  /** Every setup that reaches this endpoint, first defined first. */
  setups: FastcgiSetup[];
}

/** Setups grouped by the endpoint they reach, so that one socket gives one finding. */
export function endpointGroups(
  setups: readonly FastcgiSetup[],
  filter: (s: FastcgiSetup) => boolean = () => true,
): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  for (const s of setups) {
    if (!s.endpoint || !filter(s)) continue;
    const key = endpointKey(s.endpoint);
    const g = groups.get(key);
    if (g) g.setups.push(s);
    else groups.set(key, { key, endpoint: s.endpoint, setups: [s] });
  }
  return [...groups.values()];
}
