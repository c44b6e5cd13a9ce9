/**
 * Every FastCGI setup of a parsed configuration, for all three Apache modules,
 * in read order within each module.
 */
import type { Directive, LoadedModule } from '../apache/index.js';
import { extractContext } from './context.js';
import { extractModFastcgi } from './modFastcgi.js';
import { extractModFcgid } from './modFcgid.js';
import { extractModProxyFcgi } from './modProxyFcgi.js';
import type { FastcgiSetup } from './types.js';

export * from './types.js';
export { extractContext, type ExtractContext } from './context.js';
export { extractModFastcgi, fastcgiIpcDir, fastcgiOptions, serverDefinitions, FASTCGI_HANDLER } from './modFastcgi.js';
export { extractModFcgid, fcgidIpcDir, FCGID_DEFAULTS, FCGID_HANDLER } from './modFcgid.js';
export { extractModProxyFcgi, parsedProxyUrl } from './modProxyFcgi.js';
export {
  parseProxyUrl,
  isFcgiUrl,
  workerParams,
  FCGI_DEFAULT_PORT,
  type ProxyUrl,
  type ProxyUrlContext,
} from './proxyUrl.js';
export { extensionsOf } from './common.js';
export { extractNginxSetups, nginxEndpoint, nginxSeconds } from './nginx.js';

export function extractSetups(
  tree: readonly Directive[],
  serverRoot: string,
  modules: readonly LoadedModule[],
): FastcgiSetup[] {
  const ctx = extractContext(tree, serverRoot, modules);
  const out = extractModFastcgi(ctx);
  for (const more of [extractModFcgid(ctx), extractModProxyFcgi(ctx)])
    for (let i = 0; i < more.length; i++) out.push(more[i] as FastcgiSetup);
  return out;
}
