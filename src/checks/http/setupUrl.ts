import { posix } from 'node:path';
import type { ConfigModel } from '../config/index.js';
import type { FastcgiSetup } from '../../setups/types.js';

import type { SetupUrl } from './webGet.js';

export type { SetupUrl } from './webGet.js';

function vhostPort(setup: FastcgiSetup): number {
  for (const a of setup.vhost?.addresses ?? []) {
    const m = /:(\d+)$/.exec(a);
    if (m) return Number(m[1]);
  }
  return 80;
}

function documentRoot(model: ConfigModel, setup: FastcgiSetup): string | undefined {
  const v = setup.vhost;
  const root = v ? model.vhosts.find((h) => h.file === v.file && h.line === v.line)?.documentRoot : undefined;
  return root?.replace(/\/+$/, '') || undefined;
}

/** Candidates for a <FilesMatch> regex: the files such a handler usually serves. */
const USUAL_SCRIPTS = ['index.php', 'index.py', 'index.pl', 'index.fcgi', 'app.py', 'app.fcgi', 'index.cgi'];

/**
 * The URL a visitor would ask for to reach a setup through the web server,
 * worked out from the configuration: a ProxyPass path, the script's place
 * under DocumentRoot, or an existing file that a <FilesMatch> handler takes.
 * Undefined when the configuration does not say enough to pick one. Only for
 * a setup discovery found no script of: a discovered script's traced URL is
 * better (webTargets.ts).
 */
export function urlForSetup(
  model: ConfigModel,
  setup: FastcgiSetup,
  exists: (path: string) => boolean,
): SetupUrl | undefined {
  const base = { host: '127.0.0.1', port: vhostPort(setup), hostHeader: setup.vhost?.serverName ?? 'localhost' };
  for (const m of setup.reachedBy) {
    if (m.urlPath) return { ...base, path: m.urlPath.startsWith('/') ? m.urlPath : `/${m.urlPath}` };
  }
  const root = documentRoot(model, setup);
  if (!root) return undefined;
  if (setup.script?.startsWith(`${root}/`)) return { ...base, path: `/${setup.script.slice(root.length + 1)}` };
  for (const m of setup.reachedBy) {
    const pattern = m.files ?? (m.extensions?.length ? m.extensions.map((e) => `\\${e}$`).join('|') : undefined);
    if (!pattern) continue;
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch {
      // <Files app.py> is a wildcard, not a regex
      re = new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
    }
    const name = USUAL_SCRIPTS.find((n) => re.test(n) && exists(posix.join(root, n)));
    if (name) return { ...base, path: `/${name}` };
  }
  return undefined;
}
