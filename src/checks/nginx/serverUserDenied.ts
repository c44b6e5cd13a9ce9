/**
 * server-user-denied: a file the request needs exists, but nginx's worker
 * (nginx's `user`, www-data on Debian) may not reach it, so nginx answers
 * 404 or 403 although the doctor, as root, sees the file. Found on the routes
 * traced over the files as the worker sees them (worker.ts): each module's
 * answer to EACCES is in the route (src/routing/nginx/files.ts), the refusal
 * in `route.refused`; here the refusal is worded with the path whose bits
 * refuse, the missing bit and the narrowest fix (src/system/denial.ts, as the
 * Apache side words its denials).
 */
import type { Finding } from '../../findings/finding.js';
import type { NginxDirective } from '../../nginx/types.js';
import type { NginxModel } from '../../routing/nginx/config.js';
import type { Route, RouteRefusal } from '../../routing/types.js';
import { chmodFix, type Denial, confirmedText, denialText } from '../../system/denial.js';
import {
  type AccessOracle,
  type Bit,
  confirmedAccessOne,
  type FileSystem,
  modeString,
  type Users,
} from '../../system/index.js';
import { finding } from '../config/make.js';
import type { ProbeContext } from '../probes/context.js';
import { principalText } from '../probes/evidence.js';
import type { NginxAnalysis } from './analyze.js';
import { directiveText } from './levels.js';
import { type NginxWorker, workerOfFacts } from './worker.js';

export interface ServerUserDeniedInput {
  route: Route;
  /** The doctor's own view of the files (the refusal is checked on it again). */
  fs: FileSystem;
  users: Pick<Users, 'userName' | 'groupName'>;
  worker: NginxWorker;
  config: { directives: readonly NginxDirective[] };
  routing: NginxModel;
  /** The kernel's answer as the worker: a refusal of the bits it does not confirm (an ACL grants it) is no finding. */
  access?: AccessOracle;
}

/** The refusal's directive as written (several may share its line), searched through the http block. */
function directiveAt(routing: NginxModel, name: string, file: string, line: number): NginxDirective | undefined {
  const stack = [...routing.http.body];
  // Bounded by the configuration's own size: each directive is looked at once.
  while (stack.length > 0) {
    const d = stack.pop() as NginxDirective;
    if (d.file === file && d.line === line && d.name === name) return d;
    if (d.block) stack.push(...d.block);
  }
  return undefined;
}

/** What the refusal did to the request, with the line nginx logs for it. */
function effect(ref: RouteRefusal, route: Route, where: string): string {
  const status = route.outcome === 'status' ? `nginx answers ${route.status ?? 'an error'}` : '';
  switch (ref.directive) {
    case 'try_files':
      return `try_files${where} cannot see it and goes on to its next name (nginx logs stat() "${ref.path}" failed (13: Permission denied)): ${status}`;
    case 'index':
      return `the index module${where} gets "Permission denied" (nginx logs "${ref.path}" is forbidden (13: Permission denied)): ${status}`;
    case 'static':
      return `nginx cannot open it (it logs open() "${ref.path}" failed (13: Permission denied)): ${status}`;
    case 'if':
      return `the file test of the if${where} fails as for a missing file: ${status}`;
    case 'realpath': {
      const sf = route.backend?.params['SCRIPT_FILENAME'];
      return `$realpath_root cannot be resolved and expands to "" (nginx logs realpath() "${ref.path}" failed (13: Permission denied))${sf !== undefined ? `: PHP-FPM gets SCRIPT_FILENAME ${sf} and answers "File not found." (404)` : ''}`;
    }
  }
}

/** Whether the route's answer is the refusal's doing: an error status, or a $realpath_root that came out empty. */
function hurts(route: Route, ref: RouteRefusal): boolean {
  if (ref.directive === 'realpath') return true;
  return route.outcome === 'status' && (route.status ?? 0) >= 400;
}

/**
 * The finding for one route, or undefined when the refusals did not change the answer or hide
 * nothing that exists. A refused name that exists is the clearest case; else a directory the
 * worker may not search hides whatever the request could have found below it (an index.html
 * tried before index.php answers 403 though only index.php exists).
 */
