/** The parts every module's setup starts with, filled the same way for all three. */
import { render } from '../apache/index.js';
import { inactiveReason, ref, sectionRefs, vhostOfAncestors, vhostRef, type Visited } from './common.js';
import type { ExtractContext } from './context.js';
import type { FastcgiSetup } from './types.js';

export type SetupHead = Pick<FastcgiSetup, 'id' | 'module' | 'moduleId' | 'loaded' | 'mode'>;

export function newSetup(ctx: ExtractContext, v: Visited, head: SetupHead): FastcgiSetup {
  const s: FastcgiSetup = {
    ...head,
    active: v.d.active,
    definedAt: ref(v.d),
    directive: render(v.d),
    reachedBy: [],
    sections: sectionRefs(v.ancestors),
    timeouts: {},
    params: {},
    notes: [],
  };
  const why = inactiveReason(v.d, v.ancestors);
  if (why) s.inactiveReason = why;
  const vr = vhostRef(vhostOfAncestors(v.ancestors), ctx.serverRoot);
  if (vr) s.vhost = vr;
  return s;
}

/** The application runs as the web server's own User/Group. */
export function asWebServer(ctx: ExtractContext): NonNullable<FastcgiSetup['runAs']> {
  const r: NonNullable<FastcgiSetup['runAs']> = { via: 'web-server' };
  if (ctx.webUser) r.user = ctx.webUser;
  if (ctx.webGroup) r.group = ctx.webGroup;
  return r;
}
