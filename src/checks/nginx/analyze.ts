/**
 * nginx's side of `check` (issue 17 §3, §4): the configuration read as nginx
 * reads it (src/nginx), its levels as the routing model merges them
 * (src/routing/nginx/config.ts), and its fastcgi_pass setups
 * (src/setups/nginx.ts), with the same ConfigModel Apache's checks give the
 * probes, the request step, the scope of `check FILE` and the reports — so
 * they serve nginx unchanged.
 */
import * as path from 'node:path';
import type { Directive } from '../../apache/index.js';
import {
  includeSites,
  isFileRead,
  LiveNginxSource,
  locateNginxRoot,
  readNginxConfig,
  RememberingNginxSource,
  type FileReadVerdict,
  type NginxConfig,
  type NginxDirective,
  type NginxFileSource,
} from '../../nginx/index.js';
import { buildModel, type NginxModel } from '../../routing/nginx/config.js';
import { extractNginxSetups, type FastcgiSetup } from '../../setups/index.js';
import type { ConfigModel } from '../config/context.js';
import { nginxMarkerComments } from './markers.js';

export interface NginxAnalyzeOptions {
  /** A site file, or the root configuration; omitted: the running master's or the usual places. */
  target?: string;
  /** --root FILE */
  root?: string;
  source?: NginxFileSource;
  /** Command lines of the running processes (the `-c` of a master). */
  commandLines?: readonly (readonly string[])[];
}

export interface NginxAnalysis {
  config: NginxConfig;
  routing: NginxModel;
  setups: FastcgiSetup[];
  /** The adapter every shared step reads (probes, requests, scope, reports). */
  model: ConfigModel;
  /** For `check FILE`: whether nginx reads FILE, and through which include. */
  targetRead?: FileReadVerdict;
  /** How the root was found. */
  how: string;
}

/**
 * A source that shows nginx's files with one more `include` for a site file
 * nginx does not read, appended to the line of the include that would read it
 * once linked (sites-enabled/*): the site is analysed as if enabled, at its own
 * file:line, and every other line keeps its number.
 */
class WithSiteEnabled implements NginxFileSource {
  constructor(
    private readonly inner: NginxFileSource,
    private readonly at: { file: string; line: number },
    private readonly site: string,
  ) {}
  stat(file: string) {
    return this.inner.stat(file);
  }
  readDir(dir: string) {
    return this.inner.readDir(dir);
  }
  realpath(file: string) {
    return this.inner.realpath(file);
  }
  readFile(file: string) {
    const r = this.inner.readFile(file);
    if (!r.ok || file !== this.at.file) return r;
    const lines = r.data.toString('latin1').split('\n');
    const i = this.at.line - 1;
    if (i < 0 || i >= lines.length) return r;
    // Right after the include's own ';' (a comment may follow it on the line); a quoted path:
    // the site's name may hold blanks or ';'.
    const line = lines[i] as string;
    const kw = line.search(/\binclude\b/);
    const semi = kw >= 0 ? line.indexOf(';', kw) : -1;
    const extra = ` include "${this.site.replace(/(["\\])/g, '\\$1')}";`;
    lines[i] = semi >= 0 ? `${line.slice(0, semi + 1)}${extra}${line.slice(semi + 1)}` : `${line}${extra}`;
    return { ok: true as const, data: Buffer.from(lines.join('\n'), 'latin1') };
  }
}

/**
 * A source with one more file: a root made up to read a site file on its own
 * (`http { include FILE; }`), for a file no nginx configuration of this
 * machine reads (a site kept in a repository, checked in CI).
 */
class WithStandaloneRoot implements NginxFileSource {
  constructor(
    private readonly inner: NginxFileSource,
    readonly root: string,
    private readonly site: string,
  ) {}
  stat(file: string) {
    return file === this.root ? { kind: 'file' as const } : this.inner.stat(file);
  }
  readDir(dir: string) {
    return this.inner.readDir(dir);
  }
  realpath(file: string) {
    return file === this.root ? file : this.inner.realpath(file);
  }
  readFile(file: string) {
    if (file !== this.root) return this.inner.readFile(file);
    const text = `events {}\nhttp {\n    include "${this.site.replace(/(["\\])/g, '\\$1')}";\n}\n`;
    return { ok: true as const, data: Buffer.from(text) };
  }
}

/** Removes "root:line" from every include chain (the made-up root of a file read on its own). */
function dropIncludedFrom(config: NginxConfig, root: string): void {
  const mine = (ref: string) => ref.startsWith(`${root}:`);
  const stack = [...config.directives];
  while (stack.length > 0) {
    const d = stack.pop() as NginxDirective;
    if (d.includedFrom.some(mine)) d.includedFrom = d.includedFrom.filter((r) => !mine(r));
    if (d.block) stack.push(...d.block);
  }
  for (const i of config.issues) if (i.includedFrom.some(mine)) i.includedFrom = i.includedFrom.filter((r) => !mine(r));
}

