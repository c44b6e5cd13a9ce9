/**
 * The shapes of PHP-FPM's configuration as this layer reads it. Every value
 * carries the file and line it came from, so a finding can point at it.
 */

/** How this layer reads files: the caller passes one (live: node's fs, tests: fixture text). */
export interface FpmFileReader {
  /** At most `maxBytes` bytes; `truncated` when the file is longer. */
  readText(path: string, maxBytes: number): { text: string; truncated: boolean } | { error: string; code?: string };
  /** Entry names (no path), or why not. */
  listDir(path: string): string[] | { error: string; code?: string };
  isDirectory(path: string): boolean;
  exists(path: string): boolean;
}

export type Severity = 'error' | 'warning';

/** One problem FPM would report (or, for warnings, silently accept), where it is. */
export interface FpmIssue {
  file: string;
  /** 0 when FPM names no line (a post-process check with no directive to point at). */
  line: number;
  message: string;
  severity: Severity;
  pool?: string;
  /** The file exists but could not be read (permissions): a limit of this run rather than of the file. */
  unreadable?: boolean;
}

/** One `key = value` after FPM's INI scanner: `${ENV}` expanded, yes/on/true → "1", no/off/false/none → "". */
export interface FpmEntry {
  key: string;
  /** The part between brackets of php_value[…], env[…]…; undefined for plain keys. */
  offset?: string;
  /** The value after substitution (and `$pool` expansion for strings). */
  value: string;
  /** The value as written. */
  raw: string;
  file: string;
  line: number;
}

export type ListenAddress =
  | { kind: 'unix'; path: string }
  /** host '' = every interface (`listen = 9000`). */
  | { kind: 'tcp'; host: string; port: number; ipv6: boolean };

export interface FpmPoolConfig {
  name: string;
  file: string;
  line: number;
  /** Every entry in file order (later entries override earlier ones, as FPM does). */
  entries: FpmEntry[];
  /** The last entry for each plain key. */
  get(key: string): FpmEntry | undefined;
  phpValues: FpmEntry[];
  phpAdminValues: FpmEntry[];
  env: FpmEntry[];
  listen?: ListenAddress;
}

export interface FpmConfig {
  /** The main file (php-fpm.conf or the -y argument). */
  file: string;
  prefix: string;
  global: FpmEntry[];
  globalGet(key: string): FpmEntry | undefined;
  pools: FpmPoolConfig[];
  /** Every file read, in the order FPM reads them. */
  files: string[];
  issues: FpmIssue[];
}

export interface FpmLoadOptions {
  reader: FpmFileReader;
  /** FPM's prefix (-p): relative include= and paths are taken from it. Default: the installation's. */
  prefix?: string;
  /** The environment FPM would see, for `${VAR}`. */
  env?: Readonly<Record<string, string>>;
  /** Who reads: named in "not visible to user X". */
  readerUser?: string;
  /** Largest file read (bytes); a longer one is an issue. Default 1 MiB. */
  maxBytes?: number;
  /** Most files read through include= (bounds a glob that matches thousands). Default 512. */
  maxFiles?: number;
}

/** Lookups the validation needs from the live machine (src/system provides them). */
export interface FpmAccountLookup {
  userExists(name: string): boolean;
  groupExists(name: string): boolean;
}
