/**
 * The scripts discovery found, probed as the backend runs them: the file is
 * there, readable (PHP-FPM reads it) or executable (mod_fcgid and mod_fastcgi
 * exec it) by the backend's user along every directory of its path, its #!
 * line, and Options ExecCGI where the module demands it. Existing finding ids
 * only; each finding names the handler's line, the site's line, the user and
 * the path step that refuses.
 */
import * as path from 'node:path';
import { effectiveOptions, listVhosts } from '../../apache/index.js';
import type { Evidence, Finding } from '../../findings/finding.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { chmodFix, confirmedText, denialText } from '../../system/denial.js';
import { type AccessRequest, type AccessVerdict, type Bit, confirmedAccess, modeString } from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { principalText } from './evidence.js';
import { probeFinding } from './make.js';
import { scriptTargets } from './scriptTargets.js';
import { shebangFindings } from './shebang.js';
import type { DiscoveredScript } from '../discovery/discover.js';
import { backendIdentity, type BackendIdentity } from './backendUser.js';

/** The setup that really serves the script: the route's, else the one discovery expected. */
function servingSetup(ctx: ProbeContext, d: DiscoveredScript): FastcgiSetup {
  const id = d.route?.backend?.setupId;
  return (id && ctx.model.setups.find((s) => s.id === id)) || d.setup;
}

/** Where the module executes the file itself (and ExecCGI and the #! line matter). */
function executes(s: FastcgiSetup): boolean {
  return (s.module === 'fcgid' && !s.params['wrapper']) || (s.module === 'fastcgi' && s.mode === 'dynamic');
}

/**
 * Where the module refuses to run a script without Options ExecCGI: mod_fcgid
 * (mod_fcgid.c: fcgid_handler, wrapper or not, unless the request was
 * ScriptAlias'd) and mod_fastcgi's dynamic applications.
 */
function needsExecCgi(s: FastcgiSetup): boolean {
  return s.module === 'fcgid' || (s.module === 'fastcgi' && s.mode === 'dynamic');
}

function scriptAliased(d: DiscoveredScript): boolean {
  return (d.route?.steps ?? []).some((st) => /^\s*ScriptAlias/i.test(st.text) || st.what === 'scriptalias');
}

function siteEvidence(d: DiscoveredScript, s: FastcgiSetup): Evidence[] {
  const out: Evidence[] = [];
  if (s.module === 'nginx') {
    // nginx's server block and its fastcgi_pass, in nginx's words (the site's label names the server's line).
    const v = d.site.vhost;
    out.push({
      kind: 'config',
      text: v ? `${v.file}:${v.line}: server {…}${v.serverName ? ` (server_name ${v.serverName})` : ''}` : d.site.label,
    });
    const pass = d.route?.steps.find((st) => st.what === 'backend');
    if (pass?.file) out.push({ kind: 'config', text: `${pass.file}:${pass.line ?? '?'}: ${pass.text}` });
  } else if (d.site.vhost)
    out.push({
      kind: 'config',
      text: `${d.site.vhost.file}:${d.site.vhost.line}: <VirtualHost ${d.site.vhost.addresses.join(' ')}>${d.site.vhost.serverName ? ` (ServerName ${d.site.vhost.serverName})` : ''}`,
    });
  const handler = s.module === 'nginx' ? undefined : d.route?.steps.find((st) => st.what === 'handler');
  if (handler?.file) out.push({ kind: 'config', text: `${handler.file}:${handler.line ?? '?'}: ${handler.text}` });
  out.push({ kind: 'probe', text: `found as ${d.url} → ${d.file}${d.route ? '' : ' (not traced)'}` });
  return out;
}

function withSite(f: Finding, d: DiscoveredScript, s: FastcgiSetup): Finding {
  const seen = new Set(f.evidence.map((e) => e.text));
  return { ...f, evidence: [...f.evidence, ...siteEvidence(d, s).filter((e) => !seen.has(e.text))] };
}