export function serverUserDenied(input: ServerUserDeniedInput): Finding | undefined {
  const { route, fs, users, worker } = input;
  const hurting = (route.refused ?? []).filter((ref) => hurts(route, ref));
  const existing = hurting.filter((ref) => fs.exists(ref.path));
  const below = hurting.filter((ref) => !existing.includes(ref) && ref.refusedAt !== ref.path);
  for (const ref of [...existing, ...below]) {
    const exists = existing.includes(ref);
    const need: Bit[] = ref.directive === 'static' ? ['r'] : [];
    const v = confirmedAccessOne(fs, input.access, worker.principal, ref.path, need);
    if (v.result !== 'denied') continue;
    const owner = users.userName(v.stat.uid) ?? String(v.stat.uid);
    const group = users.groupName(v.stat.gid) ?? String(v.stat.gid);
    const isDir = v.stat.type === 'dir';
    const denial: Denial = {
      who: worker.name,
      path: v.path,
      object: isDir ? `the directory ${v.path}` : `the file ${v.path}`,
      missing: v.missing,
      cls: v.cls,
      modeText: modeString(v.stat),
      owner,
      group,
    };
    const name: string | undefined = { try_files: 'try_files', index: 'index', if: 'if' }[ref.directive as string];
    const d =
      name && ref.file !== undefined && ref.line !== undefined
        ? directiveAt(input.routing, name, ref.file, ref.line)
        : undefined;
    const where = ref.file !== undefined ? ` (${ref.file}:${ref.line ?? '?'})` : '';
    const userDirective = input.config.directives.find((x) => x.name === 'user');
    // The group's bits would let the worker through: joining the group is the other way in (never
    // root's group, nor the catch-all nogroup, which would open far more than this directory).
    const groupBits = v.missing.every((b) => ((v.stat.mode >> 3) & { r: 4, w: 2, x: 1 }[b]) !== 0);
    const sharedGroup = v.stat.gid === 0 || v.stat.gid === 65534 || group === 'nogroup' || group === 'nobody';
    const viaGroup =
      v.cls === 'other' && groupBits && !sharedGroup
        ? `, or add ${worker.name} to the group ${group} (usermod -aG ${group} ${worker.name}) and reload nginx, whose new workers take the group when they start`
        : '';
    const verb = isDir && v.missing.includes('x') ? 'search' : 'read';
    const f = finding({
      id: 'server-user-denied',
      severity: 'error',
      title: "The web server's user may not reach the file the request needs",
      message: exists
        ? `${route.url} needs ${ref.path}, which exists, but nginx's worker runs as ${worker.name}, who ${denialText(denial)}: ${effect(ref, route, where)}.`
        : `For ${route.url}, nginx's worker runs as ${worker.name}, who ${denialText(denial)}, so every file below ${v.path} is hidden from it: ${effect(ref, route, where)}.`,
      // The directive itself carries the include chain that brings it into the site.
      at:
        d ??
        (ref.file !== undefined
          ? { file: ref.file, ...(ref.line !== undefined ? { line: ref.line } : {}) }
          : (route.vhost ?? { file: '' })),
      evidence: [
        ...(d ? [directiveText(d)] : []),
        userDirective
          ? directiveText(userDirective)
          : `no user directive: nginx's workers run as the compiled-in user ${worker.name}`,
      ],
      fix: `Let ${worker.name} ${verb} ${v.path}: ${chmodFix(denial)}${viaGroup}. nginx's workers run as ${worker.name}, not as the user who owns the site.`,
    });
    f.evidence.push(
      { kind: 'probe', text: `nginx's worker: ${principalText(worker.principal, users as Users)}` },
      { kind: 'probe', text: `DENIED ${v.missing.join('')}: ${modeString(v.stat)} ${owner}:${group} ${v.path}` },
      ...(v.confirmed ? [{ kind: 'probe' as const, text: confirmedText(worker.name, v) }] : []),
      {
        kind: 'probe',
        text: `traced ${route.url} as ${worker.name}: ${route.outcome === 'status' ? `status ${route.status ?? '?'}` : route.outcome}`,
      },
    );
    return f;
  }
  return undefined;
}

/** `check`: the scripts discovery traced as nginx's worker, one finding per refusing path and directive. */
export function serverUserDeniedFindings(ctx: ProbeContext, a: NginxAnalysis): Finding[] {
  const worker = workerOfFacts(a.config, ctx.facts, ctx.system.users);
  if (!worker) return [];
  const out: Finding[] = [];
  const told = new Set<string>();
  for (const d of ctx.discovery?.scripts ?? []) {
    if (!d.route?.refused) continue;
    const f = serverUserDenied({
      route: d.route,
      fs: ctx.system.fs,
      users: ctx.system.users,
      worker,
      config: a.config,
      routing: a.routing,
      ...(ctx.system.access ? { access: ctx.system.access } : {}),
    });
    if (!f) continue;
    const key = `${f.location?.file ?? ''}:${f.location?.line ?? ''}\u0000${f.fix ?? ''}`;
    if (told.has(key)) continue;
    told.add(key);
    f.setup = d.setup.id;
    out.push(f);
  }
  return out;
}
