/**
 * script-extension-denied from the configuration: a script a vhost really
 * serves (found by discovery and traced to the pool) whose name does not end
 * in one of the pool's security.limit_extensions. PHP-FPM refuses it before
 * running anything (sapi/fpm/fpm/fpm_php.c: fpm_php_limit_extensions, a
 * case-sensitive suffix compare), answering 403 "Access denied." — so every
 * such page of the site is a 403 while the handler line looks right.
 *
 * Only PHP-looking names are judged here (.phtml, .php5, .PHP…): a pool asked
 * for images or CSS is a handler that sends too much (proxy-routes-static-files),
 * and the fix is on Apache's side, not FPM's.
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import type { FpmEntry } from '../../fpm/index.js';
import type { DiscoveredScript } from '../discovery/discover.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { configText } from './evidence.js';
import { entryText, scriptsAtPools, type PoolOfInstallation } from './fpmPoolsOfSetups.js';
import { probeFinding } from './make.js';

/** FPM's default when the pool says nothing (fpm_conf.c: fpm_conf_process_all_pools). */
const DEFAULT_EXTENSIONS = ['.php', '.phar'];

/** Names that are PHP scripts by intent: what an application or a handler regex means to run. */
const PHP_LIKE = /\.(?:php\d*|phtml|phar)$/i;

export interface PoolExtensions {
  extensions: string[];
  /** The line that sets them; undefined: FPM's default. */
  entry?: FpmEntry;
}

/** The pool's limit, as FPM splits it (strtok on spaces and tabs); [] = every extension is allowed. */
export function poolExtensions(p: PoolOfInstallation): PoolExtensions {
  const entry = p.pool.get('security.limit_extensions');
  if (!entry) return { extensions: DEFAULT_EXTENSIONS };
  return { extensions: entry.value.split(/[ \t]+/).filter((e) => e !== ''), entry };
}

/** fpm_php_limit_extensions: allowed when the path is longer than an extension and ends with it exactly. */
export function extensionAllowed(file: string, extensions: readonly string[]): boolean {
  if (extensions.length === 0) return true;
  return extensions.some((e) => file.length > e.length && file.endsWith(e));
}

/** The line that sends the file to FPM: Apache's handler or ProxyPass, nginx's fastcgi_pass. */
function handlerLine(d: DiscoveredScript): string | undefined {
  const h = d.route?.steps.find((s) => s.what === 'handler' || s.what === 'proxypass' || s.what === 'backend');
  return h?.file ? `${h.file}:${h.line ?? '?'}: ${h.text}` : undefined;
}

/** nginx: the location whose regex picked the file (the last one the route entered). */
function nginxLocationLine(d: DiscoveredScript): string | undefined {
  const l = d.route?.steps.filter((s) => s.what === 'location').at(-1);
  if (!l?.file) return undefined;
  // The step reads "location ~ \.php$ for /a.phtml": the location alone.
  const cut = l.text.lastIndexOf(' for ');
  return `${cut > 0 ? l.text.slice(0, cut) : l.text} (${l.file}:${l.line ?? '?'})`;
}

function stopSending(d: DiscoveredScript, handler: string | undefined, ext: string): string {
  const loc = d.setup.module === 'nginx' ? nginxLocationLine(d) : undefined;
  if (loc) return `narrow ${loc} so that nginx does not pass ${ext} files to PHP-FPM`;
  return `stop the handler${handler ? ` (${handler.split(': ')[0]})` : ''} from sending ${ext} files to PHP-FPM`;
}

function deniedFinding(
  ctx: ProbeContext,
  d: DiscoveredScript,
  p: PoolOfInstallation,
  lim: PoolExtensions,
  file: string,
): Finding {
  const ext = path.posix.extname(file) || path.posix.basename(file);
  const setting = lim.entry
    ? `security.limit_extensions = ${lim.entry.raw} (${lim.entry.file}:${lim.entry.line})`
    : `security.limit_extensions unset, so FPM's default "${DEFAULT_EXTENSIONS.join(' ')}" ([${p.pool.name}] at ${p.pool.file}:${p.pool.line})`;
  const handler = handlerLine(d);
  const setupId = d.route?.backend?.setupId;
  const setup = (setupId && ctx.model.setups.find((s) => s.id === setupId)) || d.setup;
  const f = probeFinding({
    id: 'script-extension-denied',
    severity: 'error',
    title: 'PHP-FPM refused to run a file that does not end in .php (security.limit_extensions)',
    message: `${d.url} is handed to PHP-FPM pool [${p.pool.name}] as ${file}, but the pool's ${setting} does not allow "${ext}": FPM answers 403 "Access denied." and logs "Access to the script '${file}' has been denied (see security.limit_extensions)".`,
    location: lim.entry ? { file: lim.entry.file, line: lim.entry.line } : { file: p.pool.file, line: p.pool.line },
    probe: [
      lim.entry
        ? entryText(lim.entry)
        : `${p.pool.file}:${p.pool.line}: [${p.pool.name}] (no security.limit_extensions: ${DEFAULT_EXTENSIONS.join(' ')})`,
      `found as ${d.url} → ${file}`,
    ],
    fix: `If ${ext} files are meant to run as PHP, add ${ext} to security.limit_extensions in ${lim.entry ? `${lim.entry.file}:${lim.entry.line}` : `the pool [${p.pool.name}] (${p.pool.file})`} (security.limit_extensions = ${[...(lim.extensions.length > 0 ? lim.extensions : DEFAULT_EXTENSIONS), ext].join(' ')}) and reload PHP-FPM; otherwise rename them to .php, or ${stopSending(d, handler, ext)}.`,
  });
  // The location is FPM's line; Apache's side is the handler that sends the file, as evidence. The setup ties it
  // to the request step's finding of the same cause (FPM's live 403 for that script), which joins into this one.
  f.setup = setup.id;
  f.evidence.unshift({ kind: 'config', text: configText(setup) });
  // The route's handler step names the setup's own line when the handler is the setup's directive: said once.
  const at = handler?.slice(0, handler.indexOf(': ') + 2);
  if (handler && at && !f.evidence.some((e) => e.text.startsWith(at)))
    f.evidence.splice(1, 0, { kind: 'config', text: handler });
  return f;
}

export const limitExtensionsCheck: ProbeCheck = {
  ids: ['script-extension-denied'],
  run(ctx) {
    const out: Finding[] = [];
    // One finding per pool and extension: a site with 300 .phtml files needs one line changed.
    const told = new Set<string>();
    for (const { d, route, pool: p } of scriptsAtPools(ctx)) {
      const file = route.file ?? d.file;
      if (!PHP_LIKE.test(file)) continue;
      const lim = poolExtensions(p);
      if (extensionAllowed(file, lim.extensions)) continue;
      const key = `${p.pool.file}\u0000${p.pool.name}\u0000${path.posix.extname(file)}`;
      if (told.has(key)) continue;
      told.add(key);
      out.push(deniedFinding(ctx, d, p, lim, file));
    }
    return out;
  },
};
