/**
 * script-filename-mismatch: SCRIPT_FILENAME is sent, but names another file than
 * the one nginx resolved for the request (a path written out in fastcgi_param
 * instead of $document_root, a `root` changed without the param). Found on the
 * real scripts discovery traced with routeNginx: the file found under the
 * server's root, against the SCRIPT_FILENAME the route computes; reported when
 * the named file does not exist, which is what makes PHP-FPM answer
 * "File not found." ("Primary script unknown").
 */
import type { Finding } from '../../findings/finding.js';
import type { ProbeContext } from '../probes/context.js';
import { poolAt } from '../probes/fpmPoolsOfSetups.js';
import { targetOf } from '../probes/scriptInContainer.js';
import { containerViewOf } from '../request/fpmContainer.js';
import { finding } from '../config/make.js';
import type { NginxAnalysis } from './analyze.js';
import { directiveText, effectiveParams, ownStatementUp, passLevels } from './levels.js';

export function scriptFilenameFindings(ctx: ProbeContext, a: NginxAnalysis): Finding[] {
  const out: Finding[] = [];
  const levels = passLevels(a.routing, a.setups);
  const told = new Set<string>();
  for (const d of ctx.discovery?.scripts ?? []) {
    const route = d.route;
    const sf = route?.backend?.params['SCRIPT_FILENAME'];
    if (route?.outcome !== 'fastcgi' || sf === undefined || sf === d.file) continue;
    // A chrooted pool sees paths inside its chroot: the doctor, outside, cannot judge them.
    if (ctx.system.fs.exists(sf) || poolAt(ctx, route.backend?.endpoint)?.pool.get('chroot')) continue;
    // A PHP-FPM in a container of its own opens the path in its own files: a path that exists there
    // (or that the doctor cannot see) is not this cause; one missing there too still is.
    const target = targetOf(route.backend?.endpoint);
    const view = target ? containerViewOf(ctx.system, target, sf) : undefined;
    if (view && view.there !== 'missing') continue;
    const p = levels.find((x) => x.setup?.id === route.backend?.setupId);
    const param = p ? effectiveParams(p.level).findLast((x) => x.args[0] === 'SCRIPT_FILENAME') : undefined;
    // Quoted at the statement of its own block (the include that brings it from a shared file).
    const quoted = param && p ? ownStatementUp(p.level, param) : param;
    const key = quoted ? `${quoted.file}:${quoted.line}` : (route.backend?.setupId ?? d.url);
    if (told.has(key)) continue;
    told.add(key);
    const f = finding({
      id: 'script-filename-mismatch',
      severity: 'error',
      title: 'nginx sends a SCRIPT_FILENAME that is not the file it resolved',
      message: `For ${d.url}, nginx resolves ${d.file} but sends SCRIPT_FILENAME ${sf}${param ? ` (fastcgi_param SCRIPT_FILENAME ${param.args[1] ?? ''} at ${param.file}:${param.line})` : ''}, which does not exist: PHP-FPM answers "File not found." and logs "Primary script unknown" for the pages of this location.`,
      ...(quoted ? { at: quoted } : p ? { at: p.pass } : {}),
      evidence: [
        ...(quoted ? [directiveText(quoted)] : []),
        ...(p ? [directiveText(p.pass)] : []),
        `traced ${d.url}: file ${d.file}, SCRIPT_FILENAME ${sf} (missing)`,
      ],
      fix: 'Build SCRIPT_FILENAME from the root nginx uses: fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name; (as fastcgi.conf does), or correct the root; then nginx -t and reload nginx.',
    });
    if (p?.setup) f.setup = p.setup.id;
    out.push(f);
  }
  return out;
}
