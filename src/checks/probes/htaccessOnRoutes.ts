/**
 * A .htaccess on the way to a script the site serves that Apache cannot run
 * (php_value under PHP-FPM, a directive of a module not loaded, one that
 * AllowOverride forbids, a file Apache may not read): every URL beneath it
 * answers 500 (403). The routes discovery traced went through those files;
 * one finding per file and cause, whatever the number of scripts beneath.
 */
import type { HtaccessProblem } from '../../routing/types.js';
import { htaccessFindings } from '../request/htaccessInvalid.js';
import type { ProbeCheck } from './context.js';

export const htaccessOnRoutesCheck: ProbeCheck = {
  ids: ['htaccess-invalid-command'],
  run(ctx) {
    const bySite = new Map<string, HtaccessProblem[]>();
    for (const d of ctx.discovery?.scripts ?? []) {
      const problems = d.route?.htaccess ?? [];
      if (problems.length === 0) continue;
      const list = bySite.get(d.site.label) ?? [];
      list.push(...problems);
      bySite.set(d.site.label, list);
    }
    // htaccessFindings folds the same file and cause met on several routes.
    return [...bySite].flatMap(([vhost, problems]) => htaccessFindings(problems, { vhost }));
  },
};
