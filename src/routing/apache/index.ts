// PLACEHOLDER (issue 14): replaced by the route helper's implementation at merge; must not land at a stop.
import type { Route, RouteRequest } from '../types.js';
import type { ApacheRouteOptions, ApacheRoutingModel } from './model.js';

export type { ApacheRouteOptions, ApacheRoutingModel } from './model.js';

export function routeApache(_model: ApacheRoutingModel, _request: RouteRequest, _options: ApacheRouteOptions): Route {
  throw new Error('routeApache is not merged yet');
}
