/**
 * Which files a FastCGI setup's handler covers, told from its mappings: the
 * extensions of an AddHandler (mod_mime's every-extension rule: ".php" covers
 * "a.php" and "a.php.bak"), the pattern of the <Files>/<FilesMatch> around a
 * SetHandler, the <Directory> a bare SetHandler sits in (every file there),
 * and a ProxyPass/ProxyPassMatch whose fcgi:// URL ends in a path (the files
 * under that path, mapped back to URLs). A guess at candidates only: the
 * route of each candidate's URL decides what really serves it.
 */
import * as path from 'node:path';
import type { FastcgiSetup, Mapping } from '../../setups/index.js';

export interface Coverage {
  /** Whether the handler would take a file of this name in this directory. */
  covers(name: string, dir: string): boolean;
  /** Directories the handler is limited to (a <Directory> around a SetHandler): undefined = anywhere. */
  directories?: string[];
  /** Files reached through a proxy URL with a path: the directory to walk and how a file maps back to a URL path. */
  proxied?: {
    dir: string;
    urlFor(file: string): string | undefined;
    mapping: Mapping;
    /** A prefix ProxyPass sends every file under it: only index files are worth asking for. */
    indexOnly?: boolean;
  }[];
}

/** <Files> takes a wildcard (fnmatch) unless written "~ regex"; <FilesMatch> a regex. */
function filesPattern(files: string): RegExp | undefined {
  const unquoted = files.replace(/^"(.*)"$/, '$1');
  const tilde = /^~\s*"?(.*?)"?$/.exec(unquoted);
  try {
    if (tilde?.[1] !== undefined) return new RegExp(tilde[1]);
    if (/[\\^$()|+]/.test(unquoted)) return new RegExp(unquoted);
    const re = unquoted
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    return new RegExp(`^${re}$`);
  } catch {
    // A pattern PCRE accepts and JavaScript does not: the route will say what it does.
    return undefined;
  }
}

/** mod_mime: every dot-separated part after the first names an extension (case-insensitive). */
function hasExtension(name: string, extensions: readonly string[]): boolean {
  const parts = name.toLowerCase().split('.').slice(1);
  return extensions.some((e) => parts.includes(e.replace(/^\./, '').toLowerCase()));
}

function sectionDirectories(s: FastcgiSetup): string[] {
  const dirs: string[] = [];
  for (const sec of s.sections) {
    if (sec.name.toLowerCase() !== 'directory' || sec.args[0] === '~') continue;
    const d = sec.args[0]?.replace(/^"(.*)"$/, '$1');
    if (d && !/[*?[]/.test(d)) dirs.push(d.replace(/\/+$/, '') || '/');
  }
  return dirs.slice(-1);
}

/** The path part of an fcgi:// URL ("fcgi://localhost/srv/cgi/bin/$1" → "/srv/cgi/bin/$1"). */
export function proxyUrlPath(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /^fcgi:\/\/[^/]*(\/.*)$/i.exec(url.replace(/^unix:[^|]*\|/i, ''));
  return m?.[1];
}

/** The index of the parenthesis closing the one at `open`, or -1. */
function closing(re: string, open: number): number {
  let depth = 0;
  for (let i = open; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * A ProxyPassMatch of the common shape ^LITERAL(GROUP)$ → …/PREFIX$1 maps a
 * file under PREFIX back to the URL LITERAL + (its path under PREFIX), kept
 * only when the regex matches that URL. Other shapes: no candidates (a note).
 */
function proxyMatchBack(m: Mapping, target: string): Coverage['proxied'] {
  const re = m.urlRegex ?? '';
  const dollar = target.indexOf('$1');
  if (dollar < 0 || target.indexOf('$', dollar + 2) >= 0) return undefined;
  const prefix = target.slice(0, dollar);
  // fcgi://host/$1 names no directory (a generic app's path, or FPM's chroot-relative one): nothing to walk.
  if (!prefix.endsWith('/') || prefix === '/') return undefined;
  const open = re.indexOf('(');
  if (!re.startsWith('^') || open < 0) return undefined;
  const literal = re.slice(1, open);
  if (/[.*+?[\]{}|^$]/.test(literal.replace(/\\[./-]/g, ''))) return undefined;
  const close = closing(re, open);
  if (close < 0 || !/^\)\$?$/.test(re.slice(close))) return undefined;
  let compiled: RegExp;
  try {
    compiled = new RegExp(re);
  } catch {
    return undefined;
  }
  const urlPrefix = literal.replace(/\\(.)/g, '$1');
  return [
    {
      dir: prefix.replace(/\/+$/, '') || '/',
      mapping: m,
      urlFor(file) {
        if (!file.startsWith(prefix)) return undefined;
        const url = urlPrefix + file.slice(prefix.length);
        return compiled.test(url) ? url : undefined;
      },
    },
  ];
}

export function coverageOf(s: FastcgiSetup): Coverage {
  const tests: ((name: string) => boolean)[] = [];
  let unfiltered = false;
  const proxied: NonNullable<Coverage['proxied']> = [];
  for (const m of s.reachedBy) {
    if (m.kind === 'ProxyPass' || m.kind === 'ProxyPassMatch') {
      const target = proxyUrlPath(s.backendUrl);
      if (!target) continue;
      if (m.kind === 'ProxyPassMatch') proxied.push(...(proxyMatchBack(m, target) ?? []));
      else if (m.urlPath !== undefined) {
        // ProxyPass /app/ fcgi://host/srv/app/: /app/x.php → /srv/app/x.php
        const from = m.urlPath;
        const to = target;
        // fcgi://host/ names no directory: walking / would search the whole machine for nothing.
        if (to.replace(/\/+$/, '') === '') continue;
        proxied.push({
          indexOnly: true,
          dir: to.replace(/\/+$/, '') || '/',
          mapping: m,
          urlFor: (file) => (file.startsWith(to) ? path.posix.join(from, file.slice(to.length)) : undefined),
        });
      }
      continue;
    }
    const files = m.files ? filesPattern(m.files) : undefined;
    if (m.files && !files) continue;
    if (m.extensions && m.extensions.length > 0) {
      const exts = m.extensions;
      tests.push((n) => hasExtension(n, exts) && (!files || files.test(n)));
    } else if (files) tests.push((n) => files.test(n));
    else if (m.kind === 'SetHandler' || m.kind === 'Action') unfiltered = true;
  }
  const directories = sectionDirectories(s);
  const out: Coverage = {
    covers(name, dir) {
      if (directories.length > 0 && !directories.some((d) => dir === d || dir.startsWith(`${d}/`))) return false;
      return unfiltered || tests.some((t) => t(name));
    },
  };
  if (directories.length > 0) out.directories = directories;
  if (proxied.length > 0) out.proxied = proxied;
  return out;
}
