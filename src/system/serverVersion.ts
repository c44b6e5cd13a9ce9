import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * What the installed Apache says it is (`apache2 -v` / `httpd -v`: "Server
 * version: Apache/2.4.62 (Debian)"), for SERVER_SOFTWARE in a traced request.
 * A child process bounded by a timer and an output cap: a binary that hangs or
 * floods costs at most that, and any failure means "unknown", never a guess.
 */
export const APACHE_BINARIES = ['/usr/sbin/apache2', '/usr/sbin/httpd', '/usr/local/apache2/bin/httpd'] as const;

export interface ServerVersionOptions {
  binaries?: readonly string[];
  timeoutMs?: number;
}

/** "Apache/2.4.62 (Debian)" from `-v`'s output; undefined when the line is not there or not plausible. */
export function parseServerVersion(output: string): string | undefined {
  const m = /^Server version:[ \t]*([!-~][ -~]{0,199})$/m.exec(output.slice(0, 4096));
  return m?.[1]?.trim() || undefined;
}

/**
 * `BINARY -v` of the first usual binary present: stdout and stderr together (Apache prints its
 * version on stdout, nginx on stderr), bounded by a timer and an output cap, in a clean environment
 * (neither reads anything from it for -v); undefined when none is there or it fails.
 */
function versionOutput(binaries: readonly string[], opts: ServerVersionOptions): string | undefined {
  const binary = binaries.find((b) => existsSync(b));
  if (!binary) return undefined;
  const r = spawnSync(binary, ['-v'], {
    timeout: opts.timeoutMs ?? 1000,
    maxBuffer: 64 * 1024,
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
  });
  if (r.error || r.signal) return undefined;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

export function apacheServerVersion(opts: ServerVersionOptions = {}): string | undefined {
  const out = versionOutput(opts.binaries ?? APACHE_BINARIES, opts);
  return out === undefined || out === '' ? undefined : parseServerVersion(out);
}

/** Where nginx's binary usually is (Debian/RHEL/the official image; a source build). */
export const NGINX_BINARIES = ['/usr/sbin/nginx', '/usr/local/nginx/sbin/nginx', '/usr/local/sbin/nginx'] as const;

/** "1.22.1" from `nginx -v`'s "nginx version: nginx/1.22.1" (on stderr); undefined when not there. */
export function parseNginxVersion(output: string): string | undefined {
  return /^nginx version: [A-Za-z]+\/(\d+\.\d+\.\d+)\b/m.exec(output.slice(0, 4096))?.[1];
}

/**
 * The version of the nginx binary that owns a configuration (the running
 * master's executable when known, else the first usual binary), for
 * $nginx_version: `nginx -v`, bounded by a timer and an output cap.
 */
export function nginxServerVersion(opts: ServerVersionOptions = {}): string | undefined {
  const out = versionOutput(opts.binaries ?? NGINX_BINARIES, opts);
  return out === undefined ? undefined : parseNginxVersion(out);
}

/** A module as LoadModule names it: its id and shared object ("(static)" for one built into httpd). */
export interface ModuleFile {
  id: string;
  path: string;
}

/**
 * Modules that add a version component to the banner (ap_add_version_component
 * in their post_config) whose text is a string literal of their shared object:
 * mod_fcgid (fcgid_init: MODFCGID_PRODUCT, "mod_fcgid/2.3.9"), mod_fastcgi
 * (init_module: "mod_fastcgi/" MOD_FASTCGI_VERSION). Found as a whole C string
 * (NUL before and after) in the file.
 */
const COMPONENT_LITERAL: Readonly<Record<string, RegExp>> = {
  fcgid_module: /\0(mod_fcgid\/[0-9][0-9A-Za-z.-]{0,40})\0/,
  fastcgi_module: /\0(mod_fastcgi\/[0-9A-Za-z][0-9A-Za-z.-]{0,60})\0/,
};

/**
 * Modules that add a component decided at run time, which no file states:
 * mod_ssl (ssl_add_version_components: the OpenSSL library's own version),
 * mod_php (its php.ini's expose_php), mod_wsgi / mod_perl / mod_python (the
 * interpreter they load).
 */
const COMPONENT_AT_RUN_TIME: ReadonlySet<string> = new Set([
  'ssl_module',
  'php_module',
  'php5_module',
  'php7_module',
  'wsgi_module',
  'perl_module',
  'python_module',
]);

/** The most of a shared object read to find a component (mod_fcgid.so is about 100 KiB). */
export const MAX_MODULE_READ = 8 * 1024 * 1024;

/** The whole-C-string match of `re` in the first `MAX_MODULE_READ` bytes of `file`; undefined when unreadable or absent. */
function literalIn(file: string, re: RegExp, maxBytes: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const size = Math.min(st.size, maxBytes);
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n <= 0) break;
      got += n;
    }
    return re.exec(buf.subarray(0, got).toString('latin1'))?.[1];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The version components the loaded modules add to Apache's banner, in
 * LoadModule order (post_config hooks of one rank run in load order);
 * undefined when one of them adds a component that cannot be known, or whose
 * file cannot be read.
 */
export function moduleVersionComponents(
  modules: readonly ModuleFile[],
  opts: { maxBytes?: number } = {},
): string[] | undefined {
  const out: string[] = [];
  for (const m of modules) {
    if (COMPONENT_AT_RUN_TIME.has(m.id)) return undefined;
    const re = COMPONENT_LITERAL[m.id];
    if (!re) continue;
    if (m.path === '(static)') return undefined;
    const found = literalIn(m.path, re, opts.maxBytes ?? MAX_MODULE_READ);
    if (found === undefined) return undefined;
    out.push(found);
  }
  return out;
}

/** What SERVER_SOFTWARE is built from: `apache2 -v`'s description and the loaded modules' components (each undefined when unknown). */
export interface ServerSoftware {
  serverSoftware?: string;
  serverComponents?: string[];
}

/** `apache2 -v` and the components of `modules`: the one way the CLI and the tests learn what Apache calls itself. */
export function apacheServerSoftware(modules: readonly ModuleFile[], opts: ServerVersionOptions = {}): ServerSoftware {
  const serverSoftware = apacheServerVersion(opts);
  const serverComponents = moduleVersionComponents(modules);
  return {
    ...(serverSoftware !== undefined ? { serverSoftware } : {}),
    ...(serverComponents !== undefined ? { serverComponents } : {}),
  };
}
