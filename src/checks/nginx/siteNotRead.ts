/**
 * site-not-loaded for nginx: the file `check FILE` names is not read by nginx
 * (src/nginx/reads.ts isFileRead): a site left in sites-available/ without its
 * link in sites-enabled/, or a name the include's glob does not match
 * (conf.d/*.conf and shop.conf.bak).
 */
import * as path from 'node:path';
import { finding } from '../config/make.js';
import type { NginxCheck } from './context.js';

export const nginxSiteNotReadCheck: NginxCheck = {
  ids: ['site-not-loaded'],
  run(a) {
    const v = a.targetRead;
    const file = a.model.targetFile;
    if (!v || v.read || !file) return [];
    const base = path.posix.basename(file);
    let why = `No include of ${a.config.root} (or the files it includes) reads it.`;
    let fix = `Include it from nginx's configuration, or move it where an existing include reads it; then nginx -t and reload nginx.`;
    if (v.reason === 'not-linked' && v.include) {
      const enabled = path.posix.dirname(v.include.pattern);
      why = `It is in sites-available/, but nginx reads ${v.include.pattern} (${v.include.site}) and ${enabled}/ has no link to it.`;
      fix = `Enable it: ln -s ${file} ${enabled}/${base} && nginx -t && systemctl reload nginx.`;
    } else if (v.reason === 'no-match' && v.include) {
      why = `nginx reads ${v.include.pattern} (${v.include.site}), which does not match "${base}".`;
      fix = `Rename it to match ${path.posix.basename(v.include.pattern)} if it is meant to be read; then nginx -t and reload nginx.`;
    }
    return [
      finding({
        id: 'site-not-loaded',
        severity: 'error',
        title: 'nginx never reads this file',
        message: `${file} is not part of nginx's running configuration. ${why} Whatever it sets up does not exist for nginx.${a.model.targetAnalysedAsEnabled ? ' It was analysed anyway, as if it were enabled.' : ''}`,
        at: { file },
        evidence: [`files nginx reads: ${a.config.files.length} (root ${a.config.root})`],
        fix,
      }),
    ];
  },
};
