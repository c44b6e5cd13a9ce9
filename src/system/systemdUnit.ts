/**
 * One setting of a systemd service as systemd would load it, read from the
 * unit files themselves: `systemctl show -p PrivateTmp` needs a running systemd
 * (not there in a container, nor when the doctor looks at another root), the
 * files are always there to read.
 *
 * systemd's rules (systemd.unit(5), "Unit File Load Path" and drop-ins):
 * - the unit file is the first found along the load path, highest priority
 *   first: /etc/systemd/system, /run/systemd/system, /usr/local/lib/systemd/system,
 *   /usr/lib/systemd/system, /lib/systemd/system; a unit linked to /dev/null is masked;
 * - then every `<unit>.d/*.conf` drop-in of every directory of that path, in the
 *   lexical order of their file names; a drop-in of a higher-priority directory
 *   hides one of the same name lower down;
 * - within the files read in that order, the last assignment wins, and an empty
 *   assignment (`PrivateTmp=`) resets the setting to its default.
 */
import path from 'node:path';
import { isProbeError, type FileSystem } from './types.js';

/** systemd's unit load path for system services, highest priority first. */
export const UNIT_DIRS = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
] as const;

/** Drop-ins read per unit at most: a directory of thousands is not a unit's configuration. */
const MAX_DROP_INS = 64;

export interface UnitAssignment {
  value: string;
  file: string;
  line: number;
}

export type UnitSetting =
  /** `at`: the assignment in effect (undefined: not set, or reset by an empty assignment: the default applies). */
  | { found: true; unit: string; unitFile: string; filesRead: string[]; at?: UnitAssignment }
  /** No unit file along the load path (or it is masked): systemd does not start this service as such. */
  | { found: false; unit: string; looked: string[]; masked?: string };

/** The assignments of `key` in one file's `[section]`, with their line numbers (continuation lines joined). */
export function assignmentsIn(text: string, file: string, section: string, key: string): UnitAssignment[] {
  const out: UnitAssignment[] = [];
  let current = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = (lines[i] ?? '').replace(/\r$/, '');
    // A trailing backslash continues the line (systemd joins them with a space).
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      line = `${line.slice(0, -1)} ${(lines[i] ?? '').replace(/\r$/, '')}`;
    }
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(t);
    if (sec) {
      current = sec[1] ?? '';
      continue;
    }
    if (current !== section) continue;
    const eq = t.indexOf('=');
    if (eq < 0 || t.slice(0, eq).trim() !== key) continue;
    out.push({ value: t.slice(eq + 1).trim(), file, line: start + 1 });
  }
  return out;
}

/** The value of `[section] key=` for `unit`, as systemd would load it from the files. */
export function readUnitSetting(fs: FileSystem, unit: string, section: string, key: string): UnitSetting {
  const looked: string[] = [];
  let unitFile: string | undefined;
  for (const dir of UNIT_DIRS) {
    const p = path.posix.join(dir, unit);
    looked.push(p);
    const st = fs.lstat(p);
    if (isProbeError(st)) continue;
    if (st.type === 'symlink') {
      const target = fs.readlink(p);
      if (!isProbeError(target) && target === '/dev/null') return { found: false, unit, looked, masked: p };
    }
    unitFile = p;
    break;
  }
  if (!unitFile) return { found: false, unit, looked };
  const dropIns = new Map<string, string>();
  for (const dir of UNIT_DIRS) {
    const d = path.posix.join(dir, `${unit}.d`);
    const names = fs.listDir(d);
    if (isProbeError(names)) continue;
    for (const name of names.slice(0, MAX_DROP_INS)) {
      // The first directory (highest priority) holding a name wins it.
      if (name.endsWith('.conf') && !dropIns.has(name)) dropIns.set(name, path.posix.join(d, name));
    }
  }
  const files = [unitFile, ...[...dropIns.keys()].sort().map((n) => dropIns.get(n) as string)];
  const filesRead: string[] = [];
  let at: UnitAssignment | undefined;
  for (const f of files) {
    const text = fs.readText(f);
    if (isProbeError(text)) continue;
    filesRead.push(f);
    for (const a of assignmentsIn(text, f, section, key)) at = a.value === '' ? undefined : a;
  }
  const out: UnitSetting = { found: true, unit, unitFile, filesRead };
  if (at) out.at = at;
  return out;
}

/** systemd's boolean words (parse_boolean). */
export function unitBoolean(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(v)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(v)) return false;
  return undefined;
}

export interface PrivateTmpAnswer {
  /** The Apache unit found (apache2.service on Debian, httpd.service on RHEL), or undefined when none is. */
  setting?: Extract<UnitSetting, { found: true }>;
  /** true: Apache has its own /tmp and /var/tmp; false: it shares them; undefined: unknown. */
  privateTmp?: boolean;
  /** What was looked at, for the evidence, when no unit was found. */
  looked: string[];
}

/** Units Apache runs under: Debian's and RHEL's names. */
export const APACHE_UNITS = ['apache2.service', 'httpd.service'] as const;

/**
 * Whether Apache's systemd unit gives it a private /tmp. PrivateTmp=disconnected
 * (systemd 256) is private too; a value systemd would not parse leaves the default.
 */
export function apachePrivateTmp(fs: FileSystem, units: readonly string[] = APACHE_UNITS): PrivateTmpAnswer {
  const looked: string[] = [];
  for (const unit of units) {
    const s = readUnitSetting(fs, unit, 'Service', 'PrivateTmp');
    if (!s.found) {
      looked.push(...(s.masked ? [`${s.masked} -> /dev/null (masked)`] : s.looked));
      continue;
    }
    const v = s.at?.value;
    const privateTmp = v === undefined ? false : v.toLowerCase() === 'disconnected' ? true : (unitBoolean(v) ?? false);
    return { setting: s, privateTmp, looked };
  }
  return { looked };
}
