/**
 * The Apache side of fcgi-doctor: locate the server configuration, read it as
 * httpd would, and describe the server. Nothing here knows about findings.
 */
import * as path from 'node:path';
import { locateRoot, type Located } from './locate.js';
import { parseConfig, type ParsedConfig, type ParseLimits } from './parser.js';
import { LiveFileSource, type ConfigFileSource } from './source.js';
import { parseEnvvars } from './vars.js';

export * from './conditions.js';
export * from './glob.js';
export * from './lines.js';
export * from './locate.js';
export * from './modules.js';
export * from './options.js';
export * from './overrides.js';
export * from './parser.js';
export * from './scope.js';
export * from './server.js';
export * from './source.js';
export * from './tree.js';
export * from './vars.js';
export * from './words.js';

export interface LoadOptions {
  target?: string;
  root?: string;
  serverRoot?: string;
  source?: ConfigFileSource;
  /** The environment httpd would run with; defaults to this process's. */
  env?: Record<string, string | undefined>;
  defines?: string[];
  limits?: Partial<ParseLimits>;
}

export interface ServerConfig {
  located: Located;
  parsed: ParsedConfig;
  /** The file the user named is read by the server (true when no file was named). */
  targetLoaded: boolean;
  /** The names under which the server reads the named file (itself, or a link to it such as sites-enabled/x.conf). */
  targetReadAs: string[];
  /** The named file was not loaded and was read after the root, as if enabled. */
  targetAnalysedAsEnabled: boolean;
  envvars: Record<string, string>;
}

/**
 * The files read that are `target` under another name (a2ensite's symlink) or
 * itself. The usual link has the target's own name, so those are resolved
 * first; every file read is resolved only when none of them is it (thousands
 * of site files would otherwise each cost a realpath).
 */
function namesReadAs(target: string, files: readonly { file: string }[], source: ConfigFileSource): string[] {
  const real = source.realpath(target) ?? target;
  const same = (f: { file: string }) => f.file === target || (source.realpath(f.file) ?? f.file) === real;
  const base = path.posix.basename(target);
  const named = files.filter((f) => path.posix.basename(f.file) === base && same(f)).map((f) => f.file);
  if (named.length > 0) return named;
  return files.filter(same).map((f) => f.file);
}

export function loadServerConfig(opts: LoadOptions): ServerConfig {
  const source = opts.source ?? new LiveFileSource();
  const located = locateRoot({ target: opts.target, root: opts.root, serverRoot: opts.serverRoot, source });
  let envvars: Record<string, string> = {};
  if (located.envvarsFile) {
    const r = source.readFile(located.envvarsFile);
    if (r.ok) envvars = parseEnvvars(r.data.toString('utf8'), path.posix.dirname(located.rootFile));
  }
  const base = {
    rootFile: located.rootFile,
    serverRoot: located.serverRoot,
    source,
    env: opts.env ?? process.env,
    envvars,
    defines: opts.defines,
    limits: opts.limits,
  };
  let parsed = parseConfig(base);
  let targetLoaded = true;
  let asEnabled = false;
  const target = located.targetFile;
  let targetReadAs: string[] = [];
  if (target) {
    targetReadAs = namesReadAs(target, parsed.files, source);
    targetLoaded = targetReadAs.length > 0;
    if (!targetLoaded && source.stat(target).kind === 'file') {
      // Analyse the named file anyway, as if the server included it last.
      parsed = parseConfig({ ...base, extraFiles: [target] });
      asEnabled = true;
    }
  }
  return { located, parsed, targetLoaded, targetReadAs, targetAnalysedAsEnabled: asEnabled, envvars };
}
