// PLACEHOLDER (issue 14): replaced by the rewrite helper's implementation at merge; must not land at a stop.
import type { Directive } from '../../apache/index.js';
import type { RewriteContext, RewriteOutcome } from './seams.js';

export function applyRewrite(_directives: readonly Directive[], _ctx: RewriteContext): RewriteOutcome {
  return {
    result: 'pass',
    passThrough: false,
    last: false,
    end: false,
    env: {},
    steps: [],
    uncertain: ['mod_rewrite is not modelled yet'],
  };
}