function splitRef(ref: string): { file: string; line: number } {
  const i = ref.lastIndexOf(':');
  return { file: ref.slice(0, i), line: Number(ref.slice(i + 1)) };
}

/** The `user` directive of the main context (ngx_set_user), when written. */
function userDirective(config: NginxConfig): NginxDirective | undefined {
  return config.directives.find((d) => d.name === 'user');
}

/** The error logs nginx writes: the main context's, http's and each server's `error_log` (files only). */
function errorLogsOf(config: NginxConfig, routing: NginxModel): ConfigModel['errorLogs'] {
  const out: ConfigModel['errorLogs'] = [];
  const add = (d: NginxDirective, vhost?: string) => {
    const target = d.args[0] ?? '';
    if (target === '' || target === 'stderr' || target.startsWith('syslog:') || target.startsWith('memory:')) return;
    const abs = target.startsWith('/') ? target : path.posix.join(config.prefix, target);
    out.push({ target: abs, ...(vhost !== undefined ? { vhost } : {}), file: d.file, line: d.line });
  };
  for (const d of config.directives) if (d.name === 'error_log') add(d);
  for (const d of routing.http.body) if (d.name === 'error_log') add(d);
  for (const s of routing.servers) {
    for (const d of s.level.body) if (d.name === 'error_log') add(d, s.names[0] ?? `${s.at.file}:${s.at.line}`);
  }
  // ngx_log_open_default: with no error_log in the main context, the compiled-in one (Debian: /var/log/nginx/error.log).
  if (!config.directives.some((d) => d.name === 'error_log')) out.push({ target: '/var/log/nginx/error.log' });
  return out;
}

/** nginx's server blocks as Apache-shaped vhost spans: check FILE's scope tells a line inside a site from a global one. */
function serverSpans(routing: NginxModel): Directive[] {
  return routing.servers.map((s) => ({
    name: 'virtualhost',
    written: 'server',
    args: [],
    raw: '',
    file: s.at.file,
    line: s.at.line,
    includedFrom: s.at.includedFrom,
    isSection: true,
    children: [],
    active: true,
    ...(s.at.endLine !== undefined ? { endLine: s.at.endLine } : {}),
  }));
}

/** The directory of the root with a trailing slash: the files of that configuration's tree. */
function confDirOf(root: string): string {
  return `${path.posix.dirname(root)}/`;
}

