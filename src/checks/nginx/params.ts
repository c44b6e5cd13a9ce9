/**
 * The params a PHP location sends (ngx_http_fastcgi_module.c
 * ngx_http_fastcgi_merge_loc_conf: the fastcgi_param array of the innermost
 * level that has any, the outer ones dropped whole):
 * - fastcgi-param-missing: no SCRIPT_FILENAME in effect where fastcgi_pass
 *   hands PHP scripts on (Debian's fastcgi_params has none: PHP-FPM answers
 *   "File not found." / "Primary script unknown");
 * - fastcgi-params-dropped: a level with its own fastcgi_param hides every one
 *   an outer level sets (a server-wide APP_ENV or HTTPS never reaches PHP).
 */
import type { Finding } from '../../findings/finding.js';
import type { NginxDirective } from '../../nginx/index.js';
import { finding } from '../config/make.js';
import type { NginxCheck } from './context.js';
import { at, directiveText, effectiveParams, ownStatement, paramsSource, passesPhp, passLevels } from './levels.js';
import { inherited } from '../../routing/nginx/config.js';
import { scriptFilenameMissingFinding } from './scriptFilenameMissing.js';

function names(ds: readonly { args: string[] }[]): Set<string> {
  return new Set(ds.map((d) => d.args[0] ?? ''));
}

export const fastcgiParamsCheck: NginxCheck = {
  ids: ['fastcgi-param-missing', 'fastcgi-params-dropped'],
  run(a) {
    const out: Finding[] = [];
    const droppedAt = new Set<string>();
    for (const p of passLevels(a.routing, a.setups)) {
      const params = effectiveParams(p.level);
      const where = p.location
        ? `location ${p.location.modifier ? `${p.location.modifier} ` : ''}${p.location.name}`
        : 'this server';
      if (passesPhp(p) && !names(params).has('SCRIPT_FILENAME')) {
        const from = params[0];
        const include = from?.includedFrom.at(-1);
        const src = from ? paramsSource(p.level) : undefined;
        const quoted = from && src ? ownStatement(src, from) : undefined;
        out.push(
          scriptFilenameMissingFinding({
            subject: `${where} (${at(p.pass)})`,
            target: p.pass.args[0] ?? '',
            paramsNote: from
              ? `the ${params.length} fastcgi_param in effect come from ${include ?? at(from)}`
              : 'no fastcgi_param is in effect',
            where,
            at: p.pass,
            evidence: [directiveText(p.pass), ...(quoted ? [directiveText(quoted)] : [])],
          }),
        );
      }
      const source = paramsSource(p.level);
      const parent = source?.parent;
      if (!source || !parent) continue;
      const own = source.body.filter((d) => d.name === 'fastcgi_param');
      const outer = inherited(parent, 'fastcgi_param');
      const ownNames = names(own);
      const dropped = outer.filter((d) => !ownNames.has(d.args[0] ?? ''));
      const firstOwn = own[0];
      if (dropped.length === 0 || !firstOwn) continue;
      // Located at the level's own statement (its fastcgi_param, or the include that brings them).
      const first = ownStatement(source, firstOwn);
      const outerSource = paramsSource(parent);
      const outerAt = outerSource ? ownStatement(outerSource, outer[0] as NginxDirective) : outer[0];
      if (droppedAt.has(at(first))) continue;
      droppedAt.add(at(first));
      const list = [...new Set(dropped.map((d) => d.args[0] ?? ''))];
      out.push(
        finding({
          id: 'fastcgi-params-dropped',
          severity: 'warning',
          title: 'An inner fastcgi_param drops every fastcgi_param of the outer level',
          message: `${source.kind === 'location' ? where : `the ${source.kind} block`} has fastcgi_param of its own (from ${at(first)}), so nginx sends none of the ${outer.length} set further out (${at(outerAt as NginxDirective)}): ${list.slice(0, 8).join(', ')}${list.length > 8 ? '…' : ''} never reach the backend. nginx inherits fastcgi_param only into a level that sets none.`,
          at: first,
          evidence: [
            directiveText(first),
            ...[...new Set(dropped.map((d) => (outerSource ? ownStatement(outerSource, d) : d)))]
              .slice(0, 5)
              .map(directiveText),
          ],
          fix: `Repeat the outer fastcgi_param lines (${list.slice(0, 4).join(', ')}) in ${source.kind === 'location' ? where : 'the inner block'}, or move them into a file both levels include; then nginx -t and reload nginx.`,
        }),
      );
    }
    return out;
  },
};
