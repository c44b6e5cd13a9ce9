// PLACEHOLDER (issue 14): replaced by the route helper's implementation at merge; must not land at a stop.
import type { RouteRequest } from './types.js';

export function parseRouteUrl(
  _url: string,
  _opts: { method?: string; headers?: Record<string, string> } = {},
): RouteRequest | { error: string } {
  return { error: 'parseRouteUrl is not merged yet' };
}
