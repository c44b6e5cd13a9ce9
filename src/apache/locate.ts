/**
 * Finding the server's root configuration from whatever the user named: a vhost
 * file (sites-available or sites-enabled, symlinked or not), a directory, the
 * root file itself, or nothing (then the usual places of Debian, RHEL and a
 * source build).
 */
import * as path from 'node:path';
import type { ConfigFileSource } from './source.js';

export type Layout = 'debian' | 'rhel' | 'custom' | 'standalone';

export interface LocateOptions {
  target?: string;
  root?: string;
  serverRoot?: string;
  source: ConfigFileSource;
}

export interface Located {
  rootFile: string;
  serverRoot: string;
  layout: Layout;
  /** Debian's envvars next to apache2.conf, when there is one. */
  envvarsFile?: string;
  /** The file the user named, absolute, when it is a file other than the root. */
  targetFile?: string;
  notes: string[];
}

const WELL_KNOWN = ['/etc/apache2/apache2.conf', '/etc/httpd/conf/httpd.conf', '/usr/local/apache2/conf/httpd.conf'];

function rootIn(dir: string, src: ConfigFileSource): string | undefined {
  for (const c of ['apache2.conf', 'conf/httpd.conf', 'httpd.conf']) {
    const p = path.posix.join(dir, c);
    if (src.stat(p).kind === 'file') return p;
  }
  return undefined;
}

function walkUp(start: string, src: ConfigFileSource): string | undefined {
  let dir = start;
  for (let i = 0; i < 64; i++) {
    const found = rootIn(dir, src);
    if (found) return found;
    const parent = path.posix.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

function layoutOf(rootFile: string): Layout {
  const base = path.posix.basename(rootFile);
  if (base === 'apache2.conf') return 'debian';
  if (base === 'httpd.conf' && path.posix.basename(path.posix.dirname(rootFile)) === 'conf') return 'rhel';
  return 'custom';
}

/** httpd's -d default: the directory above conf/ for httpd.conf layouts, else the file's directory. */
function defaultServerRoot(rootFile: string): string {
  const dir = path.posix.dirname(rootFile);
  return path.posix.basename(dir) === 'conf' && path.posix.basename(rootFile) === 'httpd.conf'
    ? path.posix.dirname(dir)
    : dir;
}

function finish(rootFile: string, opts: LocateOptions, notes: string[], targetFile?: string, layout?: Layout): Located {
  const serverRoot = opts.serverRoot ? path.posix.resolve(opts.serverRoot) : defaultServerRoot(rootFile);
  const l = layout ?? layoutOf(rootFile);
  const envvars = path.posix.join(path.posix.dirname(rootFile), 'envvars');
  const located: Located = { rootFile, serverRoot, layout: l, notes };
  if (l === 'debian' && opts.source.stat(envvars).kind === 'file') located.envvarsFile = envvars;
  if (targetFile && targetFile !== rootFile) located.targetFile = targetFile;
  return located;
}

/** Never throws; when nothing is found, the result names the first well-known place with a note. */
export function locateRoot(opts: LocateOptions): Located {
  const src = opts.source;
  const notes: string[] = [];
  const target = opts.target ? path.posix.resolve(opts.target) : undefined;
  if (opts.root) {
    const root = path.posix.resolve(opts.root);
    const targetFile = target && src.stat(target).kind === 'file' ? target : undefined;
    return finish(root, opts, notes, targetFile);
  }
  if (target) {
    const st = src.stat(target);
    if (st.kind === 'dir') {
      const found = rootIn(target, src) ?? walkUp(target, src);
      if (found) return finish(found, opts, notes);
      notes.push(`No apache2.conf or httpd.conf in or above ${target}.`);
      return finish(path.posix.join(target, 'apache2.conf'), opts, notes, undefined, 'standalone');
    }
    const base = path.posix.basename(target);
    if (base === 'apache2.conf' || base === 'httpd.conf') return finish(target, opts, notes);
    const candidates = [path.posix.dirname(target)];
    const real = src.realpath(target);
    if (real && real !== target) candidates.push(path.posix.dirname(real));
    for (const dir of candidates) {
      const found = walkUp(dir, src);
      if (found) return finish(found, opts, notes, target);
    }
    notes.push(`No server configuration (apache2.conf, httpd.conf) found above ${target}: it is analysed on its own.`);
    return finish(
      target,
      { ...opts, serverRoot: opts.serverRoot ?? path.posix.dirname(target) },
      notes,
      undefined,
      'standalone',
    );
  }
  for (const p of WELL_KNOWN) {
    if (src.stat(p).kind === 'file') return finish(p, opts, notes);
  }
  notes.push(`No server configuration found in ${WELL_KNOWN.join(', ')}.`);
  return finish(WELL_KNOWN[0] ?? '/etc/apache2/apache2.conf', opts, notes);
}
