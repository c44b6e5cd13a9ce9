/**
 * "conflicting server name": src/http/ngx_http.c ngx_http_server_names, once
 * the http block is read. Per listening address, each server's names go into
 * one hash (exact names, `*.x`/`.x` head wildcards, `x.*` tail wildcards); a
 * name already there is ignored for the later server, with a warning: the
 * server never answers to it, a common reason why a PHP site shows another
 * site's pages. Names are lower-cased (ngx_http_core_server_name); regular
 * expressions (`~`) are not compared; a server with no server_name has "".
 */
import type { NginxDirective, NginxIssue } from './types.js';

export interface ServerNames {
  /** The server's addresses as nginx prints them ("0.0.0.0:80"); undefined entries were host names. */
  addresses: string[];
  /** Its server_name words with their directive, in order; empty when it has none. */
  names: { name: string; d: NginxDirective }[];
  /** Where to report the implicit "" name: the server directive. */
  server: NginxDirective;
}

/** The hash keys a name takes (ngx_hash_add_key with NGX_HASH_WILDCARD_KEY). */
function keys(name: string): string[] {
  if (name.startsWith('~')) return [];
  if (name.startsWith('*.')) return [`head:${name.slice(2)}`];
  if (name.startsWith('.')) return [`head:${name.slice(1)}`, `exact:${name.slice(1)}`];
  if (name.endsWith('.*')) return [`tail:${name.slice(0, -2)}`];
  return [`exact:${name}`];
}

export function conflictingServerNames(servers: readonly ServerNames[]): NginxIssue[] {
  const byAddress = new Map<string, Set<string>>();
  const out: NginxIssue[] = [];
  for (const s of servers) {
    const names = s.names.length > 0 ? s.names : [{ name: '', d: s.server }];
    for (const addr of s.addresses) {
      let taken = byAddress.get(addr);
      if (!taken) {
        taken = new Set();
        byAddress.set(addr, taken);
      }
      for (const { name, d } of names) {
        const ks = keys(name);
        if (ks.some((k) => taken.has(k))) {
          out.push({
            severity: 'warn',
            message: `conflicting server name "${name}" on ${addr}, ignored`,
            file: d.file,
            line: d.line,
            includedFrom: d.includedFrom,
          });
          continue;
        }
        for (const k of ks) taken.add(k);
      }
    }
  }
  return out;
}
