/**
 * proxy-url-invalid: a malformed unix:/fcgi:// target — a socket without
 * "|fcgi://…", "unix://run/x.sock", spaces or "=" in the path, no scheme after
 * the bar, or fcgi://host with no port (port 8000, where PHP-FPM's 9000 was
 * surely meant), or a socket path longer than a socket address holds.
 */
import type { Finding } from '../../findings/finding.js';
import { parsedProxyUrl } from '../../setups/index.js';
import type { ConfigCheck } from './context.js';
import { at, finding } from './make.js';

/**
 * The longest socket path mod_proxy can connect to: it passes the path without
 * its NUL (addrlen = offsetof(sun_path) + strlen), and Linux takes up to the
 * whole 108 bytes of sun_path that way; one more is EINVAL (verified on 2.4).
 */
const APACHE_UDS_PATH_MAX = 108;

export const proxyUrlInvalidCheck: ConfigCheck = {
  ids: ['proxy-url-invalid'],
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.model.setups) {
      if (s.module !== 'proxy_fcgi' || !s.backendUrl || !s.active) continue;
      if (s.backendUrl.includes('%{')) continue;
      const first = s.reachedBy[0];
      const context = first && (first.kind === 'SetHandler' || first.handler) ? 'handler' : 'proxypass';
      const parsed = parsedProxyUrl(s, s.backendUrl, ctx.model.runtimeDir, context);
      for (const e of parsed.errors) {
        out.push(
          finding({
            id: 'proxy-url-invalid',
            severity: 'error',
            title: 'The FastCGI backend address is malformed',
            message: e,
            at: s.definedAt,
            evidence: [`${at(s.definedAt)}: ${s.directive}`],
            fix: 'Write the target as "unix:/absolute/path.sock|fcgi://localhost/" for a Unix socket, or "fcgi://127.0.0.1:9000/" for TCP.',
          }),
        );
      }
      const ep = parsed.endpoint;
      if (parsed.errors.length === 0 && ep?.kind === 'unix' && Buffer.byteLength(ep.path) > APACHE_UDS_PATH_MAX) {
        out.push(
          finding({
            id: 'proxy-url-invalid',
            severity: 'error',
            title: 'The socket path is too long for Apache to connect to',
            message: `${ep.path} is ${Buffer.byteLength(ep.path)} bytes long; a Unix socket address holds at most ${APACHE_UDS_PATH_MAX}. Apache starts, but every request answers 503 and the error log says "(22)Invalid argument: AH02454: FCGI: attempt to connect to Unix domain socket … failed", even while the application listens there.`,
            at: s.definedAt,
            evidence: [`${at(s.definedAt)}: ${s.directive}`],
            fix: `Make the application listen on a shorter path (under /run, for example /run/php/app.sock) and name that path here.`,
          }),
        );
      }
      if (parsed.errors.length === 0 && ep?.kind === 'tcp' && ep.defaultPort) {
        out.push(
          finding({
            id: 'proxy-url-invalid',
            severity: 'warning',
            title: 'fcgi:// without a port connects to port 8000',
            message: `"${s.backendUrl}" names no port, so Apache connects to ${ep.host}:8000 (the fcgi:// default), not 9000 where PHP-FPM usually listens.`,
            at: s.definedAt,
            evidence: [`${at(s.definedAt)}: ${s.directive}`],
            fix: `Write the port explicitly, for example fcgi://${ep.host}:9000/.`,
          }),
        );
      }
    }
    return out;
  },
};
