/**
 * The files Apache executes for a setup, and as whom: a static server's
 * script, an FcgidWrapper, or — for dynamic applications and fcgid-script
 * handlers without a wrapper — the files in the handler's directory that the
 * handler covers. External backends and proxies run nothing of Apache's.
 */
import * as path from 'node:path';
import type { FastcgiSetup } from '../../setups/index.js';
import { isProbeError, type Principal } from '../../system/index.js';
import type { ProbeContext } from './context.js';

export interface ScriptTarget {
  setup: FastcgiSetup;
  path: string;
  /** Named in the configuration: a missing one is an error. Found by listing a directory: it exists. */
  explicit: boolean;
  who?: Principal;
  whoName: string;
}

/** Directory listings stop here: a doctor reads a sample, not a whole site. */
const MAX_SCANNED = 30;

function runAsPrincipal(ctx: ProbeContext, s: FastcgiSetup): { who?: Principal; name: string } {
  const web = ctx.facts.web;
  const r = s.runAs;
  if (!r || r.via === 'web-server' || !r.user)
    return web.principal ? { who: web.principal, name: web.name } : { name: web.name };
  const user = ctx.system.users.user(r.user.replace(/^~/, ''));
  if (!user) {
    ctx.notice(
      `${s.definedAt.file}:${s.definedAt.line}: the application's user "${r.user}" is not in /etc/passwd; its scripts were checked as ${web.name}.`,
    );
    return web.principal ? { who: web.principal, name: web.name } : { name: web.name };
  }
  const group = r.group ? ctx.system.users.group(r.group) : undefined;
  return {
    who: { uid: user.uid, gids: [...new Set([group?.gid ?? user.gid, ...user.groups])], name: user.name },
    name: user.name,
  };
}

function covered(s: FastcgiSetup, name: string): boolean {
  let filtered = false;
  for (const m of s.reachedBy) {
    if (m.extensions && m.extensions.length > 0) {
      filtered = true;
      if (m.extensions.some((e) => name.includes(e))) return true;
    }
    if (m.files) {
      filtered = true;
      const pattern = m.files.replace(/^~\s*/, '');
      try {
        if (/[\\^$()|+]/.test(pattern) ? new RegExp(pattern).test(name) : pattern === name) return true;
      } catch {
        /* a pattern httpd accepts and JS does not: not ours to judge */
      }
    }
  }
  return !filtered;
}

export function scriptTargets(ctx: ProbeContext): ScriptTarget[] {
  const out: ScriptTarget[] = [];
  const seen = new Set<string>();
  const add = (t: ScriptTarget) => {
    const key = `${t.path}|${t.whoName}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(t);
  };
  for (const s of ctx.setups) {
    const as = runAsPrincipal(ctx, s);
    const base = { setup: s, whoName: as.name, ...(as.who ? { who: as.who } : {}) };
    if (s.module === 'fastcgi' && s.mode === 'static' && s.script) {
      add({ ...base, path: s.script, explicit: true });
      continue;
    }
    if (s.module === 'fcgid' && s.params['wrapper'] && s.script) {
      add({ ...base, path: s.script, explicit: true });
      continue;
    }
    if (!(s.module === 'fcgid' || (s.module === 'fastcgi' && s.mode === 'dynamic'))) continue;
    const dir = s.options?.directory ?? (s.script ? path.posix.dirname(s.script) : undefined);
    if (!dir) continue;
    const names = ctx.system.fs.listDir(dir);
    if (isProbeError(names)) {
      if (names.error === 'denied')
        ctx.notice(
          `${dir} is not readable by user ${ctx.facts.viewerName}; the scripts in it were not checked. Run with sudo for the full check.`,
        );
      continue;
    }
    const unfiltered = s.reachedBy.every((m) => !(m.extensions && m.extensions.length > 0) && !m.files);
    let n = 0;
    for (const name of names) {
      if (n >= MAX_SCANNED) break;
      if (!covered(s, name)) continue;
      const p = path.posix.join(dir, name);
      const st = ctx.system.fs.stat(p);
      if (isProbeError(st) || st.type !== 'file') continue;
      // A bare SetHandler covers every file; only files meant to run (some x bit) say anything.
      if (unfiltered && (st.mode & 0o111) === 0) continue;
      n++;
      add({ ...base, path: p, explicit: false });
    }
  }
  return out;
}
