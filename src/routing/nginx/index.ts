/**
 * The route of one request through nginx (issue 17 §2), as nginx computes it:
 * server selection (server.ts), the URI (uri.ts), the phases (route.ts) with
 * the rewrite module (script.ts), try_files, index and static (files.ts), and
 * the FastCGI params (params.ts) from nginx's variables (variables.ts) over
 * the configuration levels (config.ts). Pure apart from the fs interface.
 * What the model does not follow is said in the route's `uncertain`; only a
 * bug of the model throws. See docs/routing/nginx.md.
 */
import type { NginxConfig } from '../../nginx/types.js';
import type { Route, RouteRequest } from '../types.js';
import { route } from './route.js';
import type { NginxRouteOptions } from './state.js';

export type { NginxRouteOptions } from './state.js';
export { nginxAnswerAfterBackend, type NginxFinalAnswer, type UpstreamStatus } from './answer.js';

export function routeNginx(config: NginxConfig, request: RouteRequest, options: NginxRouteOptions): Route {
  return route(config, request, options);
}