function denialFinding(
  ctx: ProbeContext,
  d: DiscoveredScript,
  s: FastcgiSetup,
  who: BackendIdentity,
  v: Extract<AccessVerdict, { result: 'denied' }>,
  need: Bit[],
): Finding {
  const users = ctx.system.users;
  const onFile = v.path === v.steps.at(-1)?.path && v.stat.type !== 'dir';
  const denial = {
    who: who.name,
    path: v.path,
    object: onFile ? `the script ${v.path}` : `the directory ${v.path}`,
    missing: v.missing,
    cls: v.cls,
    modeText: modeString(v.stat),
    owner: users.userName(v.stat.uid) ?? String(v.stat.uid),
    group: users.groupName(v.stat.gid) ?? String(v.stat.gid),
  };
  // Where the backend execs the script, any missing x (on it or a directory above) makes exec fail.
  const execs = need.includes('x');
  const id = execs ? 'script-not-executable' : 'script-unreadable';
  const symptom =
    s.module !== 'proxy_fcgi' && s.module !== 'nginx'
      ? 'Apache fails to start it (500 or 503)'
      : who.execs
        ? 'the backend answers 403 Forbidden'
        : 'the backend answers "Access denied." / "Primary script unknown" (403 or 404)';
  return probeFinding({
    id,
    severity: 'error',
    title: execs
      ? 'The FastCGI script is not executable for the user that runs it'
      : 'The backend may not read the script',
    message: `${d.url} runs ${d.file} as ${who.name}, who ${denialText(denial)}: ${symptom}.`,
    setups: [s],
    probe: [
      `runs as: ${who.principal ? principalText(who.principal, users) : who.name} — ${who.via}`,
      `DENIED ${v.missing.join('')}: ${modeString(v.stat)} ${denial.owner}:${denial.group} ${v.path}`,
      ...(v.confirmed ? [confirmedText(who.name, v)] : []),
    ],
    fix: chmodFix(denial),
  });
}

/** The verdicts accessFindings needs for one script: `need` on the file, and r too when the file is exec'd (the interpreter reads it). */
function accessRequests(file: string, who: BackendIdentity, execs: boolean): AccessRequest[] {
  if (!who.principal) return [];
  const need: Bit[] = execs ? ['x'] : ['r'];
  return execs
    ? [
        { who: who.principal, target: file, need },
        { who: who.principal, target: file, need: ['r'] },
      ]
    : [{ who: who.principal, target: file, need }];
}

function accessFindings(
  ctx: ProbeContext,
  d: DiscoveredScript,
  s: FastcgiSetup,
  who: BackendIdentity,
  execs: boolean,
  verdicts: readonly AccessVerdict[],
): Finding[] {
  const fs = ctx.system.fs;
  const file = d.route?.file ?? d.file;
  if (!fs.exists(file)) {
    return [
      probeFinding({
        id: 'script-missing',
        severity: 'error',
        title: 'The FastCGI script does not exist',
        message: `${d.url} maps to ${file}, which does not exist.`,
        setups: [s],
        probe: [`${file}: no such file`],
        fix: `Install the script at ${file}, or correct the mapping.`,
      }),
    ];
  }
  if (!who.principal) return [];
  const need: Bit[] = execs ? ['x'] : ['r'];
  const [v, r] = verdicts;
  if (!v) return [];
  if (v.result === 'unknown') {
    if (v.reason === 'denied')
      ctx.notice(
        `${v.path} is not visible to user ${ctx.facts.viewerName}; whether ${who.name} may use ${file} was not checked. Run with sudo for the full check.`,
      );
    return [];
  }
  aclNotice(ctx, who, file, v);
  if (v.result === 'denied') return [denialFinding(ctx, d, s, who, v, need)];
  // The interpreter of an exec'd script reads it too.
  if (execs && r) {
    aclNotice(ctx, who, file, r);
    if (r.result === 'denied') return [denialFinding(ctx, d, s, who, r, ['r'])];
  }
  return [];
}

/** Says that an ACL lets the user through where the mode bits alone refuse (the kernel said so). */
function aclNotice(ctx: ProbeContext, who: BackendIdentity, file: string, v: AccessVerdict): void {
  if (v.result !== 'allowed' || !v.acl) return;
  ctx.notice(
    `${who.name} may use ${file}: allowed by an ACL on ${v.acl.path} (the mode bits ${modeString(v.acl.stat)} alone refuse ${v.acl.missing.join('')}; the kernel, asked as ${who.name}, allows it).`,
  );
}

