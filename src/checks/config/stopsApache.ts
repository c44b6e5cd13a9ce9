/**
 * Which configuration findings make Apache refuse to start (`apache2 -t`
 * fails), as opposed to errors of a server that starts and fails per request.
 * server-not-running names them as the reason Apache is down: naming one that
 * does not stop it ("the configuration would not start as it is") would send
 * the reader after the wrong cause.
 */
import type { Finding } from '../../findings/finding.js';
import type { ConfigModel } from './context.js';
import { moduleLinesStoppingApache } from './moduleNotLoaded.js';
import { proxyUrlLinesStoppingApache } from './proxyUrlInvalid.js';

/** Ids whose every error stops Apache. */
const ALWAYS_FATAL = new Set<string>([
  'config-syntax-error',
  'include-not-found',
  'server-redefined',
  'options-mixed-syntax',
]);

/**
 * Ids of which only some cases stop Apache, with the config lines of those
 * cases: module-not-loaded stops it for a directive it does not know, not for a
 * handler; proxy-url-invalid for a worker's URL (ProxyPass), not for a handler's.
 */
const FATAL_AT_LINES: Record<string, (model: ConfigModel) => Set<string>> = {
  'module-not-loaded': moduleLinesStoppingApache,
  'proxy-url-invalid': proxyUrlLinesStoppingApache,
};

export function configErrorsStoppingApache(model: ConfigModel, findings: readonly Finding[]): Finding[] {
  const lines = new Map<string, Set<string>>();
  return findings.filter((f) => {
    if (f.severity !== 'error') return false;
    if (ALWAYS_FATAL.has(f.id)) return true;
    const of = FATAL_AT_LINES[f.id];
    if (!of || f.location?.line === undefined) return false;
    let set = lines.get(f.id);
    if (!set) {
      set = of(model);
      lines.set(f.id, set);
    }
    return set.has(`${f.location.file}:${f.location.line}`);
  });
}
