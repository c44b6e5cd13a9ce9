/**
 * socket-in-private-tmp: an external backend's socket under /tmp or /var/tmp.
 * With systemd's PrivateTmp=true (RHEL/Fedora httpd unit) Apache sees its own
 * /tmp and the socket is not there. Static/dynamic/fcgid sockets are created by
 * Apache itself, in its own namespace, so they are fine.
 */
import type { Finding } from '../../findings/finding.js';
import type { ConfigCheck } from './context.js';
import { at, finding } from './make.js';

export const socketInPrivateTmpCheck: ConfigCheck = {
  ids: ['socket-in-private-tmp'],
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.model.setups) {
      if (!s.active || (s.mode !== 'external' && s.mode !== 'proxy')) continue;
      const ep = s.endpoint;
      if (ep?.kind !== 'unix' || !/^\/(var\/)?tmp\//.test(ep.path)) continue;
      out.push(
        finding({
          id: 'socket-in-private-tmp',
          severity: 'warning',
          title: `The socket ${ep.path} is under ${ep.path.startsWith('/var/') ? '/var/tmp' : '/tmp'}`,
          message: `Apache connects to ${ep.path}, a socket another program creates. If Apache runs under systemd with PrivateTmp=true (the default unit on RHEL, Fedora and others), Apache has a private /tmp where this socket does not exist, and every request fails with "No such file or directory" although "ls" shows the socket.`,
          at: s.definedAt,
          evidence: [`${at(s.definedAt)}: ${s.directive}`],
          fix: 'Create the socket under /run instead (for example /run/app/app.sock, with a directory the application may write) and use that path on both sides.',
        }),
      );
    }
    return out;
  },
};
