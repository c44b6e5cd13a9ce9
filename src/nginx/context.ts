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
}

export const MAIN_CONTEXT: NginxContext = { family: 'core', scope: 'main' };

/** The entry blocks whose handlers accept `include FILE;` (ngx_http_core_type, ngx_http_map, ngx_http_geo and the stream twins). */
export function entriesAcceptInclude(kind: NginxEntryBlock): boolean {
  return kind === 'types' || kind === 'map' || kind === 'geo';
}
