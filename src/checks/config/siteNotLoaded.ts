/**
 * site-not-loaded: the file the user named is not read by the server. On
 * Debian only sites-enabled/*.conf is included, so a site without a .conf
 * suffix is never read, even when it is symlinked into sites-enabled.
 */
import * as path from 'node:path';
import type { ConfigCheck } from './context.js';
import { finding } from './make.js';

export const siteNotLoadedCheck: ConfigCheck = {
  ids: ['site-not-loaded'],
  run(ctx) {
    const m = ctx.model;
    if (m.targetLoaded || !m.targetFile) return [];
    const base = path.posix.basename(m.targetFile);
    const dir = path.posix.basename(path.posix.dirname(m.targetFile));
    const debian = m.layout === 'debian';
    let why = `No Include in ${m.rootFile} (or the files it includes) reads it.`;
    let fix = `Include it from the server configuration, or move it where an existing Include reads it.`;
    if (debian && !base.endsWith('.conf')) {
      why = `Debian's apache2.conf reads only sites-enabled/*.conf, and "${base}" does not end in .conf, so it is never read even if it is linked into sites-enabled.`;
      fix = `Rename it to ${base}.conf, then enable it: a2ensite ${base} && systemctl reload apache2.`;
    } else if (debian && dir === 'sites-available') {
      why = 'It is in sites-available but not enabled: Debian reads only sites-enabled/*.conf.';
      fix = `Enable it: a2ensite ${base.replace(/\.conf$/, '')} && systemctl reload apache2.`;
    } else if (debian && dir === 'conf-available') {
      why = 'It is in conf-available but not enabled: Debian reads only conf-enabled/*.conf.';
      fix = `Enable it: a2enconf ${base.replace(/\.conf$/, '')} && systemctl reload apache2.`;
    }
    return [
      finding({
        id: 'site-not-loaded',
        severity: 'error',
        title: 'Apache never reads this file',
        message: `${m.targetFile} is not part of the running configuration. ${why} Whatever it sets up does not exist for Apache.${m.targetAnalysedAsEnabled ? ' It was analysed anyway, as if it were enabled.' : ''}`,
        at: { file: m.targetFile },
        evidence: [`files read by the server: ${m.filesRead.length} (root ${m.rootFile})`],
        fix,
      }),
    ];
  },
};
