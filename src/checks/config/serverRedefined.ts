/**
 * server-redefined: the same FastCgiServer/FastCgiExternalServer file name
 * defined twice anywhere (typically a :80 vhost and its :443 copy). mod_fastcgi
 * keeps one global table, so Apache refuses to start ("redefinition of
 * previously defined class").
 *
 * One finding per file name: a third definition is the same cause (one name
 * defined in several places), so it is one more line of evidence, not another finding.
 */
import type { FastcgiSetup } from '../../setups/index.js';
import type { ConfigCheck } from './context.js';
import { FoldByCause } from './fold.js';
import { at, finding } from './make.js';

export const serverRedefinedCheck: ConfigCheck = {
  ids: ['server-redefined'],
  run(ctx) {
    // Apache stops at the first redefinition: FoldByCause's default wording for errors.
    const out = new FoldByCause();
    const seen = new Map<string, FastcgiSetup>();
    for (const s of ctx.model.setups) {
      if (!s.active || (s.mode !== 'static' && s.mode !== 'external') || !s.script) continue;
      const prev = seen.get(s.script);
      if (!prev) {
        seen.set(s.script, s);
        continue;
      }
      const directive = s.directive.split(/\s+/)[0] ?? 'FastCgiServer';
      const first = prev;
      out.add(
        s.script,
        () => `${at(s.definedAt)}: ${s.directive}`,
        () =>
          finding({
            id: 'server-redefined',
            severity: 'error',
            title: `${s.script} is defined twice`,
            message: `${directive} for ${s.script} appears at ${at(first.definedAt)} and again here. mod_fastcgi keeps one table for the whole server, vhosts included, so Apache refuses to start: "${directive}: redefinition of previously defined class "${s.script}"".`,
            at: s.definedAt,
            evidence: [
              `${at(s.definedAt)}: ${s.directive}`,
              `${at(first.definedAt)}: ${first.directive} (the first definition)`,
            ],
            fix: 'Define it once, outside the <VirtualHost> blocks (both vhosts can use it), or give each vhost its own file name (for example php-fcgi-example-80 and php-fcgi-example-443).',
          }),
      );
    }
    return out.findings();
  },
};
