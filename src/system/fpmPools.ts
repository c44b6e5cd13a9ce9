/**
 * PHP-FPM pools read from their files, so that the Apache side can be compared
 * with the pool side even when FPM is stopped: php-fpm.conf (and its
 * include=), Debian's /etc/php/VERSION/fpm/pool.d/*.conf, RHEL's
 * /etc/php-fpm.d/*.conf, and any file a caller names.
 */
import * as path from 'node:path';
import { expandGlob } from './glob.js';
import {
  isProbeError,
  type FileSystem,
  type FpmPool,
  type FpmPoolScan,
  type FpmPools,
  type PoolEndpoint,
} from './types.js';

export const DEFAULT_FPM_CONFIGS = ['/etc/php/*/fpm/php-fpm.conf', '/etc/php-fpm.conf'];
export const DEFAULT_POOL_GLOBS = ['/etc/php/*/fpm/pool.d/*.conf', '/etc/php-fpm.d/*.conf'];

export interface IniEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** INI as php-fpm reads it: [section], key = value, ";" and "#" comments, optional quotes. */
export function parseFpmIni(text: string): { sections: { name: string; line: number }[]; entries: IniEntry[] } {
  const sections: { name: string; line: number }[] = [];
  const entries: IniEntry[] = [];
  let section = 'global';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec?.[1] !== undefined) {
      section = sec[1].trim();
      sections.push({ name: section, line: i + 1 });
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const quoted = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value);
    if (quoted?.[1] !== undefined) value = quoted[1];
    else value = value.replace(/\s;.*$/, '').trim(); // an inline comment after an unquoted value
    entries.push({ section, key, value, line: i + 1 });
  });
  return { sections, entries };
}

/**
 * listen as php-fpm understands it: a path; "port" alone (every address);
 * "addr:port", "[v6]:port".
 */
export function parseListen(value: string): PoolEndpoint | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return { kind: 'tcp', host: '0.0.0.0', port: Number(v) };
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(v);
  if (v6?.[1] !== undefined && v6[2] !== undefined) return { kind: 'tcp', host: v6[1], port: Number(v6[2]) };
  const v4 = /^([^/:]+):(\d+)$/.exec(v);
  if (v4?.[1] !== undefined && v4[2] !== undefined) return { kind: 'tcp', host: v4[1], port: Number(v4[2]) };
  return { kind: 'unix', path: v };
}

function substitutePool(value: string, pool: string): string {
  return value.replace(/\$\{?pool\}?/g, pool);
}

interface Reader {
  fs: FileSystem;
  seen: Set<string>;
  scan: FpmPoolScan;
}

function readConfig(r: Reader, file: string, depth: number): void {
  if (r.seen.has(file) || depth > 8) return;
  r.seen.add(file);
  const text = r.fs.readText(file);
  if (isProbeError(text)) {
    if (text.error !== 'missing')
      r.scan.problems.push(`${file}: ${text.error === 'denied' ? 'not readable (run with sudo)' : text.message}`);
    return;
  }
  r.scan.filesRead.push(file);
  const ini = parseFpmIni(text);
  const pools = new Map<string, FpmPool>();
  for (const s of ini.sections) {
    if (s.name === 'global' || pools.has(s.name)) continue;
    pools.set(s.name, { name: s.name, file, line: s.line, settings: {}, lines: {} });
  }
  for (const e of ini.entries) {
    if (e.section === 'global') {
      if (e.key === 'include') {
        // Relative includes hang off php-fpm's prefix; the config's own directory is the usual answer.
        const pattern = path.posix.isAbsolute(e.value) ? e.value : path.posix.join(path.posix.dirname(file), e.value);
        for (const f of expandGlob(r.fs, pattern)) readConfig(r, f, depth + 1);
      }
      continue;
    }
    const pool = pools.get(e.section);
    if (!pool) continue;
    pool.settings[e.key] = substitutePool(e.value, pool.name);
    pool.lines[e.key] = e.line;
  }
  for (const pool of pools.values()) {
    const listen = pool.settings['listen'];
    if (listen !== undefined) {
      pool.listen = listen;
      const ep = parseListen(listen);
      if (ep) pool.endpoint = ep;
    }
    r.scan.pools.push(pool);
  }
}

function readAll(fs: FileSystem, patterns: readonly string[]): FpmPoolScan {
  const r: Reader = {
    fs,
    seen: new Set(),
    scan: { pools: [], filesRead: [], problems: [], searched: [...new Set(patterns)] },
  };
  for (const pattern of patterns) {
    for (const f of expandGlob(fs, pattern)) readConfig(r, f, 0);
  }
  return r.scan;
}

export function fpmPoolsFrom(fs: FileSystem, configs = DEFAULT_FPM_CONFIGS, poolGlobs = DEFAULT_POOL_GLOBS): FpmPools {
  return {
    scan: (extra = []) => readAll(fs, [...configs, ...extra, ...poolGlobs]),
    read: (files) => readAll(fs, files),
  };
}
