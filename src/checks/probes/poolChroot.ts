/**
 * A pool with `chroot` looks for every script inside its jail: the worker has
 * chroot()ed, so the path the web server sends (SCRIPT_FILENAME, with
 * mod_proxy_fcgi's "proxy:fcgi://host" prefix taken off as
 * sapi/fpm/fpm/fpm_main.c: init_request_info does) is opened as
 * <chroot>/<that path>. A vhost that sends the host's path (/srv/jail/www/x.php
 * where the jail is /srv/jail) names a file that does not exist in the jail:
 * FPM logs "Primary script unknown" and the visitor gets 404 "File not found.".
 * primary-script-unknown from the configuration, at the pool's chroot line.
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { isProbeError } from '../../system/index.js';
import type { DiscoveredScript } from '../discovery/discover.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { configText } from './evidence.js';
import { entryText, scriptsAtPools, type PoolOfInstallation } from './fpmPoolsOfSetups.js';
import { probeFinding } from './make.js';

/** The path FPM opens, as the web server sends it: SCRIPT_FILENAME less mod_proxy_fcgi's prefix, else the file. */
export function sentScriptPath(d: DiscoveredScript): string | undefined {
  const sf = d.route?.backend?.params['SCRIPT_FILENAME'];
  if (sf !== undefined) {
    const stripped = sf.replace(/^proxy:fcgi:\/\/[^/]*/, '');
    if (stripped.startsWith('/')) return stripped;
  }
  return d.route?.file ?? undefined;
}

function jailFix(
  setup: FastcgiSetup,
  chroot: { file: string; line: number },
  inJail: string,
  inside: string | undefined,
  jailRoot: string | undefined,
): string {
  const drop = `or drop chroot from ${chroot.file}:${chroot.line}`;
  if (!jailRoot)
    return `Put the site inside the jail (${inJail}), or make the web server send the path the jail sees; ${drop}.`;
  if (setup.module === 'nginx')
    // A fastcgi_param in the location that already includes fastcgi.conf overrides it: PHP-FPM keeps the last value.
    return `Send the path as the jail sees it (${inside}): in the PHP location (${setup.definedAt.file}:${setup.definedAt.line}), after its include of fastcgi.conf or fastcgi_params, fastcgi_param SCRIPT_FILENAME ${jailRoot}$fastcgi_script_name; and fastcgi_param DOCUMENT_ROOT ${jailRoot}; then nginx -t and reload nginx; ${drop}.`;
  return `Send the path as the jail sees it (${inside}): in the vhost, ProxyFCGISetEnvIf "true" SCRIPT_FILENAME "${jailRoot}%{reqenv:SCRIPT_NAME}" (Apache ≥ 2.4.26), or a ProxyPassMatch whose fcgi:// URL names ${jailRoot}/…; ${drop}.`;
}

function jailFinding(
  ctx: ProbeContext,
  d: DiscoveredScript,
  p: PoolOfInstallation,
  chroot: NonNullable<ReturnType<PoolOfInstallation['pool']['get']>>,
  sent: string,
  inJail: string,
): Finding {
  const setupId = d.route?.backend?.setupId;
  const setup = (setupId && ctx.model.setups.find((s) => s.id === setupId)) || d.setup;
  const jail = chroot.value.replace(/\/+$/, '');
  const inside = sent.startsWith(`${jail}/`) ? sent.slice(jail.length) : undefined;
  // The site's root as the jail sees it, when the site lives inside the jail on the host.
  const root = d.site.roots.find((r) => sent.startsWith(`${r.dir}/`) && r.dir.startsWith(`${jail}/`));
  const jailRoot = inside && root ? root.dir.slice(jail.length) : undefined;
  const f = probeFinding({
    id: 'primary-script-unknown',
    severity: 'error',
    title: 'The backend cannot find the script it was asked to run (Primary script unknown)',
    message: `${d.url} is handed to PHP-FPM pool [${p.pool.name}] as ${sent}, but the pool runs in chroot ${jail}, where that path is ${inJail} on this machine — which does not exist: FPM logs "Primary script unknown" and the visitor gets 404 "File not found.".`,
    location: { file: chroot.file, line: chroot.line },
    probe: [entryText(chroot), `found as ${d.url} → ${sent}`, `${inJail}: no such file`],
    fix: jailFix(setup, chroot, inJail, inside, jailRoot),
  });
  f.setup = setup.id;
  f.evidence.unshift({ kind: 'config', text: configText(setup) });
  return f;
}

export const poolChrootCheck: ProbeCheck = {
  ids: ['primary-script-unknown'],
  run(ctx) {
    const out: Finding[] = [];
    const told = new Set<string>();
    for (const { d, pool: p } of scriptsAtPools(ctx)) {
      const chroot = p.pool.get('chroot');
      if (!chroot?.value.startsWith('/') || chroot.value.replace(/\/+$/, '') === '') continue;
      const sent = sentScriptPath(d);
      if (!sent) continue;
      const inJail = path.posix.join(chroot.value, sent);
      const st = ctx.system.fs.stat(inJail);
      if (!isProbeError(st)) continue;
      if (st.error !== 'missing') {
        ctx.notice(
          `${inJail} is not visible to user ${ctx.facts.viewerName}: whether pool [${p.pool.name}] finds ${sent} in its chroot was not checked. Run with sudo for the full check.`,
        );
        continue;
      }
      const key = `${p.pool.file}\u0000${p.pool.name}\u0000${path.posix.dirname(sent)}`;
      if (told.has(key)) continue;
      told.add(key);
      out.push(jailFinding(ctx, d, p, chroot, sent, inJail));
    }
    return out;
  },
};
