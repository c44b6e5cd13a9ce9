/**
 * execcgi-off: only where the module checks it — mod_fcgid handlers (403 with
 * nothing in the error log) and mod_fastcgi dynamic applications ("ExecCGI
 * Option" is off in this directory). mod_fastcgi static/external servers and
 * mod_proxy_fcgi never look at ExecCGI: flagging them would be wrong.
 */
import type { Finding } from '../../findings/finding.js';
import type { ConfigCheck } from './context.js';
import { at, finding } from './make.js';

export const execcgiOffCheck: ConfigCheck = {
  ids: ['execcgi-off'],
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.model.setups) {
      if (!s.active || !s.options) continue;
      if (s.mode !== 'fcgid' && s.mode !== 'dynamic') continue;
      if (s.options.values.includes('ExecCGI')) continue;
      const last = s.options.from.at(-1);
      const symptom =
        s.mode === 'fcgid'
          ? 'mod_fcgid answers 403 Forbidden and writes nothing to the error log'
          : 'mod_fastcgi answers 403 Forbidden and logs \'FastCGI: "ExecCGI Option" is off in this directory\'';
      out.push(
        finding({
          id: 'execcgi-off',
          severity: 'error',
          title: 'ExecCGI is off where scripts should run',
          message: `Requests for ${s.options.directory} go to ${s.module === 'fcgid' ? 'mod_fcgid' : 'a mod_fastcgi dynamic application'}, but the Options in effect there are "${s.options.values.join(' ') || 'None'}", without ExecCGI: ${symptom}.${last ? ` The last Options that applies is at ${at(last)}; a list without + or - replaces the inherited options instead of adding to them.` : ''}`,
          at: s.definedAt,
          evidence: [`${at(s.definedAt)}: ${s.directive}`, ...s.options.from.map((f) => `${at(f)}: Options line that applies`)],
          fix: `Add "Options +ExecCGI" inside <Directory ${s.options.directory}> (or the section that sets the handler).`,
        }),
      );
    }
    return out;
  },
};
