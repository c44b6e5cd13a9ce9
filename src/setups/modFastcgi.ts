/**
 * mod_fastcgi (FastCGI-Archives/mod_fastcgi): static servers (FastCgiServer),
 * external servers (FastCgiExternalServer, reached directly or through the
 * classic AddHandler → Action → Alias chain) and dynamic applications (a
 * fastcgi-script handler with no server definition behind the file).
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import {
  effectiveOptions,
  render,
  resolveServerPath,
  sectionApplies,
  serverSetting,
  vhostValue,
  type Directive,
} from '../apache/index.js';
import {
  directoryOf,
  extensionsOf,
  mappingOf,
  parseIntOr,
  optionsLine,
  vhostOfAncestors,
  type HandlerSection,
  type Visited,
  innermost,
} from './common.js';
import type { ExtractContext } from './context.js';
import { asWebServer, newSetup } from './setup.js';
import type { Endpoint, FastcgiSetup, Mapping } from './types.js';

export const FASTCGI_HANDLER = 'fastcgi-script';

const SERVER_DIRECTIVES = new Set(['fastcgiserver', 'appclass']);
const EXTERNAL_DIRECTIVES = new Set(['fastcgiexternalserver', 'externalappclass']);

/** Defaults from mod_fastcgi.h. */
const DEFAULT_IDLE_TIMEOUT = 30;
const DEFAULT_APP_CONN_TIMEOUT = 0;

export interface ServerDefinition {
  v: Visited;
  path: string;
  external: boolean;
}

/** FastCgiIpcDir, or mod_fastcgi's Apache 2 default (logs/fastcgi under ServerRoot). */
export function fastcgiIpcDir(ctx: ExtractContext): string {
  let dir: string | undefined;
  for (const { d, ancestors } of ctx.byName.get('fastcgiipcdir') ?? []) {
    if (d.active && !vhostOfAncestors(ancestors) && d.args[0]) dir = d.args[0];
  }
  return resolveServerPath(ctx.serverRoot, dir ?? 'logs/fastcgi');
}

/** Parses "-name value" / "-flag" options of FastCgiServer and friends (case-insensitive names). */
export function fastcgiOptions(args: readonly string[]): Record<string, string> {
  const flags = new Set(['-flush', '-nph', '-autoupdate', '-restart']);
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = (args[i] ?? '').toLowerCase();
    if (!a.startsWith('-')) continue;
    if (flags.has(a)) out[a.slice(1)] = 'on';
    else {
      const v = args[i + 1] ?? '';
      const key = a.slice(1);
      out[key] = out[key] !== undefined && (key === 'initial-env' || key === 'pass-header') ? `${out[key]}\n${v}` : v;
      i++;
    }
  }
  return out;
}

export function serverDefinitions(ctx: ExtractContext): ServerDefinition[] {
  const out: ServerDefinition[] = [];
  for (const v of ctx.all) {
    const n = v.d.name;
    if (!SERVER_DIRECTIVES.has(n) && !EXTERNAL_DIRECTIVES.has(n)) continue;
    const p = v.d.args[0];
    if (!p) continue;
    out.push({ v, path: resolveServerPath(ctx.serverRoot, p), external: EXTERNAL_DIRECTIVES.has(n) });
  }
  return out;
}

function wrapperOn(ctx: ExtractContext): string | undefined {
  for (const { d } of [...(ctx.byName.get('fastcgiwrapper') ?? []), ...(ctx.byName.get('fastcgisuexec') ?? [])]) {
    if (d.active && d.args[0] && d.args[0].toLowerCase() !== 'off') {
      return d.args[0];
    }
  }
  return undefined;
}

function socketHash(p: string, user: string, group: string): string {
  // fcgi_util_socket_hash_filename: md5 of path + user + group.
  return createHash('md5').update(`${p}${user}${group}`).digest('hex');
}

