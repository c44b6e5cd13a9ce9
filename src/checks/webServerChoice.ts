/**
 * Which web server's configuration answers for a URL (issue 17 §4), when
 * `--server` does not say: `trace` uses it, `check` may. One web server on the
 * machine (its root configuration in a usual place, or its master running)
 * decides alone; with both, the one whose configuration listens on the URL's
 * port, else the one running; else the user must say (`--server`), and the
 * message says why.
 * A `--root FILE` decides by the file: nginx's `name …;`/`{ }` statements or
 * its name, else Apache.
 */
import type { FileSystem, Processes } from '../system/types.js';
import { isProbeError } from '../system/types.js';

export type WebServerKind = 'apache' | 'nginx';

export const APACHE_ROOT_FILES = [
  '/etc/apache2/apache2.conf',
  '/etc/httpd/conf/httpd.conf',
  '/usr/local/apache2/conf/httpd.conf',
] as const;
export const NGINX_ROOT_FILES = [
  '/etc/nginx/nginx.conf',
  '/usr/local/nginx/conf/nginx.conf',
  '/usr/local/etc/nginx/nginx.conf',
] as const;

export interface WebServerChoiceInput {
  /** `--server` as given. */
  server?: string;
  /** `--root FILE` as given. */
  root?: string;
  /** The port the URL's connection arrives on. */
  port: number;
  system: { fs: FileSystem; processes: Pick<Processes, 'commandLines'> };
  /**
   * The TCP ports a web server's configuration listens on (Listen, listen);
   * undefined when it cannot be read. Asked only when both servers are there.
   */
  listenPorts(server: WebServerKind): readonly number[] | undefined;
}

export type WebServerChoice =
  | { ok: true; server: WebServerKind; why: string }
  /** Nothing decides: the usage message asks for --server (exit 2). */
  | { ok: false; message: string };

/** What is there of one web server: its usual root files, its running master. */
export interface WebServerPresence {
  rootFile?: string;
  running: boolean;
}

function isApacheCommand(cmdline: readonly string[]): boolean {
  const exe = (cmdline[0] ?? '').split('/').pop() ?? '';
  return exe === 'apache2' || exe === 'httpd';
}

function isNginxMaster(cmdline: readonly string[]): boolean {
  return cmdline.join(' ').startsWith('nginx: master process');
}

export function webServerPresence(system: WebServerChoiceInput['system']): Record<WebServerKind, WebServerPresence> {
  const commands = system.processes.commandLines().map((c) => c.cmdline);
  const rootOf = (files: readonly string[]) => files.find((f) => system.fs.exists(f));
  const apacheRoot = rootOf(APACHE_ROOT_FILES);
  const nginxRoot = rootOf(NGINX_ROOT_FILES);
  return {
    apache: { ...(apacheRoot ? { rootFile: apacheRoot } : {}), running: commands.some(isApacheCommand) },
    nginx: { ...(nginxRoot ? { rootFile: nginxRoot } : {}), running: commands.some(isNginxMaster) },
  };
}

/** Whether a root configuration file is nginx's: by its name, else by its first statements. */
export function rootFileIsNginx(file: string, fs: FileSystem): boolean {
  if (/(^|\/)nginx\.conf$|(^|\/)nginx\//.test(file)) return true;
  const head = fs.readHead(file, 16 * 1024);
  if (isProbeError(head)) return false;
  const text = head
    .toString('latin1')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  // Apache's sections are tags; nginx's blocks are words before '{', its statements end in ';'.
  if (/^\s*<\/?[A-Za-z]+/m.test(text)) return false;
  return (
    /(^|[\s;}])(http|events|server|stream|upstream|location)\s*[^;{}\n]*\{/m.test(text) ||
    /^\s*(worker_processes|include|user|pid|error_log|fastcgi_pass|listen)\s+[^;\n]*;/m.test(text)
  );
}

const ASK = 'say which with --server apache or --server nginx';

export function chooseWebServer(input: WebServerChoiceInput): WebServerChoice {
  if (input.server !== undefined) {
    if (input.server === 'apache' || input.server === 'nginx')
      return { ok: true, server: input.server, why: '--server' };
    return { ok: false, message: `--server takes apache or nginx, not "${input.server}"` };
  }
  if (input.root !== undefined) {
    const server = rootFileIsNginx(input.root, input.system.fs) ? 'nginx' : 'apache';
    return { ok: true, server, why: `--root ${input.root} is ${server === 'nginx' ? "nginx's" : "Apache's"}` };
  }
  const present = webServerPresence(input.system);
  const has = (k: WebServerKind) => present[k].rootFile !== undefined || present[k].running;
  if (has('nginx') && !has('apache')) return { ok: true, server: 'nginx', why: 'only nginx is on this machine' };
  if (has('apache') && !has('nginx')) return { ok: true, server: 'apache', why: 'only Apache is on this machine' };
  // Neither: Apache, whose "no configuration found" message users know, unless nothing at all helps.
  if (!has('apache') && !has('nginx'))
    return { ok: true, server: 'apache', why: 'no web server found: Apache assumed' };
  const on = (k: WebServerKind) => input.listenPorts(k)?.includes(input.port) ?? false;
  const apache = on('apache');
  const nginx = on('nginx');
  if (nginx && !apache)
    return { ok: true, server: 'nginx', why: `both are installed; only nginx listens on port ${input.port}` };
  if (apache && !nginx)
    return { ok: true, server: 'apache', why: `both are installed; only Apache listens on port ${input.port}` };
  // Both (or neither) listen there in their configurations: the one running is the one that answers.
  const running = (['apache', 'nginx'] as const).filter((k) => present[k].running);
  const only = running.length === 1 ? running[0] : undefined;
  if (only)
    return {
      ok: true,
      server: only,
      why: `both are installed and ${apache ? 'both listen' : 'neither listens'} on port ${input.port}; only ${only === 'nginx' ? 'nginx' : 'Apache'} runs`,
    };
  return {
    ok: false,
    message: `Apache and nginx are both on this machine and ${apache ? 'both listen' : 'neither listens'} on port ${input.port} in their configurations: ${ASK}`,
  };
}
