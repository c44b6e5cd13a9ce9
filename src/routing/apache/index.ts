/**
 * The route of one request through Apache 2.4, as httpd computes it
 * (server/request.c ap_process_request_internal): URI normalisation
 * (uri.ts), vhost selection (vhost.ts), translate_name (translate.ts), the
 * directory walk with the PATH_INFO split (walk.ts), the per-directory merge
 * (merge.ts over sections.ts), access, per-directory rewrites, mod_dir,
 * the handler (handler.ts) and mod_actions, then the backend (backend.ts)
 * and the RequestRecord the params are built from. Bad input is a route
 * (400, 404, 414…); only a bug of the model throws.
 */
import type { Route, RouteRequest } from '../types.js';
import type { ApacheRouteOptions, ApacheRoutingModel } from './model.js';
import { route } from './route.js';

export type { ApacheRouteOptions, ApacheRoutingModel } from './model.js';

export function routeApache(model: ApacheRoutingModel, request: RouteRequest, options: ApacheRouteOptions): Route {
  // A bug of the model throws: the caller records it as an internal error (exit 2). A route
  // that only said "uncertain" would look like a decision about the configuration.
  const r = route(model, request, options);
  // Internal redirects meet the same undecidable lines again: say each once.
  r.uncertain = [...new Set(r.uncertain)];
  return r;
}
