/**
 * options-mixed-syntax: `Options FollowSymLinks +ExecCGI` mixes a bare word
 * with a +/- word. Apache 2.4 refuses to start ("Either all Options must start
 * with + or -, or no Option may."); 2.2 accepted it with surprising results.
 */
import { flatTree, parsedOptions, render, type Directive } from '../../apache/index.js';
import type { Finding } from '../../findings/finding.js';
import type { ConfigCheck } from './context.js';
import { finding } from './make.js';

export const optionsMixedSyntaxCheck: ConfigCheck = {
  ids: ['options-mixed-syntax', 'config-syntax-error'],
  run(ctx) {
    const out: Finding[] = [];
    const flat = flatTree(ctx.model.tree);
    for (let i = 0; i < flat.nodes.length; i++) {
      const d = flat.nodes[i] as Directive;
      if (d.name !== 'options' || flat.live[i] === 0) continue;
      const parsed = parsedOptions(d);
      if (parsed.mixed) {
        const fixed = d.args.map((a) => (/^[+-]/.test(a) ? a : `+${a}`)).join(' ');
        out.push(
          finding({
            id: 'options-mixed-syntax',
            severity: 'error',
            title: 'Options mixes words with and without +/-',
            message: `"${render(d)}" mixes plain option names with +/- ones. Apache 2.4 refuses to start: "Either all Options must start with + or -, or no Option may." (Apache 2.2 accepted it, which is why old guides show it.)`,
            at: d,
            evidence: [d],
            fix: `Write either "Options ${fixed}" (add to the inherited options) or "Options ${d.args
              .map((a) => a.replace(/^[+-]/, ''))
              .filter((a, i, all) => !d.args[i]?.startsWith('-') && all.indexOf(a) === i)
              .join(' ')}" (replace them).`,
          }),
        );
      }
      for (const e of parsed.errors) {
        if (e.startsWith('Either all Options')) continue;
        out.push(
          finding({
            id: 'config-syntax-error',
            severity: 'error',
            title: 'Apache refuses this Options line',
            message: `Apache stops at startup with: ${e}`,
            at: d,
            evidence: [d],
            fix: 'Use only valid option names: All, ExecCGI, FollowSymLinks, Includes, IncludesNOEXEC, Indexes, MultiViews, SymLinksIfOwnerMatch, None.',
          }),
        );
      }
    }
    return out;
  },
};
