/**
 * nginx's configuration read as nginx reads it (issue 17 §1): the directive
 * tree with file:line, the files in nginx -T's order, and what nginx would
 * refuse at start. See docs/nginx/config.md.
 */
import type { NginxGrammar } from './grammar.js';
import { debianNginxGrammar } from './directives.js';
import { NginxReader, confPrefixOf } from './parser.js';
import { LiveNginxSource, type NginxFileSource } from './source.js';
import type { NginxConfig } from './types.js';

export type { NginxConfig, NginxDirective, NginxFileRead, NginxIssue } from './types.js';
export { PERMISSIVE_GRAMMAR, type NginxGrammar } from './grammar.js';
export { locateNginxMasters, locateNginxRoot, nginxMasterOptions, type NginxLocated } from './locate.js';
export { startupLookups, type StartupLookup } from './upstreams.js';
export { isFileRead, includeSites, type FileReadVerdict, type IncludeSite } from './reads.js';
export {
  LiveNginxSource,
  MemoryNginxSource,
  RememberingNginxSource,
  type NginxFileSource,
  type NginxMemoryEntry,
} from './source.js';

/** Debian's compiled-in prefix (`nginx -V`: --prefix=/usr/share/nginx). */
export const DEFAULT_NGINX_PREFIX = '/usr/share/nginx/';

export interface ReadNginxOptions {
  source?: NginxFileSource;
  /** nginx's -p (default Debian's /usr/share/nginx/); a relative root is resolved against it. */
  prefix?: string;
  /**
   * Whether we read as root, as nginx does (default: our uid is 0). When not, a file
   * we may not open is a warning (our blind spot), not nginx's error.
   */
  asRoot?: boolean;
  /** The directive table (default: nginx 1.22 as Debian builds it; PERMISSIVE_GRAMMAR checks nothing). */
  grammar?: NginxGrammar;
}

function withSlash(p: string): string {
  return p.endsWith('/') ? p : `${p}/`;
}

/** Reads `root` and everything it includes. Never throws on file content; reads are bounded. */
export function readNginxConfig(root: string, options: ReadNginxOptions = {}): NginxConfig {
  const prefix = withSlash(options.prefix ?? DEFAULT_NGINX_PREFIX);
  // nginx.c ngx_process_options: -c is taken relative to the prefix, and the
  // configuration prefix is the directory of the file.
  const file = root.startsWith('/') ? root : prefix + root;
  const source = options.source ?? new LiveNginxSource();
  const confPrefix = confPrefixOf(file);
  const reader = new NginxReader({
    source,
    grammar: options.grammar ?? debianNginxGrammar({ source, prefix, confPrefix, root: file }),
    prefix,
    confPrefix,
    asRoot: options.asRoot ?? process.getuid?.() === 0,
  });
  return reader.read(file);
}
