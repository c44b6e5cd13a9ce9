/**
 * What `trace --format json` adds to the envelope (README, "trace"):
 * `trace`, the route exactly as the routing model computed it (the contract's
 * member: src/routing/types.ts Route); `server` "nginx" when nginx routed it;
 * when a request was sent, `response` as `ping` writes it and `browser`, what
 * the web server would send a browser for that answer; when none was,
 * `notSent`, why.
 */
import type { TraceRequestResult } from '../checks/request/traceRequest.js';
import type { Route } from '../routing/types.js';
import { pingJsonExtras } from './pingJson.js';

export function traceJsonExtras(
  route: Route,
  live?: TraceRequestResult,
  server: 'apache' | 'nginx' = 'apache',
): Record<string, unknown> {
  // `server` only for nginx: Apache's documents stay as they were (absent means Apache).
  const extras: Record<string, unknown> = { trace: route, ...(server === 'nginx' ? { server } : {}) };
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
