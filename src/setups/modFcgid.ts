/**
 * mod_fcgid (apache/httpd-mod_fcgid): every fcgid-script handler is a setup;
 * Apache starts the script (or its FcgidWrapper) on demand and talks to it over
 * sockets it creates in FcgidIPCDir.
 */
import * as path from 'node:path';
import {
  resolveServerPath,
  serverSetting,
  vhostSetsAny,
  vhostValue,
  effectiveOptions,
  type Directive,
} from '../apache/index.js';
import { directoryOf, mappingOf, optionsLine, parseIntOr, vhostOfAncestors, innermost } from './common.js';
import type { ExtractContext } from './context.js';
import { asWebServer, newSetup } from './setup.js';
import type { FastcgiSetup } from './types.js';

export const FCGID_HANDLER = 'fcgid-script';

/** Defaults from fcgid_conf.c (2.3.9). */
export const FCGID_DEFAULTS = {
  io: 40,
  busy: 300,
  idle: 300,
  connect: 3,
  processLifeTime: 3600,
  maxRequestLen: 131072,
  maxRequestsPerProcess: 0,
} as const;

/** Directive names, legacy aliases included, for each setting. */
const NAMES: Record<string, string[]> = {
  io: ['fcgidiotimeout', 'ipccommtimeout'],
  busy: ['fcgidbusytimeout', 'busytimeout'],
  idle: ['fcgididletimeout', 'idletimeout'],
  connect: ['fcgidconnecttimeout', 'ipcconnecttimeout'],
  processLifeTime: ['fcgidprocesslifetime', 'processlifetime'],
  maxRequestLen: ['fcgidmaxrequestlen', 'maxrequestlen'],
  maxRequestsPerProcess: ['fcgidmaxrequestsperprocess', 'maxrequestsperprocess'],
};

const NAME_ENTRIES = Object.entries(NAMES);
const WRAPPER_NAMES = ['fcgidwrapper', 'fcgiwrapper'];

/** Every name a vhost could override the main server's settings with. */
const VHOST_NAMES: ReadonlySet<string> = new Set([...Object.values(NAMES).flat(), ...WRAPPER_NAMES]);

/** The settings one setup gets from its vhost or the main server. */
interface Settings {
  timeouts: Record<string, number>;
  maxRequestLen: number;
  maxRequestsPerProcess: number;
  wrapper: Directive | undefined;
}

function settingsFor(ctx: ExtractContext, vhost: Directive | undefined): Settings {
  const timeouts: Record<string, number> = {};
  let maxRequestLen = 0;
  let maxRequestsPerProcess = 0;
  for (const [key, names] of NAME_ENTRIES) {
    const d = setting(ctx, vhost, names);
    const value = parseIntOr(d?.args[0], FCGID_DEFAULTS[key as keyof typeof FCGID_DEFAULTS]);
    if (key === 'maxRequestLen') maxRequestLen = value;
    else if (key === 'maxRequestsPerProcess') maxRequestsPerProcess = value;
    else timeouts[key] = value;
  }
  return { timeouts, maxRequestLen, maxRequestsPerProcess, wrapper: setting(ctx, vhost, WRAPPER_NAMES) };
}

function setting(ctx: ExtractContext, vhost: Directive | undefined, names: readonly string[]): Directive | undefined {
  for (const n of names) {
    const d = serverSetting(ctx.tree, vhost, n);
    if (d) return d;
  }
  return undefined;
}

/** FcgidIPCDir, or the compiled default (Debian's build uses /var/lib/apache2/fcgid/sock). */
export function fcgidIpcDir(ctx: ExtractContext): string {
  const d = setting(ctx, undefined, ['fcgidipcdir', 'socketpath']);
  if (d?.args[0]) return resolveServerPath(ctx.serverRoot, d.args[0]);
  const so = ctx.modules.get('fcgid_module')?.path ?? '';
  return so.startsWith('/usr/lib/apache2/')
    ? '/var/lib/apache2/fcgid/sock'
    : resolveServerPath(ctx.serverRoot, 'logs/fcgidsock');
}