/** Does a fastcgi-script handler section reach the file at `file`? */
function handlerReaches(h: HandlerSection, file: string): boolean {
  const dir = path.posix.dirname(file);
  const base = path.posix.basename(file);
  const scoped = h.ancestors.filter((a) => a.isSection && a.name !== 'virtualhost');
  if (
    !scoped.every(
      (s) =>
        sectionApplies(s, dir, base) ||
        [
          'ifmodule',
          'ifdefine',
          'iffile',
          'ifdirective',
          'ifsection',
          'ifversion',
          'if',
          'elseif',
          'else',
          'location',
          'locationmatch',
        ].includes(s.name),
    )
  ) {
    return false;
  }
  if (h.kind === 'AddHandler') return extensionsOf(base).some((e) => h.extensions?.includes(e));
  return true;
}

/** The AddHandler → Action → Alias links that lead requests to `file`. */
function actionChain(ctx: ExtractContext, file: string, vhost: Directive | undefined): Mapping[] {
  const out: Mapping[] = [];
  const inScope = (anc: readonly Directive[]) => {
    const v = vhostOfAncestors(anc);
    return v === undefined || v === vhost || vhost === undefined;
  };
  for (const alias of [...(ctx.byName.get('alias') ?? []), ...(ctx.byName.get('scriptalias') ?? [])]) {
    if (!inScope(alias.ancestors)) continue;
    const [url, target] = alias.d.args;
    if (!url || !target || resolveServerPath(ctx.serverRoot, target) !== file) continue;
    for (const action of ctx.byName.get('action') ?? []) {
      if (!inScope(action.ancestors)) continue;
      const [handler, actionUrl] = action.d.args;
      if (!handler || actionUrl !== url) continue;
      for (const h of ctx.handlers) {
        if (h.handler !== handler || !inScope(h.ancestors)) continue;
        const m = mappingOf(h);
        out.push({
          ...m,
          kind: 'Action',
          urlPath: url,
          text: `${render(h.d)} → ${render(action.d)} → ${render(alias.d)}`,
        });
      }
    }
  }
  return out;
}

function runAsFor(ctx: ExtractContext, opts: Record<string, string>): FastcgiSetup['runAs'] {
  if (wrapperOn(ctx) && (opts['user'] || opts['group'])) {
    const r: NonNullable<FastcgiSetup['runAs']> = { via: 'wrapper' };
    if (opts['user']) r.user = opts['user'];
    if (opts['group']) r.group = opts['group'];
    return r;
  }
  return asWebServer(ctx);
}

function baseSetup(
  ctx: ExtractContext,
  v: Visited,
  mode: FastcgiSetup['mode'],
  key: string,
  params: Record<string, string>,
): FastcgiSetup {
  const timeouts = {
    idle: parseIntOr(params['idle-timeout'], DEFAULT_IDLE_TIMEOUT),
    appConnTimeout: parseIntOr(params['appconntimeout'], DEFAULT_APP_CONN_TIMEOUT),
  };
  return newSetup(
    ctx,
    v,
    {
      id: `fastcgi:${mode}:${key}@${v.d.file}:${v.d.line}`,
      module: 'fastcgi',
      moduleId: 'fastcgi_module',
      loaded: ctx.modules.has('fastcgi_module'),
      mode,
    },
    timeouts,
    params,
  );
}

function optionsFor(ctx: ExtractContext, vhost: Directive | undefined, file: string): FastcgiSetup['options'] {
  const eff = effectiveOptions(ctx.tree, vhost, file);
  return { directory: path.posix.dirname(file), values: eff.options, from: eff.from.map(optionsLine) };
}

