// PLACEHOLDER (issue 14): replaced by the htaccess helper's implementation at merge; must not land at a stop.
import type { Directive } from '../../apache/index.js';
import type { AllowOverride, HtaccessContext, HtaccessRead } from './seams.js';

export function readHtaccess(_dir: string, _allow: AllowOverride, _ctx: HtaccessContext): HtaccessRead | undefined {
  return undefined;
}

export function allowOverrideOf(_d: readonly Directive[]): AllowOverride {
  return { classes: new Set(), list: new Set() };
}
