/**
 * proxy-url-invalid: a malformed unix:/fcgi:// target — a socket without
 * "|fcgi://…", "unix://run/x.sock", spaces or "=" in the path, no scheme after
 * the bar, or fcgi://host with no port (port 8000, where PHP-FPM's 9000 was
 * surely meant).
 */
import type { Finding } from '../../findings/finding.js';
import { parsedProxyUrl } from '../../setups/index.js';
import type { ConfigCheck } from './context.js';
import { at, finding } from './make.js';

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
