/**
 * "Primary script unknown" for a file that exists here: the PHP-FPM master
 * behind the socket may run in another mount namespace (a Docker or Podman
 * container, a systemd unit with its own mounts), where the web server's path
 * names nothing. FPM opens SCRIPT_FILENAME in its own view of the files
 * (sapi/fpm/fpm/fpm_main.c: init_request_info, then php_fopen_primary_script),
 * and the kernel shows that view to root through /proc/PID/root (proc(5)).
 *
 * The master is found by the socket it listens on (its holders in /proc); a
 * master in another network namespace does not appear in this machine's
 * /proc/net/unix, so for a Unix socket the masters whose view holds the very
 * same socket file (same device and inode through /proc/PID/root) are taken.
 * Read-only: stat and readlink, no request.
 */
import { formatTarget, type Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';
import { isProbeError, type FileStat, type SystemProbes } from '../../system/index.js';
import { listenerInodes } from './scriptAccess.js';

export type ContainerSystem = Pick<SystemProbes, 'fs' | 'users' | 'processes' | 'sockets'>;

const MASTER = /^php-fpm[\d.]*: master process\b/;
const WORKER = /^php-fpm[\d.]*: pool \S+/;
/** Masters whose view of the socket file is compared: a machine runs a handful. */
const MAX_MASTERS = 64;
/**
 * Where the official PHP images and the usual compose files put the site inside
 * the container: tried (a stat each) to name the path the container sees.
 */
const CONTAINER_ROOTS = ['/var/www/html', '/var/www', '/app', '/srv/app', '/srv/www', '/usr/share/nginx/html'];

const commandOf = (cmdline: readonly string[]) => cmdline.join(' ').replace(/\s+/g, ' ').trim();

export interface FpmMasterFound {
  pid: number;
  /** How it was found, as evidence. */
  how: string;
}

/** The PHP-FPM master serving `target` on this machine, if it can be told. */
export function fpmMasterOf(system: ContainerSystem, target: Target): FpmMasterFound | undefined {
  const where = formatTarget(target);
  const inodes = listenerInodes(system, target);
  if (Array.isArray(inodes)) {
    for (const inode of inodes) {
      for (const pid of system.sockets.holders(inode).pids) {
        const p = system.processes.get(pid);
        if (!p) continue;
        const cmd = commandOf(p.cmdline);
        if (MASTER.test(cmd))
          return { pid, how: `${where} is held by the PHP-FPM master pid ${pid} (${cmd.slice(0, 160)})` };
        if (WORKER.test(cmd)) {
          const parent = system.processes.get(p.ppid);
          if (parent && MASTER.test(commandOf(parent.cmdline)))
            return {
              pid: parent.pid,
              how: `${where} is held by PHP-FPM worker pid ${pid}, child of master pid ${parent.pid}`,
            };
        }
      }
    }
  }
  if (target.kind !== 'unix') return undefined;
  // Not listed here: the master may be in another network namespace. Match the socket file itself.
  const here = system.fs.stat(target.path);
  if (isProbeError(here) || here.type !== 'socket') return undefined;
  const masters = system.processes
    .commandLines()
    .filter(({ cmdline }) => MASTER.test(commandOf(cmdline)))
    .slice(0, MAX_MASTERS);
  for (const { pid, cmdline } of masters) {
    const there = system.fs.stat(`/proc/${pid}/root${target.path}`);
    if (!isProbeError(there) && sameFile(here, there))
      return {
        pid,
        how: `${where} is the socket file of the PHP-FPM master pid ${pid} (${commandOf(cmdline).slice(0, 160)}): the same file through /proc/${pid}/root`,
      };
  }
  return undefined;
}

function sameFile(a: FileStat, b: FileStat): boolean {
  return a.type === b.type && a.ino === b.ino && (a.dev === undefined || b.dev === undefined || a.dev === b.dev);
}

export interface ContainerView {
  master: FpmMasterFound;
  /** readlink /proc/PID/ns/mnt of the master and of the doctor. */
  masterNamespace: string;
  ownNamespace: string;
  /** /proc/PID/root<script>: the script as the master sees it. */
  viewPath: string;
  /** Whether the script is there, in the master's view ('unknown': not visible to the doctor). */
  there: 'present' | 'missing' | 'unknown';
  /**
   * The script is under /tmp or /var/tmp and the master has a /tmp of its own while sharing
   * the rest (systemd's PrivateTmp=true): not a container.
   */
  privateTmp: boolean;
  /** The same file under a usual container path (/var/www/html/…), when one holds it, and that root. */
  containerPath?: string;
  containerRoot?: string;
}

/**
 * The script as the master serving `target` sees it, when that master runs in
 * another mount namespace; undefined when it shares the doctor's (or it
 * cannot be told: another user's /proc/PID/ns without root).
 */
export function containerViewOf(
  system: ContainerSystem,
  target: Target,
  script: string,
  roots: readonly string[] = [],
): ContainerView | undefined {
  const ns = system.processes.mountNamespace;
  if (!ns || !script.startsWith('/')) return undefined;
  const master = fpmMasterOf(system, target);
  if (!master) return undefined;
  const masterNamespace = ns.call(system.processes, master.pid);
  const ownNamespace = ns.call(system.processes, 'self');
  if (isProbeError(masterNamespace) || isProbeError(ownNamespace) || masterNamespace === ownNamespace) return undefined;
  const viewPath = `/proc/${master.pid}/root${script}`;
  const st = system.fs.stat(viewPath);
  const there = !isProbeError(st) ? 'present' : st.error === 'missing' ? 'missing' : 'unknown';
  const view: ContainerView = {
    master,
    masterNamespace,
    ownNamespace,
    viewPath,
    there,
    privateTmp: privateTmpOf(system, master.pid, script),
  };
  const here = system.fs.stat(script);
  if (there === 'missing' && !isProbeError(here)) {
    const found = containerPathOf(system, master.pid, script, here.size, roots);
    if (found) Object.assign(view, found);
  }
  return view;
}

/** Whether `script` is under a /tmp or /var/tmp that the master sees as another directory. */
function privateTmpOf(system: ContainerSystem, pid: number, script: string): boolean {
  const tmp = /^\/(?:var\/)?tmp(?=\/)/.exec(script)?.[0];
  if (!tmp) return false;
  const here = system.fs.stat(tmp);
  const there = system.fs.stat(`/proc/${pid}/root${tmp}`);
  return !isProbeError(here) && !isProbeError(there) && !sameFile(here, there);
}

/** The script under a usual container root, the part below the site's root kept: a few stats at most. */
function containerPathOf(
  system: ContainerSystem,
  pid: number,
  script: string,
  size: number,
  roots: readonly string[],
): { containerPath: string; containerRoot: string } | undefined {
  const root = roots
    .filter((r) => script.startsWith(`${r.replace(/\/+$/, '')}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (!root) return undefined;
  const below = script.slice(root.replace(/\/+$/, '').length);
  for (const candidate of CONTAINER_ROOTS) {
    const st = system.fs.stat(`/proc/${pid}/root${candidate}${below}`);
    // Same name and size under the site's usual place in an image: most likely the same file.
    if (!isProbeError(st) && st.type === 'file' && st.size === size)
      return { containerPath: `${candidate}${below}`, containerRoot: candidate };
  }
  return undefined;
}

/** How the master's view differs, in the words of a finding's message. */
export function containerWords(v: ContainerView): string {
  return v.privateTmp
    ? 'runs with a /tmp of its own (systemd PrivateTmp=true, another mount namespace)'
    : 'runs in a container (another mount namespace)';
}

/** Evidence lines for a view. */
export function containerViewText(v: ContainerView): string[] {
  return [
    v.master.how,
    `its mount namespace ${v.masterNamespace} is not this machine's ${v.ownNamespace} (readlink /proc/${v.master.pid}/ns/mnt): ${v.privateTmp ? 'it has a /tmp of its own (systemd PrivateTmp=true)' : 'it runs in a container'}`,
    `${v.viewPath}: ${v.there === 'missing' ? 'no such file (the script as PHP-FPM sees it)' : v.there === 'present' ? 'exists' : 'not visible (run with sudo)'}`,
    ...(v.containerPath
      ? [
          `/proc/${v.master.pid}/root${v.containerPath}: a file of the same name and size, where the container has the site`,
        ]
      : []),
  ];
}

/** The fix for a script that is not in the container's files. */
export function containerFix(
  v: ContainerView,
  siteRoot: string | undefined,
  server: 'apache' | 'nginx' = 'apache',
): string {
  if (v.privateTmp)
    return `PHP-FPM's service has a /tmp of its own (PrivateTmp=true in its systemd unit), so files under /tmp on this machine are not in its view: move the site out of /tmp and /var/tmp (to /srv/www, say). Turning PrivateTmp off for PHP-FPM (systemctl edit on its service: [Service] PrivateTmp=false) also works, at the cost of that protection.`;
  const mount = siteRoot
    ? `mount the site into the container at the same path (docker run -v ${siteRoot}:${siteRoot}, or in compose "volumes: - ${siteRoot}:${siteRoot}")`
    : 'mount the site into the container at the same path (docker run -v, or volumes: in compose)';
  const root = v.containerRoot ?? '<root in the container>';
  const how =
    server === 'nginx'
      ? // After the location's include of fastcgi.conf: PHP-FPM keeps the last value of a param sent twice.
        `in the PHP location, after its include of fastcgi.conf or fastcgi_params, fastcgi_param SCRIPT_FILENAME ${root}$fastcgi_script_name; and fastcgi_param DOCUMENT_ROOT ${root};`
      : `in the vhost, ProxyFCGISetEnvIf "true" SCRIPT_FILENAME "${root}%{reqenv:SCRIPT_NAME}" (Apache ≥ 2.4.26)`;
  const sent = v.containerRoot
    ? `send the path the container sees (${v.containerPath}): ${how}`
    : `send SCRIPT_FILENAME as the container sees the file (${how})`;
  return `The file is in the web server's filesystem but not in the container PHP-FPM runs in (pid ${v.master.pid}): ${mount}, or ${sent}.`;
}

/**
 * A "Primary script unknown" answer for a script that exists here, explained by
 * the container FPM runs in (ping --script): the finding with that cause and
 * fix; undefined when the master shares this machine's files or holds the script.
 */
export function explainContainerScript(
  finding: Finding,
  system: ContainerSystem,
  target: Target,
  script: string,
): Finding | undefined {
  if (isProbeError(system.fs.stat(script))) return undefined;
  // No site root is known here: the container's path is not guessed from a bare file name.
  const view = containerViewOf(system, target, script);
  if (view?.there !== 'missing') return undefined;
  return {
    ...finding,
    message: `${formatTarget(target)} answered "Primary script unknown": ${script} exists on this machine, but the PHP-FPM master behind ${formatTarget(target)} (pid ${view.master.pid}) ${containerWords(view)}, and its files do not hold it.`,
    evidence: [...finding.evidence, ...containerViewText(view).map((text) => ({ kind: 'probe' as const, text }))],
    fix: containerFix(view, undefined),
  };
}
