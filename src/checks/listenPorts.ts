/**
 * The TCP ports each web server's configuration listens on, for
 * webServerChoice when Apache and nginx are both on the machine: Apache's
 * active `Listen` directives, nginx's `listen` of every server (a server
 * without one listens on 80, ngx_http_core_merge_srv_conf).
 */
import {
  LiveNginxSource,
  locateNginxMasters,
  locateNginxRoot,
  type NginxFileSource,
  type NginxLocated,
  readNginxConfig,
} from '../nginx/index.js';
import { buildModel } from '../routing/nginx/config.js';
import type { Directive } from '../apache/index.js';
import { analyzeConfig } from './config/index.js';

/**
 * The ports nginx listens on: every running master's configuration (several
 * masters may run with their own -c), else the one locateNginxRoot finds.
 */
export function nginxListenPorts(opts: {
  root?: string;
  commandLines: readonly (readonly string[])[];
  source?: NginxFileSource;
}): number[] | undefined {
  const source = opts.source ?? new LiveNginxSource();
  const masters = opts.root === undefined ? locateNginxMasters({ commandLines: opts.commandLines, source }) : [];
  const located =
    masters.length > 0
      ? masters
      : [
          locateNginxRoot({
            ...(opts.root !== undefined ? { root: opts.root } : {}),
            commandLines: opts.commandLines,
            source,
          }),
        ].filter((l): l is NginxLocated => l !== undefined);
  const each = located.map((l) => nginxListenPortsOf(l, source)).filter((p): p is number[] => p !== undefined);
  if (each.length === 0) return undefined;
  return [...new Set(each.flat())];
}

/** The TCP ports one located nginx configuration listens on; undefined when it cannot be read. */
export function nginxListenPortsOf(located: NginxLocated, source: NginxFileSource): number[] | undefined {
  const config = readNginxConfig(located.root, { source, prefix: located.prefix });
  if (config.files.length === 0) return undefined;
  const ports = buildModel(config).servers.flatMap((s) => s.listens.filter((l) => !l.unix).map((l) => l.port));
  return [...new Set(ports)];
}

function listens(ds: readonly Directive[], out: number[]): void {
  for (const d of ds) {
    if (!d.active) continue;
    if (d.name === 'listen') {
      const port = Number(/(\d+)$/.exec(d.args[0] ?? '')?.[1]);
      if (Number.isInteger(port) && port > 0) out.push(port);
    }
    if (d.children.length > 0) listens(d.children, out);
  }
}

export function apacheListenPorts(opts: { root?: string; env: Record<string, string> }): number[] | undefined {
  const { model, findings } = analyzeConfig({ ...(opts.root ? { root: opts.root } : {}), env: opts.env, checks: [] });
  if (model.filesRead.length === 0 || findings.some((f) => f.id === 'config-file-unreadable')) return undefined;
  const out: number[] = [];
  listens(model.tree, out);
  return [...new Set(out)];
}
