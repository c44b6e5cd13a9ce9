/**
 * Is a named file part of the configuration nginx reads? Debian reads
 * sites-enabled/* (symlinks into sites-available/), many images conf.d/*.conf:
 * a file left in sites-available/ or renamed *.conf.bak is not read, however
 * right it looks.
 */
import * as path from 'node:path';
import { fnmatch, hasWildcard } from '../util/fnmatch.js';
import type { NginxFileSource } from './source.js';
import type { NginxConfig, NginxDirective } from './types.js';

export interface IncludeSite {
  /** "file:line" of the include directive. */
  site: string;
  /** Its argument resolved against the configuration prefix. */
  pattern: string;
}

export type FileReadVerdict =
  /** Read, under the name nginx opened it by (a symlink in sites-enabled/, for instance). */
  | { read: true; as: string; includedBy?: string }
  /**
   * Not read. `include`: the include reading the file's directory, whose pattern
   * does not match it (conf.d/*.conf and x.conf.bak), or, for a file in
   * sites-available/, the include of sites-enabled/ where a link would make it read.
   */
  | { read: false; reason: 'no-match' | 'not-linked' | 'no-include'; include?: IncludeSite };

/** Every `include` of the tree with its resolved pattern, in reading order. */
export function includeSites(config: NginxConfig): IncludeSite[] {
  const out: IncludeSite[] = [];
  const walk = (ds: readonly NginxDirective[]): void => {
    for (const d of ds) {
      if (d.name === 'include' && d.args.length === 1 && !d.block) {
        const arg = d.args[0] ?? '';
        out.push({ site: `${d.file}:${d.line}`, pattern: arg.startsWith('/') ? arg : config.confPrefix + arg });
      }
      if (d.block) walk(d.block);
    }
  };
  walk(config.directives);
  return out;
}

export function isFileRead(config: NginxConfig, file: string, src: NginxFileSource): FileReadVerdict {
  const target = path.posix.resolve(file);
  const real = src.realpath(target) ?? target;
  for (const f of config.files) {
    if (f.file === target || (src.realpath(f.file) ?? f.file) === real) {
      return f.includedBy === undefined
        ? { read: true, as: f.file }
        : { read: true, as: f.file, includedBy: f.includedBy };
    }
  }
  const sites = includeSites(config);
  const dirOf = (p: string): string => {
    const d = path.posix.dirname(p);
    return src.realpath(d) ?? d;
  };
  const targetDir = dirOf(target);
  for (const s of sites) {
    if (dirOf(s.pattern) !== targetDir) continue;
    const base = path.posix.basename(s.pattern);
    if (!hasWildcard(base) || !fnmatch(base, path.posix.basename(target)))
      return { read: false, reason: 'no-match', include: s };
  }
  if (path.posix.basename(targetDir) === 'sites-available') {
    const enabled = path.posix.join(path.posix.dirname(targetDir), 'sites-enabled');
    const s = sites.find((x) => dirOf(x.pattern) === (src.realpath(enabled) ?? enabled));
    if (s) return { read: false, reason: 'not-linked', include: s };
  }
  return { read: false, reason: 'no-include' };
}