function execcgiFinding(ctx: ProbeContext, d: DiscoveredScript, s: FastcgiSetup): Finding | undefined {
  const options = d.route?.options;
  if (!options || options.includes('ExecCGI')) return undefined;
  const dir = path.posix.dirname(d.route?.file ?? d.file);
  // The configuration check already said it for this handler — unless the configuration alone gives this very
  // file ExecCGI, and what took it away is a .htaccess, which only the route sees.
  const vhost = d.site.vhost
    ? listVhosts(ctx.model.tree).find((v) => v.file === d.site.vhost?.file && v.line === d.site.vhost?.line)
    : undefined;
  const byConfig = !effectiveOptions(ctx.model.tree, vhost, d.route?.file ?? d.file).options.includes('ExecCGI');
  if (
    byConfig &&
    ctx.configFindings.some(
      (f) => f.id === 'execcgi-off' && f.location?.file === s.definedAt.file && f.location.line === s.definedAt.line,
    )
  )
    return undefined;
  const symptom =
    s.module === 'fcgid'
      ? 'mod_fcgid answers 403 Forbidden and writes nothing to the error log'
      : 'mod_fastcgi answers 403 Forbidden and logs \'FastCGI: "ExecCGI Option" is off in this directory\'';
  const sections = (d.route?.steps ?? []).filter((st) => st.what === 'section' && /Options/i.test(st.text) && st.file);
  return probeFinding({
    id: 'execcgi-off',
    severity: 'error',
    title: 'ExecCGI is off where scripts should run',
    message: `${d.url} goes to ${s.module === 'fcgid' ? 'mod_fcgid' : 'a mod_fastcgi dynamic application'}, but the Options in effect at ${dir} are "${options.join(' ') || 'None'}", without ExecCGI: ${symptom}.`,
    setups: [s],
    probe: [
      `Options at ${dir}: ${options.join(' ') || 'None'}`,
      ...sections.map((st) => `${st.file}:${st.line ?? '?'}: ${st.text}`),
    ],
    fix: `Add "Options +ExecCGI" inside <Directory ${dir}> (or the section that sets the handler).`,
  });
}

export const discoveredScriptsCheck: ProbeCheck = {
  ids: [
    'script-missing',
    'script-unreadable',
    'script-not-executable',
    'shebang-crlf',
    'shebang-interpreter-missing',
    'execcgi-off',
  ],
  run(ctx) {
    const found = ctx.discovery?.scripts ?? [];
    if (found.length === 0) return [];
    // Scripts the setup-level probes already looked at (a FastCgiServer, a wrapper, an fcgid directory) are not told twice.
    const probed = new Set(scriptTargets(ctx).map((t) => t.path));
    const out: Finding[] = [];
    // First what each script needs, then every refusal of the mode bits put to the kernel at once.
    const plans: {
      d: DiscoveredScript;
      s: FastcgiSetup;
      who?: BackendIdentity;
      execs: boolean;
      access: { from: number; count: number };
    }[] = [];
    const requests: AccessRequest[] = [];
    for (const d of found) {
      // A route that ends before the backend says nothing of the script, unless what ended it
      // was the FastCGI handler itself refusing it for want of ExecCGI (mod_fcgid, mod_fastcgi: 403).
      const refusedByHandler =
        d.route?.outcome === 'status' &&
        d.route.status === 403 &&
        (d.route.handler === 'fcgid-script' || d.route.handler === 'fastcgi-script');
      if (d.route && d.route.outcome !== 'fastcgi' && !refusedByHandler) continue;
      const s = servingSetup(ctx, d);
      if (refusedByHandler) {
        plans.push({ d, s, execs: false, access: { from: 0, count: 0 } });
        continue;
      }
      const who = backendIdentity(s, ctx.system, ctx.facts);
      // A generic application behind a socket never opens the file: its permissions say nothing.
      if (!who.readsFiles && !needsExecCgi(s)) continue;
      // A FastCgiServer application is started once by fcgi-pm (the setup probes check its script); requests never open files.
      if (s.module === 'fastcgi' && s.mode === 'static') continue;
      const file = d.route?.file ?? d.file;
      const execs = executes(s) || who.execs === true;
      const asked =
        probed.has(file) || !who.readsFiles || !ctx.system.fs.exists(file) ? [] : accessRequests(file, who, execs);
      plans.push({ d, s, who, execs, access: { from: requests.length, count: asked.length } });
      requests.push(...asked);
    }
    const verdicts = confirmedAccess(ctx.system.fs, ctx.system.access, requests);
    for (const { d, s, who, execs, access } of plans) {
      if (!who) {
        const e = needsExecCgi(s) && !scriptAliased(d) ? execcgiFinding(ctx, d, s) : undefined;
        if (e) out.push(withSite(e, d, s));
        continue;
      }
      if (who.fallback) ctx.notice(`${d.file}: ${who.via}.`);
      const file = d.route?.file ?? d.file;
      const mine = verdicts.slice(access.from, access.from + access.count);
      const fs: Finding[] = probed.has(file) || !who.readsFiles ? [] : accessFindings(ctx, d, s, who, execs, mine);
      if (fs.length === 0 && execs && !probed.has(file)) {
        fs.push(
          ...shebangFindings(ctx, {
            setup: s,
            path: file,
            explicit: true,
            whoName: who.name,
            ...(who.principal ? { who: who.principal } : {}),
          }),
        );
      }
      if (needsExecCgi(s) && !scriptAliased(d)) {
        const e = execcgiFinding(ctx, d, s);
        if (e) fs.push(e);
      }
      out.push(...fs.map((f) => withSite(f, d, s)));
    }
    return out;
  },
};
