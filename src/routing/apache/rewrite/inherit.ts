/**
 * Which mod_rewrite directives a context runs, as httpd merges them
 * (config_server_merge for a vhost over the main server,
 * config_perdir_merge for a directory over its parent): RewriteEngine and
 * RewriteOptions are inherited unless set; the rules are not, unless
 * RewriteOptions Inherit (parent's after the child's), InheritBefore
 * (before), or the parent's InheritDown / InheritDownBefore (unless the
 * child says IgnoreInherit); RewriteBase is inherited only with MergeBase.
 * The result is a directive list in the order applyRewrite reads it.
 */
import type { Directive } from '../../../apache/index.js';

function split(ds: readonly Directive[]) {
  let engine: Directive | undefined;
  const options: Directive[] = [];
  let base: Directive | undefined;
  const rules: Directive[] = [];
  let pending: Directive[] = [];
  let hasConds = false;
  for (const d of ds) {
    if (d.active === false) continue;
    if (d.name === 'rewriteengine') engine = d;
    else if (d.name === 'rewriteoptions') options.push(d);
    else if (d.name === 'rewritebase') base = d;
    else if (d.name === 'rewritecond') {
      pending.push(d);
      hasConds = true;
    } else if (d.name === 'rewriterule') {
      rules.push(...pending, d);
      pending = [];
    }
  }
  const opts = new Set(options.flatMap((o) => o.args.map((a) => a.toLowerCase())));
  return { engine, options, base, rules, opts, hasConds };
}

/** The directives `over` runs once merged over its parent `base` (server: main server → vhost; per-dir: parent directory → child). */
export function effectiveRewriteDirectives(
  parent: readonly Directive[],
  child: readonly Directive[],
  kind: 'server' | 'perdir',
): Directive[] {
  const b = split(parent);
  const o = split(child);
  // A vhost without any mod_rewrite directive shares the main server's config
  // (merge_server_configs: no ALWAYS_MERGE flag), and hook_uri2file declines
  // when that config is not the vhost's own: no server-context rewriting at all.
  if (kind === 'server' && !o.engine && o.options.length === 0 && !o.base && o.rules.length === 0 && !o.hasConds)
    return [];
  const engine = o.engine ?? b.engine;
  const options = o.options.length ? o.options : b.options;
  const opts = o.options.length ? o.opts : b.opts;
  const ignore = opts.has('ignoreinherit');
  let rules: Directive[];
  if (opts.has('inherit') || (b.opts.has('inheritdown') && !ignore)) rules = [...o.rules, ...b.rules];
  else if (opts.has('inheritbefore') || (b.opts.has('inheritdownbefore') && !ignore)) rules = [...b.rules, ...o.rules];
  else rules = o.rules;
  const rewriteBase = kind === 'perdir' && opts.has('mergebase') ? (o.base ?? b.base) : o.base;
  return [...(engine ? [engine] : []), ...options, ...(rewriteBase ? [rewriteBase] : []), ...rules];
}
