/**
 * Finding nginx's root configuration: the file the user named (`--root`), the
 * `-c` of a running master, or the usual places (Debian/RHEL and the official
 * image: /etc/nginx/nginx.conf; a source build: /usr/local/nginx/conf/nginx.conf;
 * FreeBSD and Homebrew: /usr/local/etc/nginx/nginx.conf).
 */
import * as path from 'node:path';
import type { NginxFileSource } from './source.js';

export interface NginxLocateOptions {
  /** `--root FILE`: used as is. */
  root?: string;
  /** Command lines of the running processes (src/system's Processes.commandLines()). */
  commandLines?: readonly (readonly string[])[];
  source: NginxFileSource;
}

export interface NginxLocated {
  root: string;
  /** nginx's -p: the master's, or the compiled-in prefix of the layout. */
  prefix: string;
  how: 'option' | 'master' | 'well-known';
  /** The master's pid-less command line, when it told us. */
  master?: string;
}

const WELL_KNOWN: readonly [string, string][] = [
  ['/etc/nginx/nginx.conf', '/usr/share/nginx/'],
  ['/usr/local/nginx/conf/nginx.conf', '/usr/local/nginx/'],
  ['/usr/local/etc/nginx/nginx.conf', '/usr/local/etc/nginx/'],
];

/**
 * The options of an nginx master from its command line. nginx rewrites its
 * argv into one title (ngx_setproctitle): "nginx: master process
 * /usr/sbin/nginx -c /etc/nginx/nginx.conf -g daemon on;". -c and -p take the
 * next word or the rest of the same word (nginx.c ngx_get_options).
 */
export function nginxMasterOptions(cmdline: readonly string[]): { conf?: string; prefix?: string } | undefined {
  const title = cmdline.filter((s) => s !== '').join(' ');
  const m = /^nginx: master process (.*)$/.exec(title);
  if (!m) return undefined;
  const words = (m[1] ?? '').split(/\s+/).filter(Boolean);
  const out: { conf?: string; prefix?: string } = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    const take = (): string | undefined => (w.length > 2 ? w.slice(2) : words[++i]);
    if (w.startsWith('-c')) out.conf = take();
    else if (w.startsWith('-p')) out.prefix = take();
    else if (w.startsWith('-g')) {
      // -g takes the next word: directives that may hold spaces; skip to the word ending in ';'.
      if (w.length === 2) while (i + 1 < words.length && !(words[++i] ?? '').endsWith(';'));
    }
  }
  return out;
}

function withSlash(p: string): string {
  return p.endsWith('/') ? p : `${p}/`;
}

/** The compiled-in prefix of the layout a root file belongs to. */
export function defaultPrefixFor(root: string, src: NginxFileSource): string {
  for (const [file, prefix] of WELL_KNOWN) if (file === root) return adjustForImage(prefix, src);
  if (root.endsWith('/conf/nginx.conf')) return `${path.posix.dirname(path.posix.dirname(root))}/`;
  return adjustForImage('/usr/share/nginx/', src);
}

/** The official Docker image is built with --prefix=/etc/nginx (and has /etc/nginx/modules). */
function adjustForImage(prefix: string, src: NginxFileSource): string {
  if (prefix !== '/usr/share/nginx/') return prefix;
  if (src.stat('/usr/share/nginx/modules').kind !== 'dir' && src.stat('/etc/nginx/modules').kind === 'dir')
    return '/etc/nginx/';
  return prefix;
}

/**
 * Each running master's configuration, in process order, one entry per
 * distinct root and prefix (a master's -c/-p; -p alone: <prefix>conf/nginx.conf
 * when it exists). Several masters run when a second nginx is started with its
 * own `-c` (a staging site on another port, a packaged app's own nginx).
 */
export function locateNginxMasters(opts: {
  commandLines?: readonly (readonly string[])[];
  source: NginxFileSource;
}): NginxLocated[] {
  const out: NginxLocated[] = [];
  for (const cmdline of opts.commandLines ?? []) {
    const found = masterLocated(cmdline, opts.source);
    if (found && !out.some((m) => m.root === found.root && m.prefix === found.prefix)) out.push(found);
  }
  return out;
}

function masterLocated(cmdline: readonly string[], src: NginxFileSource): NginxLocated | undefined {
  const o = nginxMasterOptions(cmdline);
  if (!o) return undefined;
  const master = cmdline.filter((s) => s !== '').join(' ');
  const prefix = o.prefix ? withSlash(o.prefix) : undefined;
  if (o.conf) {
    const root = path.posix.resolve(o.conf.startsWith('/') ? o.conf : (prefix ?? '/usr/share/nginx/') + o.conf);
    return { root, prefix: prefix ?? defaultPrefixFor(root, src), how: 'master', master };
  }
  if (prefix && src.stat(`${prefix}conf/nginx.conf`).kind === 'file')
    return { root: `${prefix}conf/nginx.conf`, prefix, how: 'master', master };
  // No -c: the binary's compiled-in --conf-path (Debian's systemd unit runs `nginx -g 'daemon on; …'`).
  const root = compiledInRoot(/^nginx: master process (\S+)/.exec(master)?.[1], src);
  return root ? { root, prefix: prefix ?? defaultPrefixFor(root, src), how: 'master', master } : undefined;
}

/**
 * The configuration a binary reads without -c: a source build's
 * <prefix>/sbin/nginx reads <prefix>/conf/nginx.conf; a packaged one, the
 * usual place that exists (auto/options: --conf-path).
 */
function compiledInRoot(binary: string | undefined, src: NginxFileSource): string | undefined {
  if (binary?.startsWith('/') && binary.endsWith('/sbin/nginx') && !/^\/usr\/s?bin\//.test(binary)) {
    const own = `${path.posix.dirname(path.posix.dirname(binary))}/conf/nginx.conf`;
    if (src.stat(own).kind === 'file') return own;
  }
  return WELL_KNOWN.map(([file]) => file).find((file) => src.stat(file).kind === 'file');
}

export function locateNginxRoot(opts: NginxLocateOptions): NginxLocated | undefined {
  const src = opts.source;
  const masters = locateNginxMasters(opts);
  if (opts.root) {
    const root = path.posix.resolve(opts.root);
    // `--root FILE` that a running master reads (`nginx -c FILE -p DIR`): its -p, not the layout's
    // compiled-in prefix, resolves relative paths.
    const running = masters.find((m) => m.root === root);
    return running ? { ...running, how: 'option' } : { root, prefix: defaultPrefixFor(root, src), how: 'option' };
  }
  if (masters[0]) return masters[0];
  for (const [file] of WELL_KNOWN) {
    if (src.stat(file).kind === 'file') return { root: file, prefix: defaultPrefixFor(file, src), how: 'well-known' };
  }
  return undefined;
}
