/**
 * r->handler at handler time: mod_mime's type_checker (find_ct: every
 * extension of the name, left to right, each known one setting the type or
 * the handler, the last one winning; AddHandler/RemoveHandler/AddType merged
 * per directory, later sections overriding), mod_alias's ScriptAlias
 * (cgi-script), mod_rewrite's [H=] / [T=], core_override_type (SetHandler
 * and ForceType win; SetHandler None removes an inherited one), and
 * mod_fastcgi's fixup that makes a FastCgiServer/FastCgiExternalServer path
 * "fastcgi-script" whatever its extension.
 */
import * as path from 'node:path';
import { render, type Directive } from '../../apache/index.js';
import type { FastcgiSetup } from '../../setups/types.js';
import type { RouteStep } from '../types.js';
import type { Merged } from './merge.js';

export interface HandlerChoice {
  handler: string | null;
  type?: string;
  by?: Directive;
  steps: RouteStep[];
}

/** core.c core_override_type / mod_mime: handler names are lower-cased, except a "proxy:unix…" one (its socket path keeps its case). */
function handlerName(h: string | undefined): string | null {
  if (h === undefined) return null;
  return h.startsWith('proxy:unix') ? h : h.toLowerCase();
}

function normExt(e: string): string {
  return e.replace(/^\./, '').toLowerCase();
}

export function chooseHandler(
  merged: Merged,
  filename: string,
  opts: { scriptAlias?: string; rewrite?: string; modules: ReadonlySet<string>; setups: readonly FastcgiSetup[] },
): HandlerChoice {
  const steps: RouteStep[] = [];
  const handlers = new Map<string, Directive>();
  const types = new Map<string, Directive>();
  let setHandler: Directive | undefined;
  let forceType: Directive | undefined;
  for (const d of merged.directives) {
    switch (d.name) {
      case 'addhandler':
        for (const e of d.args.slice(1)) handlers.set(normExt(e), d);
        break;
      case 'removehandler':
        for (const e of d.args) handlers.delete(normExt(e));
        break;
      case 'addtype':
        for (const e of d.args.slice(1)) types.set(normExt(e), d);
        break;
      case 'removetype':
        for (const e of d.args) types.delete(normExt(e));
        break;
      case 'sethandler':
        setHandler = (d.args[0] ?? '').toLowerCase() === 'none' ? undefined : d;
        break;
      case 'forcetype':
        forceType = (d.args[0] ?? '').toLowerCase() === 'none' ? undefined : d;
        break;
    }
  }
  let handler: string | null = null;
  let by: Directive | undefined;
  let type: string | undefined;
  if (opts.modules.has('mime_module')) {
    // mod_mime.c find_ct: the name's first part is not an extension; every later one is tried.
    const exts = path.posix.basename(filename).split('.').slice(1);
    for (const e of exts) {
      const k = e.toLowerCase();
      const h = handlers.get(k);
      if (h) {
        handler = handlerName(h.args[0]);
        by = h;
      }
      const t = types.get(k);
      if (t) type = t.args[0];
    }
    if (by)
      steps.push({
        what: 'handler',
        file: by.file,
        line: by.line,
        text: `${render(by)}: ${path.posix.basename(filename)} → handler ${handler}`,
      });
  }
  if (!handler && opts.scriptAlias) handler = opts.scriptAlias;
  if (opts.rewrite) {
    handler = opts.rewrite;
    steps.push({ what: 'handler', text: `RewriteRule [H=${opts.rewrite}]` });
  }
  if (forceType) type = forceType.args[0];
  if (setHandler) {
    handler = handlerName(setHandler.args[0]);
    by = setHandler;
    steps.push({
      what: 'handler',
      file: setHandler.file,
      line: setHandler.line,
      text: `${render(setHandler)}: handler ${handler}`,
    });
  }
  if (opts.modules.has('fastcgi_module')) {
    const fs = opts.setups.find(
      (s) => s.module === 'fastcgi' && s.script === filename && (s.mode === 'static' || s.mode === 'external'),
    );
    if (fs) {
      handler = 'fastcgi-script';
      steps.push({
        what: 'handler',
        file: fs.definedAt.file,
        line: fs.definedAt.line,
        text: `${fs.directive}: mod_fastcgi handles ${filename} (fastcgi-script)`,
      });
    }
  }
  const out: HandlerChoice = { handler, steps };
  if (type) out.type = type;
  if (by) out.by = by;
  return out;
}
