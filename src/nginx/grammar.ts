/**
 * What ngx_conf_handler decides for one statement, separated from the reading
 * so the reader can run with the full table of directives (directives.ts) or
 * with none (a tree for tools that only need its shape).
 */
import type { NginxContext, NginxEntryBlock } from './context.js';
import type { NginxDirective, NginxIssue } from './types.js';

export interface StatementVerdict {
  /** nginx's message when it refuses the statement. */
  error?: string;
  severity?: 'emerg' | 'warn';
  /** The context of the block the statement opens (undefined: read it unchecked). */
  block?: NginxContext;
}

export interface NginxGrammar {
  /** `line`: the line of the `;` or `{` ending the statement, where nginx reports about it. */
  statement(ctx: NginxContext, d: NginxDirective, end: ';' | '{', line: number): StatementVerdict;
  /** A line of an entry block (`types`, `map`…): nginx's message when its handler refuses it. */
  entry(kind: NginxEntryBlock, d: NginxDirective): string | undefined;
  /** Make the checks nginx makes once the whole tree is read: "duplicate location" (ngx_http_init_locations), no "events" section. */
  checksTree?: boolean;
  /** The problems nginx finds once everything is read (when it merges the servers' settings). */
  finish?(main: readonly NginxDirective[]): NginxIssue[];
  /**
   * Every directive read, in reading order, with the context of its block — checked or not,
   * entries too: what finish() needs of the whole tree is gathered here, with no walk of its own.
   * Called before the block's lines are read (`d.block` is not set yet: `end` says whether it opens one).
   */
  observe?(ctx: NginxContext, d: NginxDirective, end: ';' | '{'): void;
}

/** The context a block directive opens, by its name and where it stands (the handlers' cf->cmd_type). */
export function blockContext(ctx: NginxContext, name: string): NginxContext | undefined {
  switch (ctx.scope) {
    case 'main':
      if (name === 'events') return { family: 'event', scope: 'events' };
      if (name === 'http') return { family: 'http', scope: 'http' };
      if (name === 'stream') return { family: 'stream', scope: 'stream' };
      if (name === 'mail') return { family: 'mail', scope: 'mail' };
      return undefined;
    case 'http':
      if (name === 'server') return { family: 'http', scope: 'server' };
      if (name === 'upstream') return { family: 'http', scope: 'upstream' };
      break;
    case 'server':
      if (name === 'location') return { family: 'http', scope: 'location' };
      if (name === 'if') return { family: 'http', scope: 'sif' };
      break;
    case 'location':
      if (name === 'location') return { family: 'http', scope: 'location' };
      if (name === 'if') return { family: 'http', scope: 'lif' };
      if (name === 'limit_except') return { family: 'http', scope: 'limit_except' };
      break;
    case 'sif':
    case 'lif':
      // ngx_http_rewrite_if: an if block holds location-level directives with the LIF/SIF bit.
      if (name === 'if') return { family: 'http', scope: ctx.scope };
      break;
    case 'stream':
      if (name === 'server') return { family: 'stream', scope: 'stream_server' };
      if (name === 'upstream') return { family: 'stream', scope: 'stream_upstream' };
      break;
    case 'mail':
      if (name === 'server') return { family: 'mail', scope: 'mail_server' };
      break;
    default:
      break;
  }
  const entries = entryBlock(ctx, name);
  if (entries) return { family: ctx.family, scope: ctx.scope, entries };
  return undefined;
}

function entryBlock(ctx: NginxContext, name: string): NginxEntryBlock | undefined {
  if (name === 'types' && ctx.family === 'http') return 'types';
  if (name === 'map' && (ctx.scope === 'http' || ctx.scope === 'stream')) return 'map';
  if (name === 'geo' && (ctx.scope === 'http' || ctx.scope === 'stream')) return 'geo';
  if (name === 'split_clients' && (ctx.scope === 'http' || ctx.scope === 'stream')) return 'split_clients';
  if (name === 'charset_map' && ctx.scope === 'http') return 'charset_map';
  return undefined;
}

/** No table: every statement accepted, blocks given the context their name implies. */
export const PERMISSIVE_GRAMMAR: NginxGrammar = {
  statement(ctx, d, end) {
    if (end !== '{') return {};
    return { block: blockContext(ctx, d.name) ?? { ...ctx } };
  },
  entry() {
    return undefined;
  },
};
