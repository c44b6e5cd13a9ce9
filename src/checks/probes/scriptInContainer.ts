/**
 * primary-script-unknown for a script that exists on this machine but not in
 * the container PHP-FPM runs in: the master behind the socket is in another
 * mount namespace, and /proc/<master>/root<path> (the path as FPM opens it)
 * names nothing. FPM then logs "Primary script unknown" and the visitor gets
 * 404 "File not found.", while `ls` on the host shows the file.
 *
 * Precedence: a pool with chroot is poolChroot's (the jail decides the path);
 * a script missing here is not this cause; a script present in the
 * container's view is fine here (its permissions are discoveredScripts').
 */
import * as path from 'node:path';
import type { Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';
import type { Endpoint } from '../../setups/index.js';
import { isProbeError } from '../../system/index.js';
import { containerFix, containerViewOf, containerViewText, containerWords } from '../request/fpmContainer.js';
import type { ProbeCheck } from './context.js';
import { poolAt } from './fpmPoolsOfSetups.js';
import { probeFinding } from './make.js';
import { sentScriptPath } from './poolChroot.js';
import { isLocal } from './tcpBackend.js';

/** The address a setup's endpoint is reached at; undefined for an endpoint the module makes up. */
export function targetOf(e: Endpoint | undefined): Target | undefined {
  if (!e) return undefined;
  if (e.kind === 'unix') return e.generated ? undefined : { kind: 'unix', path: e.path };
  return { kind: 'tcp', host: e.host, port: e.port };
}

export const scriptInContainerCheck: ProbeCheck = {
  ids: ['primary-script-unknown'],
  run(ctx) {
    const out: Finding[] = [];
    const told = new Set<string>();
    for (const d of ctx.discovery?.scripts ?? []) {
      const backend = d.route?.outcome === 'fastcgi' ? d.route.backend : undefined;
      const target = targetOf(backend?.endpoint);
      if (!backend || !target) continue;
      if (target.kind === 'tcp' && !isLocal(ctx, target.host)) continue;
      if (poolAt(ctx, backend.endpoint)?.pool.get('chroot')) continue;
      const sent = sentScriptPath(d);
      if (!sent || isProbeError(ctx.system.fs.stat(sent))) continue;
      const view = containerViewOf(
        ctx.system,
        target,
        sent,
        d.site.roots.map((r) => r.dir),
      );
      if (!view) continue;
      if (view.there === 'unknown') {
        ctx.notice(
          `${view.viewPath} is not visible to user ${ctx.facts.viewerName}: whether the PHP-FPM container (pid ${view.master.pid}) holds ${sent} was not checked. Run with sudo for the full check.`,
        );
        continue;
      }
      if (view.there !== 'missing') continue;
      const key = `${view.master.pid}\u0000${path.posix.dirname(sent)}`;
      if (told.has(key)) continue;
      told.add(key);
      const setup = (backend.setupId && ctx.model.setups.find((s) => s.id === backend.setupId)) || d.setup;
      const root = d.site.roots.find((r) => sent.startsWith(`${r.dir.replace(/\/+$/, '')}/`))?.dir;
      const f = probeFinding({
        id: 'primary-script-unknown',
        severity: 'error',
        title: 'The backend cannot find the script it was asked to run (Primary script unknown)',
        message: `${d.url} is handed to PHP-FPM as ${sent}, a file that exists on this machine; but the PHP-FPM master serving it (pid ${view.master.pid}) ${containerWords(view)}, and its files do not hold ${sent}: FPM logs "Primary script unknown" and the visitor gets 404 "File not found.".${view.containerPath ? ` The container has a file of the same name and size at ${view.containerPath}.` : ''}`,
        setups: [setup],
        probe: [`found as ${d.url} → ${sent}`, `${sent}: exists on this machine`, ...containerViewText(view)],
        fix: containerFix(view, root, setup.module === 'nginx' ? 'nginx' : 'apache'),
      });
      // The request step's "Primary script unknown" for this setup joins this finding.
      f.setup = setup.id;
      out.push(f);
    }
    return out;
  },
};
