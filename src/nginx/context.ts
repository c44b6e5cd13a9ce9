/**
 * Where a directive stands, as nginx's ngx_conf_handler sees it: the module
 * family of the block (cf->module_type) and which kind of block it is
 * (cf->cmd_type), or a block whose lines a module reads itself (cf->handler).
 */

export type NginxModuleFamily = 'core' | 'event' | 'http' | 'stream' | 'mail';

/** The cmd_type bits of ngx_conf_file.h, ngx_event.h, ngx_http_config.h, ngx_stream.h, ngx_mail.h. */
export type NginxScope =
  | 'main'
  | 'events'
  | 'http'
  | 'server'
  | 'location'
  | 'upstream'
  | 'sif'
  | 'lif'
  | 'limit_except'
  | 'stream'
  | 'stream_server'
  | 'stream_upstream'
  | 'mail'
  | 'mail_server';

/** Blocks whose lines are entries read by the module's own handler, not directives. */
export type NginxEntryBlock = 'types' | 'map' | 'geo' | 'split_clients' | 'charset_map';

export interface NginxContext {
  family: NginxModuleFamily;
  scope: NginxScope;
  /** Set inside `types {}`, `map {}`…: entries, not directives. */
  entries?: NginxEntryBlock;
  /** Inside a block nginx never reached (after an error): read for the tree only, nothing checked, no include followed. */
  unchecked?: boolean;
  /** The names used so far in this block that nginx refuses a second time ("is duplicate"). */
  seen?: Map<string, string>;
  /** In a `location` block: how nginx's ngx_http_core_location classified it (for the nested-location checks). */
  location?: LocationName;
}

/** A `location`'s match as ngx_http_core_location reads its arguments. */
export interface LocationName {
  kind: 'exact' | 'noregex' | 'prefix' | 'regex' | 'iregex' | 'named';
  name: string;
}

/** ngx_http_core_location: `= x`, `^~ x`, `~ x`, `~* x`, `x`, `@x`, or the modifier glued to the name. */
export function locationName(args: readonly string[]): LocationName | { error: string } {
  if (args.length === 2) {
    const [mod = '', name = ''] = args;
    if (mod === '=') return { kind: 'exact', name };
    if (mod === '^~') return { kind: 'noregex', name };
    if (mod === '~') return { kind: 'regex', name };
    if (mod === '~*') return { kind: 'iregex', name };
    return { error: `invalid location modifier "${mod}"` };
  }
  const v = args[0] ?? '';
  if (v.startsWith('=')) return { kind: 'exact', name: v.slice(1) };
  if (v.startsWith('^~')) return { kind: 'noregex', name: v.slice(2) };
  if (v.startsWith('~*')) return { kind: 'iregex', name: v.slice(2) };
  if (v.startsWith('~')) return { kind: 'regex', name: v.slice(1) };
  if (v.startsWith('@')) return { kind: 'named', name: v };
  return { kind: 'prefix', name: v };
}

export const MAIN_CONTEXT: NginxContext = { family: 'core', scope: 'main' };

/** The entry blocks whose handlers accept `include FILE;` (ngx_http_core_type, ngx_http_map, ngx_http_geo and the stream twins). */
export function entriesAcceptInclude(kind: NginxEntryBlock): boolean {
  return kind === 'types' || kind === 'map' || kind === 'geo';
}
