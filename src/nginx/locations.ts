/**
 * "duplicate location": src/http/ngx_http.c ngx_http_join_exact_locations,
 * run once the http block is read, on the static locations of each level
 * (exact `=`, and prefix or `^~`, which both count as "inclusive"; regex and
 * named locations are not compared). The second of two equal names (the
 * later one: nginx's sort is stable) is reported on the line of its `{`, where
 * ngx_http_add_location recorded it.
 */
import { locationName } from './context.js';
import type { NginxDirective } from './types.js';

export interface DuplicateLocation {
  directive: NginxDirective;
  message: string;
}

/** Walks `http` blocks of the main context; `openLine` gives each block directive's `{` line. */
export function duplicateLocations(main: readonly NginxDirective[]): DuplicateLocation[] {
  const out: DuplicateLocation[] = [];
  for (const http of main) {
    if (http.name !== 'http' || !http.block) continue;
    for (const server of http.block) {
      if (server.name === 'server' && server.block) level(server.block, out);
    }
  }
  return out;
}

function level(block: readonly NginxDirective[], out: DuplicateLocation[]): void {
  // Made on the first location of the level: most blocks of a large tree (a location's own body) have none.
  let exact: Set<string> | undefined;
  let inclusive: Set<string> | undefined;
  for (let i = 0; i < block.length; i++) {
    const d = block[i] as NginxDirective;
    if (d.name !== 'location' || !d.block) continue;
    const loc = locationName(d.args);
    if (!('error' in loc)) {
      const set =
        loc.kind === 'exact'
          ? (exact ??= new Set())
          : loc.kind === 'prefix' || loc.kind === 'noregex'
            ? (inclusive ??= new Set())
            : undefined;
      if (set?.has(loc.name)) out.push({ directive: d, message: `duplicate location "${loc.name}"` });
      set?.add(loc.name);
    }
    level(d.block, out);
  }
}
