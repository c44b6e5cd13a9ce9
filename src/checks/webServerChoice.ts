/**
 * Which web server's configuration answers for a URL (issue 17 §4), when
 * `--server` does not say: `trace` uses it, `check` may. One web server on the
 * machine (its root configuration in a usual place, or its master running)
 * decides alone; with both, the one whose configuration listens on the URL's
 * port, else the one running; else the user must say (`--server`), and the
 * message says why.
 * A `--root FILE` decides by the file (webServerOfFile), as `check FILE` does.
 */
// locate.js alone (no reader): `trace` loads this module whatever the web server.
import { locateNginxMasters } from '../nginx/locate.js';
import type { NginxFileSource } from '../nginx/source.js';
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

const APACHE_TAG =
  /^[ \t]*<\/?(VirtualHost|Directory|DirectoryMatch|Location|LocationMatch|Files|FilesMatch|IfModule|IfDefine|IfVersion|Proxy|Macro)\b/im;
const APACHE_DIRECTIVE =
  /^[ \t]*(ServerName|DocumentRoot|ProxyPass|SetHandler|AddHandler|LoadModule|Include|IncludeOptional|ServerRoot|FcgidWrapper|FastCgiServer)[ \t]/m;
const NGINX_BLOCK = /(^|[\s;{}])(server|http|events|location|upstream|stream)(\s+[^;{}\n]*)?\s*\{/m;
const NGINX_STATEMENT =
  /(^|[\s;{}])(fastcgi_pass|fastcgi_param|server_name|listen|try_files|proxy_pass|worker_processes|user|pid|error_log|include)\s+[^;\n]*;/m;

/**
 * The web server whose configuration `text` (the head of `file`) is; undefined when nothing
 * tells. The content decides first: Apache's configuration is made of `<Section>` tags and
 * `Directive args` lines, nginx's of `name args;` statements and `{ }` blocks; the file's place
 * (/etc/nginx, /etc/apache2, /etc/httpd, a name nginx.conf) when the content says neither
 * (an empty site, a comment-only file).
 */
export function webServerOfText(file: string, text: string): WebServerKind | undefined {
  // Comments out: a commented example of the other server must not decide.
  const body = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  const apache = APACHE_TAG.test(body) || APACHE_DIRECTIVE.test(body);
  const nginx = NGINX_BLOCK.test(body) || NGINX_STATEMENT.test(body);
  if (apache && !nginx) return 'apache';
  if (nginx && !apache) return 'nginx';
  if (/^\/etc\/nginx(\/|$)|(^|\/)nginx\.conf$|\/nginx\//.test(file)) return 'nginx';
  if (/^\/etc\/(apache2|httpd)(\/|$)|\/(apache2|httpd)\.conf$/.test(file)) return 'apache';
  return undefined;
}

/**
 * The web server a configuration file (`check FILE`, `--root FILE`) belongs to: its content,
 * else its place; Apache when neither tells, and for a directory (Apache's DIR form) or a file
 * that cannot be read, whose reader then says what is wrong.
 */
export function webServerOfFile(file: string, fs: FileSystem): WebServerKind {
  // Only a regular file is read: a FIFO named as FILE would block the read (its reader says what it is).
  const st = fs.stat(file);
  const head = !isProbeError(st) && st.type === 'file' ? fs.readHead(file, 64 * 1024) : undefined;
  return webServerOfText(file, head && !isProbeError(head) ? head.toString('latin1') : '') ?? 'apache';
}

/** Whether a root configuration file is nginx's (webServerOfFile). */
export function rootFileIsNginx(file: string, fs: FileSystem): boolean {
  return webServerOfFile(file, fs) === 'nginx';
}

/**
 * The web servers `check` with no FILE looks at: each of the machine (webServerPresence).
 * Deliberately not chooseWebServer's one: `check` reports on the whole machine, a section per
 * web server, where `trace` needs the one that answers a URL. Apache alone when neither is
 * found, so the message is the one users know ("no Apache configuration found").
 */
export function webServersOnMachine(system: WebServerChoiceInput['system']): WebServerKind[] {
  const present = webServerPresence(system);
  const has = (k: WebServerKind) => present[k].rootFile !== undefined || present[k].running;
  return [
    ...(has('apache') || !has('nginx') ? (['apache'] as const) : []),
    ...(has('nginx') ? (['nginx'] as const) : []),
  ];
}

/** `--server` as given: the one message for `check` and `trace`. */
export function serverOption(server: string): WebServerChoice {
  return server === 'apache' || server === 'nginx'
    ? { ok: true, server, why: '--server' }
    : { ok: false, message: `--server: expected apache or nginx, not "${server}"` };
}

const ASK = 'say which with --server apache or --server nginx';

export function chooseWebServer(input: WebServerChoiceInput): WebServerChoice {
  if (input.server !== undefined) return serverOption(input.server);
  if (input.root !== undefined) {
    const server = webServerOfFile(input.root, input.system.fs);
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

/** One running nginx master's configuration, as locateNginxMasters finds it. */
export interface NginxMasterConf {
  root: string;
  /** The master's command line (its process title). */
  master?: string;
}

export interface NginxMasterChoice<M extends NginxMasterConf> {
  chosen: M;
  /** Why this one, naming the others and --root; undefined when only one master runs. */
  why?: string;
  /** The choice is a guess: no master, or several, listen on the port. */
  uncertain?: string;
}

/**
 * Which running nginx master answers a URL's port (several run, each with its
 * own -c): the one whose configuration listens on the port, else the first,
 * said as a guess. `listenPorts` reads a master's configuration (undefined
 * when it cannot be read).
 */
export function chooseNginxMaster<M extends NginxMasterConf>(
  masters: readonly M[],
  port: number,
  listenPorts: (master: M) => readonly number[] | undefined,
): NginxMasterChoice<M> | undefined {
  const first = masters[0];
  if (!first) return undefined;
  if (masters.length === 1) return { chosen: first };
  const on = masters.filter((m) => listenPorts(m)?.includes(port));
  const chosen = on[0] ?? first;
  const others = masters.filter((m) => m !== chosen).map((m) => m.root);
  const othersText = `${others.length === 1 ? 'another master reads' : 'other masters read'} ${others.join(', ')}: --root FILE traces through ${others.length === 1 ? 'it' : 'one of them'}`;
  const count = `${masters.length} nginx masters run with different configurations`;
  if (on.length === 1)
    return { chosen, why: `${count}; ${chosen.root} is the one that listens on port ${port} (${othersText})` };
  const uncertain =
    on.length === 0
      ? `${count} and none listens on port ${port} in its configuration: traced through the first, ${chosen.root} (${othersText})`
      : `${count} and ${on.length} of them listen on port ${port} in their configurations (only one can bind it): traced through the first, ${chosen.root} (${othersText})`;
  return { chosen, why: uncertain, uncertain };
}

/**
 * The root configurations of the running nginx masters, one each, when
 * several run with different configurations (`check` makes a section of
 * each); empty when one or none runs.
 */
export function nginxMasterRoots(commandLines: readonly (readonly string[])[], source: NginxFileSource): string[] {
  const roots = [...new Set(locateNginxMasters({ commandLines, source }).map((m) => m.root))];
  return roots.length > 1 ? roots : [];
}
