/**
 * script-outside-open-basedir: the pool's open_basedir (php_admin_value or
 * php_value) names no directory that holds a script the site hands to it.
 * PHP refuses the main script itself at request startup ("open_basedir
 * restriction in effect", then FPM's "Unable to open primary script: …
 * (Operation not permitted)"), and the visitor gets 404 "No input file
 * specified." — with a file that exists and permissions that are fine.
 *
 * PHP's rule (main/fopen_wrappers.c: php_check_specific_open_basedir): each
 * entry, separated by ':', is a directory name, not a prefix (since PHP 5.3.4):
 * the real path must be the entry or lie beneath it. Real paths are compared:
 * where a symbolic link is on either path, this check says nothing rather than
 * guess. A relative entry (".") depends on the worker's current directory: the
 * pool is then not judged.
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import type { FpmEntry } from '../../fpm/index.js';
import { isProbeError, type FileSystem } from '../../system/index.js';
import type { DiscoveredScript } from '../discovery/discover.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { configText } from './evidence.js';
import { entryText, scriptsAtPools, type PoolOfInstallation } from './fpmPoolsOfSetups.js';
import { probeFinding } from './make.js';

/** Components of a path looked at for symbolic links (bounds the walk on a hostile path). */
const MAX_COMPONENTS = 64;

/** The pool's open_basedir: php_admin_value wins (a script's ini_set may only narrow it). */
export function openBasedirOf(p: PoolOfInstallation): FpmEntry | undefined {
  const pick = (list: readonly FpmEntry[]) => list.filter((e) => e.offset === 'open_basedir').at(-1);
  return pick(p.pool.phpAdminValues) ?? pick(p.pool.phpValues);
}

/** Whether PHP allows `file` under the entries; undefined when a relative entry makes it depend on the cwd. */
export function insideBasedir(file: string, entries: readonly string[]): boolean | undefined {
  if (entries.length === 0) return true;
  if (entries.some((e) => !e.startsWith('/'))) return undefined;
  return entries.some((e) => {
    const dir = e.length > 1 ? e.replace(/\/+$/, '') : e;
    return dir === '/' || file === dir || file.startsWith(`${dir}/`);
  });
}

function hasSymlink(fs: FileSystem, p: string): boolean {
  const parts = p.split('/').filter(Boolean).slice(0, MAX_COMPONENTS);
  let at = '';
  for (const part of parts) {
    at = `${at}/${part}`;
    const st = fs.lstat(at);
    if (isProbeError(st)) return false;
    if (st.type === 'symlink') return true;
  }
  return false;
}

function outsideFinding(
  ctx: ProbeContext,
  d: DiscoveredScript,
  p: PoolOfInstallation,
  entry: FpmEntry,
  file: string,
): Finding {
  const setupId = d.route?.backend?.setupId;
  const setup = (setupId && ctx.model.setups.find((s) => s.id === setupId)) || d.setup;
  const dir = path.posix.dirname(file);
  const f = probeFinding({
    id: 'script-outside-open-basedir',
    severity: 'error',
    title: "The pool's open_basedir excludes the scripts the site serves",
    message: `${d.url} is handed to PHP-FPM pool [${p.pool.name}] as ${file}, outside the pool's open_basedir (${entry.value}): PHP refuses to open it ("open_basedir restriction in effect", then "Unable to open primary script: … (Operation not permitted)") and the visitor gets 404 "No input file specified.".`,
    location: { file: entry.file, line: entry.line },
    probe: [entryText(entry), `found as ${d.url} → ${file}`],
    fix: `Add ${dir} to open_basedir in ${entry.file}:${entry.line} (${entry.key}[open_basedir] = ${entry.value}:${dir}), or serve the site from a pool of its own; then reload PHP-FPM.`,
  });
  f.setup = setup.id;
  f.evidence.unshift({ kind: 'config', text: configText(setup) });
  const root = d.site.roots.find((r) => file.startsWith(`${r.dir}/`));
  if (root) f.evidence.splice(1, 0, { kind: 'config', text: `${root.at.file}:${root.at.line}: ${root.at.text}` });
  return f;
}

export const openBasedirCheck: ProbeCheck = {
  ids: ['script-outside-open-basedir'],
  run(ctx) {
    const out: Finding[] = [];
    // One finding per pool and directory: every script of that directory meets the same refusal.
    const told = new Set<string>();
    for (const { d, route, pool: p } of scriptsAtPools(ctx)) {
      const entry = openBasedirOf(p);
      if (!entry || entry.value.trim() === '') continue;
      const file = route.file ?? d.file;
      const entries = entry.value.split(':').filter((e) => e !== '');
      if (insideBasedir(file, entries) !== false) continue;
      if (hasSymlink(ctx.system.fs, file) || entries.some((e) => hasSymlink(ctx.system.fs, e))) {
        ctx.notice(
          `${file} or the open_basedir of pool [${p.pool.name}] (${entry.file}:${entry.line}) goes through a symbolic link: whether PHP allows it was not judged.`,
        );
        continue;
      }
      const key = `${p.pool.file}\u0000${p.pool.name}\u0000${path.posix.dirname(file)}`;
      if (told.has(key)) continue;
      told.add(key);
      out.push(outsideFinding(ctx, d, p, entry, file));
    }
    return out;
  },
};
