/** The parts every module's setup starts with, filled the same way for all three. */
import { render } from '../apache/index.js';
import { inactiveReason, ref, sectionRefs, vhostOfAncestors, vhostRef, type Visited } from './common.js';
import type { ExtractContext } from './context.js';
import type { FastcgiSetup } from './types.js';

export type SetupHead = Pick<FastcgiSetup, 'id' | 'module' | 'moduleId' | 'loaded' | 'mode'>;

/**
 * `timeouts` and `params` are passed in where the extractor knows them
 * up front, so no placeholder object is made only to be replaced.
 *
 * Every property is created here, in one order (absent ones as undefined, which
 * JSON leaves out): thousands of setups then share one object shape instead of
 * each growing its own as the extractors fill them in. An extractor that knows
 * the one route assigns `reachedBy = [route]`: a literal is allocated at its
 * size, while a push into the empty array leaves room for 17 (per setup kept).
 */
export function newSetup(
  ctx: ExtractContext,
  v: Visited,
  head: SetupHead,
  timeouts: FastcgiSetup['timeouts'] = {},
  params: FastcgiSetup['params'] = {},
): FastcgiSetup {
  return {
    id: head.id,
    module: head.module,
    moduleId: head.moduleId,
    loaded: head.loaded,
    active: v.d.active,
    inactiveReason: inactiveReason(v.d, v.ancestors),
    mode: head.mode,
    definedAt: ref(v.d),
    directive: render(v.d),
    reachedBy: [],
    vhost: vhostRef(vhostOfAncestors(v.ancestors), ctx.serverRoot),
    sections: sectionRefs(v.ancestors),
    endpoint: undefined,
    backendUrl: undefined,
    workerName: undefined,
    script: undefined,
    runAs: undefined,
    timeouts,
    options: undefined,
    params,
    notes: [],
  };
}

/** The application runs as the web server's own User/Group. */
export function asWebServer(ctx: ExtractContext): NonNullable<FastcgiSetup['runAs']> {
  const r: NonNullable<FastcgiSetup['runAs']> = { via: 'web-server' };
  if (ctx.webUser) r.user = ctx.webUser;
  if (ctx.webGroup) r.group = ctx.webGroup;
  return r;
}