/** Debian's layout: /etc/nginx/nginx.conf reading sites-enabled/ (or modules-enabled/); any other is custom. */
function layoutOf(config: NginxConfig): ConfigModel['layout'] {
  if (config.root !== '/etc/nginx/nginx.conf') return 'custom';
  return includeSites(config).some((i) => /\/(sites|modules)-enabled\//.test(i.pattern)) ? 'debian' : 'custom';
}

/** Reads nginx's configuration for `check`; undefined when no nginx configuration is found. */
export function analyzeNginx(options: NginxAnalyzeOptions): NginxAnalysis | undefined {
  // Kept reads: the tree may be read twice, and its files are scanned again for suppression comments.
  let source: NginxFileSource = new RememberingNginxSource(options.source ?? new LiveNginxSource());
  let target = options.target ? path.posix.resolve(options.target) : undefined;
  // A directory (check /etc/nginx): the whole server whose nginx.conf it holds.
  let dirRoot: string | undefined;
  if (target && source.stat(target).kind === 'dir') {
    dirRoot = path.posix.join(target, 'nginx.conf');
    target = undefined;
  }
  // A site file two levels below an nginx.conf (TREE/sites-available/x) belongs to that tree, not the machine's.
  const sibling = target ? path.posix.join(path.posix.dirname(path.posix.dirname(target)), 'nginx.conf') : undefined;
  const root =
    options.root ??
    dirRoot ??
    (sibling && sibling !== target && source.stat(sibling).kind === 'file' ? sibling : undefined);
  // A target that is itself a root (it has an http block or events) is read as the root.
  const located =
    locateNginxRoot({
      ...(root ? { root } : {}),
      ...(options.commandLines ? { commandLines: options.commandLines } : {}),
      source,
    }) ?? undefined;
  if (!located && !target) return undefined;
  const targetIsRoot = target !== undefined && (target === located?.root || looksLikeRoot(target, source));
  let rootFile = targetIsRoot ? (target as string) : located?.root;
  let prefix = located?.prefix ?? '/usr/share/nginx/';
  let targetRead: FileReadVerdict | undefined;
  let asEnabled = false;
  let standalone = false;
  const readStandalone = (t: string): NginxConfig => {
    // Relative includes (snippets/fastcgi-php.conf) resolve as on this machine when it has /etc/nginx.
    const dir = source.stat('/etc/nginx').kind === 'dir' ? '/etc/nginx' : path.posix.dirname(t);
    const s = new WithStandaloneRoot(source, `${dir}/fcgi-doctor-standalone.conf`, t);
    source = s;
    rootFile = s.root;
    standalone = true;
    return readNginxConfig(s.root, { source, prefix });
  };
  let config: NginxConfig;
  if (target && !targetIsRoot && (!located || !target.startsWith(confDirOf(located.root)))) {
    // A file outside every nginx configuration of this machine: read on its own.
    config = readStandalone(target);
  } else {
    if (!rootFile) return undefined;
    config = readNginxConfig(rootFile, { source, prefix });
    if (target && !targetIsRoot) {
      targetRead = isFileRead(config, target, source);
      if (!targetRead.read && targetRead.include) {
        source = new WithSiteEnabled(source, splitRef(targetRead.include.site), target);
        config = readNginxConfig(rootFile, { source, prefix });
        asEnabled = true;
      } else if (!targetRead.read) {
        config = readStandalone(target);
        asEnabled = true;
      }
    }
  }
  prefix = config.prefix;
  // The made-up root is ours, not the user's: no include chain names it.
  if (standalone) dropIncludedFrom(config, rootFile as string);
  const routing = buildModel(config);
  const setups = extractNginxSetups(config);
  const user = userDirective(config);
  const targetFile = target && !targetIsRoot ? target : undefined;
  const how = standalone
    ? `made up to read ${target} on its own: no nginx configuration of this machine reads it`
    : located?.how === 'master'
      ? `the running master: ${located.master}`
      : options.root
        ? 'named with --root'
        : root !== undefined
          ? `the nginx.conf of ${target}'s tree`
          : targetIsRoot
            ? 'named'
            : 'the usual place';
  const notes: string[] = [`nginx: ${config.root} (${how})`];
  if (asEnabled) notes.push(`nginx does not read ${target}: it was analysed as if it were enabled.`);
  const model: ConfigModel = {
    webServer: 'nginx',
    // Read on its own: the file named is the whole configuration (the made-up root only includes it).
    rootFile: standalone && target && !asEnabled ? target : config.root,
    serverRoot: config.confPrefix,
    layout: standalone ? 'standalone' : layoutOf(config),
    ...(targetFile ? { targetFile } : {}),
    ...(targetFile && targetRead?.read ? { targetFileNames: [targetRead.as, targetFile] } : {}),
    // Read on its own (outside every configuration): whether it is loaded is not this machine's question.
    targetLoaded: targetRead ? targetRead.read : true,
    targetAnalysedAsEnabled: asEnabled,
    filesRead: config.files.map((f, i) => ({
      file: f.file,
      ...(f.includedBy ? { line: splitRef(f.includedBy).line } : {}),
      depth: i === 0 ? 0 : 1,
      includedFrom: f.includedBy ? [f.includedBy] : [],
    })),
    modulesLoaded: [],
    vhosts: routing.servers.map((s) => ({
      addresses: s.listens.map((l) => (l.unix ? `unix:${l.unix}` : `${l.address}:${l.port}`)),
      ...(s.names[0] ? { serverName: s.names[0] } : {}),
      serverAliases: s.names.slice(1),
      ...(rootOf(s.level.body) ? { documentRoot: rootOf(s.level.body) } : {}),
      file: s.at.file,
      line: s.at.line,
      includedFrom: s.at.includedFrom,
    })),
    ...(user?.args[0] ? { webUser: user.args[0] } : {}),
    ...(user?.args[1] ? { webGroup: user.args[1] } : {}),
    errorLogs: errorLogsOf(config, routing),
    runtimeDir: '/run',
    defines: {},
    setups,
    tree: serverSpans(routing),
    issues: [],
    markerComments: nginxMarkerComments(config, source),
    notes,
  };
  const analysis: NginxAnalysis = {
    config,
    routing,
    setups,
    model,
    ...(targetRead ? { targetRead } : {}),
    how: standalone ? 'standalone' : (located?.how ?? 'option'),
  };
  model.nginx = analysis;
  return analysis;
}

function rootOf(body: readonly NginxDirective[]): string | undefined {
  return body.find((d) => d.name === 'root')?.args[0];
}

/** A file with an `http` or `events` block at its top is a root configuration, not a site. */
function looksLikeRoot(file: string, source: NginxFileSource): boolean {
  const r = source.readFile(file);
  if (!r.ok) return false;
  return /^\s*(http|events)\s*\{/m.test(r.data.subarray(0, 65536).toString('latin1'));
}