/** The FcgidWrapper that applies in a handler's scope: nearest section first, then vhost, then main. */
function wrapperFor(ancestors: readonly Directive[], fallback: Directive | undefined): Directive | undefined {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const sec = ancestors[i] as Directive;
    if (!sec.isSection || sec.name === 'virtualhost') continue;
    const w = sec.children.find((c) => c.active && (c.name === 'fcgidwrapper' || c.name === 'fcgiwrapper'));
    if (w) return w;
  }
  return fallback;
}

export function extractModFcgid(ctx: ExtractContext): FastcgiSetup[] {
  const out: FastcgiSetup[] = [];
  const ipcDir = fcgidIpcDir(ctx);
  const loaded = ctx.modules.has('fcgid_module');
  // The main server's settings, looked up once: most vhosts override none of them.
  let mainSettings: Settings | undefined;
  for (const h of ctx.handlers) {
    if (h.handler !== FCGID_HANDLER) continue;
    const vh = vhostOfAncestors(h.ancestors);
    const set =
      vh && vhostSetsAny(vh, VHOST_NAMES) ? settingsFor(ctx, vh) : (mainSettings ??= settingsFor(ctx, undefined));
    const t = set.timeouts;
    const s = newSetup(
      ctx,
      h,
      { id: `fcgid:${h.d.file}:${h.d.line}`, module: 'fcgid', moduleId: 'fcgid_module', loaded, mode: 'fcgid' },
      {
        io: t['io'] as number,
        busy: t['busy'] as number,
        idle: t['idle'] as number,
        connect: t['connect'] as number,
        processLifeTime: t['processLifeTime'] as number,
      },
      { maxRequestLen: String(set.maxRequestLen), maxRequestsPerProcess: String(set.maxRequestsPerProcess) },
    );
    // The handler is the defining directive: its mapping shares the setup's ref and text.
    s.reachedBy = [mappingOf(h, s.definedAt, s.directive)];
    s.endpoint = { kind: 'unix', path: ipcDir, generated: true };
    const wrapper = wrapperFor(h.ancestors, set.wrapper);
    if (wrapper?.args[0]) {
      s.params['wrapper'] = wrapper.args[0];
      s.script = wrapper.args[0].split(/\s+/)[0];
    }
    const dir = directoryOf(h.ancestors) ?? (vh && vhostValue(vh, 'documentroot')?.args[0]) ?? ctx.mainDocumentRoot;
    if (dir) {
      const files = innermost(h.ancestors, (a) => a.name === 'files' && a.args[0] !== '~');
      const named = files?.args[0] && !/[*?[]/.test(files.args[0]) ? files.args[0] : undefined;
      // A made-up name only picks the sections that apply; it is never shown as the script.
      const sample = path.posix.join(
        resolveServerPath(ctx.serverRoot, dir),
        named ?? `index${h.extensions?.[0] ?? '.fcgi'}`,
      );
      const eff = effectiveOptions(ctx.tree, vh, sample);
      s.options = { directory: path.posix.dirname(sample), values: eff.options, from: eff.from.map(optionsLine) };
      if (!s.script && named) s.script = sample;
    } else {
      s.notes.push('The directory this handler applies to is unknown (no <Directory> around it and no DocumentRoot).');
    }
    const suexec = vh && vhostValue(vh, 'suexecusergroup');
    if (suexec) {
      const r: NonNullable<FastcgiSetup['runAs']> = { via: 'suexec' };
      if (suexec.args[0]) r.user = suexec.args[0];
      if (suexec.args[1]) r.group = suexec.args[1];
      s.runAs = r;
    } else {
      s.runAs = asWebServer(ctx);
    }
    out.push(s);
  }
  return out;
}
