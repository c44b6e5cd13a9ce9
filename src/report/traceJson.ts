/**
 * What `trace --format json` adds to the envelope (README, "trace"):
 * `trace`, the route exactly as the routing model computed it (the contract's
 * member: src/routing/types.ts Route); when a request was sent, `response` as
 * `ping` writes it and `browser`, what Apache would send a browser for that
 * answer; when none was, `notSent`, why.
 */
import type { TraceRequestResult } from '../checks/request/traceRequest.js';
import type { Route } from '../routing/types.js';
import { pingJsonExtras } from './pingJson.js';

export function traceJsonExtras(route: Route, live?: TraceRequestResult): Record<string, unknown> {
  const extras: Record<string, unknown> = { trace: route };
  if (!live) return extras;
  if (live.skipped !== undefined) extras.notSent = live.skipped;
  if (live.response) {
    Object.assign(
      extras,
      pingJsonExtras({ target: '', response: live.response, expectations: live.expectations, findings: [] }),
    );
  }
  if (live.browser) extras.browser = live.browser;
  return extras;
}