export function extractModFastcgi(ctx: ExtractContext): FastcgiSetup[] {
  const setups: FastcgiSetup[] = [];
  const ipcDir = fastcgiIpcDir(ctx);
  const defs = serverDefinitions(ctx);
  for (const def of defs) {
    const { v } = def;
    const opts = fastcgiOptions(v.d.args.slice(1));
    const vh = vhostOfAncestors(v.ancestors);
    const s = baseSetup(ctx, v, def.external ? 'external' : 'static', def.path, opts);
    s.script = def.path;
    let endpoint: Endpoint | undefined;
    if (opts['host'] !== undefined) {
      const m = /^(.*):(\d+)$/.exec(opts['host']);
      if (m && m[1] !== undefined && m[2] !== undefined) endpoint = { kind: 'tcp', host: m[1], port: Number(m[2]) };
      else s.notes.push(`-host ${opts['host']} has no port: mod_fastcgi refuses it ("missing port specification").`);
    } else if (opts['port'] !== undefined) {
      endpoint = { kind: 'tcp', host: 'localhost', port: parseIntOr(opts['port'], 0) };
    } else if (opts['socket'] !== undefined) {
      endpoint = {
        kind: 'unix',
        path: path.posix.isAbsolute(opts['socket'])
          ? path.posix.normalize(opts['socket'])
          : path.posix.join(ipcDir, opts['socket']),
      };
    } else if (!def.external) {
      endpoint = { kind: 'unix', path: path.posix.join(ipcDir, socketHash(def.path, '', '')), generated: true };
    } else {
      s.notes.push(
        'FastCgiExternalServer needs -socket or -host: mod_fastcgi refuses it ("-socket or -host option missing").',
      );
    }
    if (endpoint) s.endpoint = endpoint;
    if (!def.external) s.runAs = runAsFor(ctx, opts);
    // Requests reach the server through fastcgi-script handlers covering the file, or an Action chain.
    const nearby = vh
      ? [...(ctx.handlersByVhost.get(undefined) ?? []), ...(ctx.handlersByVhost.get(vh) ?? [])]
      : ctx.handlers;
    for (const h of nearby) {
      if (h.handler !== FASTCGI_HANDLER) continue;
      if (handlerReaches(h, def.path)) s.reachedBy.push(mappingOf(h));
    }
    s.reachedBy.push(...actionChain(ctx, def.path, vh));
    if (s.reachedBy.length === 0) {
      s.notes.push(`No fastcgi-script handler or Action chain leads requests to ${def.path}.`);
    }
    setups.push(s);
  }
  setups.push(...dynamicApps(ctx, defs));
  return setups;
}

/**
 * A fastcgi-script handler is a dynamic application unless every file it can
 * reach is a defined server: only a <Files exact-name> section whose name is a
 * defined server's file name is that narrow.
 */
function dynamicApps(ctx: ExtractContext, defs: readonly ServerDefinition[]): FastcgiSetup[] {
  const out: FastcgiSetup[] = [];
  const defined = new Set(defs.map((d) => path.posix.basename(d.path)));
  for (const h of ctx.handlers) {
    if (h.handler !== FASTCGI_HANDLER) continue;
    const files = innermost(h.ancestors, (a) => a.name === 'files' && a.args[0] !== '~');
    const name = files?.args[0];
    if (name && !/[*?[]/.test(name) && h.kind === 'SetHandler' && defined.has(name)) continue;
    const vh = vhostOfAncestors(h.ancestors);
    const timeoutDirective = serverSetting(ctx.tree, vh, 'fastcgiconfig');
    const s = baseSetup(ctx, h, 'dynamic', h.handler, fastcgiOptions(timeoutDirective?.args ?? []));
    // The handler is the defining directive: its mapping shares the setup's ref and text.
    s.reachedBy = [mappingOf(h, s.definedAt, s.directive)];
    const dir = directoryOf(h.ancestors) ?? (vh && vhostValue(vh, 'documentroot')?.args[0]) ?? ctx.mainDocumentRoot;
    if (dir) {
      const named = name && !/[*?[]/.test(name) ? name : undefined;
      // A made-up name only picks the sections that apply; it is never shown as the script.
      const sample = path.posix.join(
        resolveServerPath(ctx.serverRoot, dir),
        named ?? `index${h.extensions?.[0] ?? '.fcgi'}`,
      );
      if (named) s.script = sample;
      s.options = optionsFor(ctx, vh, sample);
    } else {
      s.notes.push('The directory this handler applies to is unknown (no <Directory> around it and no DocumentRoot).');
    }
    s.runAs = runAsFor(ctx, {});
    out.push(s);
  }
  return out;
}
