/**
 * socket-in-private-tmp: an external backend's socket under /tmp or /var/tmp.
 * With systemd's PrivateTmp=true (the apache2.service of Debian and Ubuntu, the
 * httpd.service of RHEL and Fedora) Apache sees its own /tmp and the socket is
 * not there. Static/dynamic/fcgid sockets are created by Apache itself, in its
 * own namespace, so they are fine.
 *
 * One finding per socket, with every config line that names it: the cause is the
 * socket's place, not the line. This is the configuration's "may"; on a live
 * check the probe privateTmp.ts reads Apache's unit and namespace and answers it.
 */
import type { Finding } from '../../findings/finding.js';
import type { FastcgiSetup } from '../../setups/index.js';
import type { ConfigCheck, ConfigModel } from './context.js';
import { FoldByCause } from './fold.js';
import { at, finding } from './make.js';

/** The sockets another program creates under /tmp or /var/tmp, each with the setups that name it, first seen first. */
export function socketsInTmp(setups: readonly FastcgiSetup[]): Map<string, FastcgiSetup[]> {
  const out = new Map<string, FastcgiSetup[]>();
  for (const s of setups) {
    if (!s.active || (s.mode !== 'external' && s.mode !== 'proxy')) continue;
    const ep = s.endpoint;
    if (ep?.kind !== 'unix' || !/^\/(var\/)?tmp\//.test(ep.path)) continue;
    const list = out.get(ep.path);
    if (list) list.push(s);
    else out.set(ep.path, [s]);
  }
  return out;
}

export function tmpDirOf(socket: string): string {
  return socket.startsWith('/var/') ? '/var/tmp' : '/tmp';
}

export const PRIVATE_TMP_FIX =
  'Create the socket under /run instead (for example /run/app/app.sock, with a directory the application may write) and use that path on both sides.';

/** The finding when nothing was looked at but the configuration (check --offline). */
function unanswered(model: ConfigModel): Finding[] {
  const fold = new FoldByCause();
  for (const [socket, setups] of socketsInTmp(model.setups)) {
    for (const s of setups) {
      fold.add(
        socket,
        () => `${at(s.definedAt)}: ${s.directive}`,
        () =>
          finding({
            id: 'socket-in-private-tmp',
            severity: 'warning',
            title: `The socket ${socket} is under ${tmpDirOf(socket)}`,
            message: `Apache connects to ${socket}, a socket another program creates. If Apache runs under systemd with PrivateTmp=true (the default unit on Debian, Ubuntu, RHEL, Fedora and others), Apache has a private ${tmpDirOf(socket)} where this socket does not exist, and every request fails with "No such file or directory" although "ls" shows the socket. Whether it does was not looked at (--offline: Apache's systemd unit and its mount namespace were not read).`,
            at: s.definedAt,
            evidence: [`${at(s.definedAt)}: ${s.directive}`],
            fix: PRIVATE_TMP_FIX,
          }),
      );
    }
  }
  return fold.findings();
}

export const socketInPrivateTmpCheck: ConfigCheck = {
  ids: ['socket-in-private-tmp'],
  run(ctx) {
    return unanswered(ctx.model);
  },
};
