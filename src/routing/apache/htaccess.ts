/**
 * .htaccess as Apache 2.4 reads it at request time (server/config.c
 * ap_parse_htaccess): the first AccessFileName that opens is built into a
 * tree (ap_build_config, running EXEC_ON_READ lines such as <IfModule> as it
 * goes) and then walked line by line (ap_walk_config → invoke_cmd). The first
 * error ends the read and the request answers 500; nothing after it is
 * looked at, so neither do we. A file that exists but cannot be opened makes
 * the request answer 403 (AH00529); a missing one (ENOENT, ENOTDIR) is fine.
 */
import * as path from 'node:path';
import {
  definedBy,
  MemoryFileSource,
  overrideClasses,
  overrideSpec,
  parseConfig,
  type Directive,
  type OverrideClass,
} from '../../apache/index.js';
import type { FileStat } from '../../system/types.js';
import type { HtaccessProblem } from '../types.js';
import type { AllowOverride, HtaccessContext, HtaccessRead } from './seams.js';

/**
 * httpd reads a .htaccess whatever its size; we read at most this much (a
 * real .htaccess is a few KiB) and say so when a file is longer.
 */
export const MAX_HTACCESS_BYTES = 1024 * 1024;

type AllowClass = AllowOverride['classes'] extends ReadonlySet<infer C> ? C : never;

const ALL_CLASSES: readonly OverrideClass[] = ['AuthConfig', 'FileInfo', 'Indexes', 'Limit', 'Options'];

/**
 * The option bits of core.c (allow_options_t), by name. "Includes" is
 * OPT_INCLUDES|OPT_INC_WITH_EXEC, so it needs both bits here too.
 */
const OPT_ALL = ['indexes', 'includesnoexec', 'includes', 'followsymlinks', 'execcgi'];

function optionBits(word: string): string[] | undefined {
  switch (word.toLowerCase()) {
    case 'indexes':
      return ['indexes'];
    case 'includes':
      return ['includesnoexec', 'includes'];
    case 'includesnoexec':
      return ['includesnoexec'];
    case 'followsymlinks':
      return ['followsymlinks'];
    case 'symlinksifownermatch':
      return ['symlinksifownermatch'];
    case 'execcgi':
      return ['execcgi'];
    case 'multiviews':
      return ['multiviews'];
    case 'runscripts':
      return ['multiviews', 'execcgi'];
    case 'all':
      return OPT_ALL;
    case 'none':
      return [];
    default:
      return undefined;
  }
}

/**
 * AllowOverride / AllowOverrideList in effect for one directory, from their
 * lines in merge order. core.c merge_core_dir_configs keeps three things
 * apart, each taken from the last section that set it: the override classes
 * (AllowOverride), the Options=… list (only an AllowOverride naming Options
 * sets it; `AllowOverride Options` alone means OPT_ALL, which leaves out
 * MultiViews and SymLinksIfOwnerMatch, while the default allows every option)
 * and the AllowOverrideList. Default: None (2.3.9 and later).
 */
export function allowOverrideOf(directives: readonly Directive[]): AllowOverride {
  let classes = new Set<AllowClass>();
  let options: Set<string> | undefined;
  let list = new Set<string>();
  let from: Directive | undefined;
  for (const d of directives) {
    if (d.name === 'allowoverride') {
      // core.c set_override: starts from OR_NONE; "All" and "None" replace what came before on the line.
      const next = new Set<AllowClass>();
      for (const word of d.args) {
        const eq = word.indexOf('=');
        const key = (eq === -1 ? word : word.slice(0, eq)).toLowerCase();
        const value = eq === -1 ? undefined : word.slice(eq + 1);
        if (key === 'none') next.clear();
        else if (key === 'all') {
          next.clear();
          for (const c of ALL_CLASSES) next.add(c);
        } else if (key === 'options') {
          next.add('Options');
          // core.c set_allow_opts: a comma list, replacing the allowed options.
          options =
            value === undefined
              ? new Set(OPT_ALL)
              : new Set(
                  value
                    .split(',')
                    .filter(Boolean)
                    .flatMap((w) => optionBits(w) ?? []),
                );
        } else if (key === 'nonfatal') {
          const v = value?.toLowerCase();
          if (v === 'override') next.add('Nonfatal=Override');
          else if (v === 'unknown') next.add('Nonfatal=Unknown');
          else if (v === 'all') next.add('Nonfatal=All');
        } else {
          const cls = ALL_CLASSES.find((c) => c.toLowerCase() === key);
          if (cls) next.add(cls);
        }
      }
      classes = next;
      from = d;
    } else if (d.name === 'allowoverridelist') {
      // core.c set_override_list: "None" alone empties it; a directive allowed nowhere per-directory is discarded.
      const next = new Set<string>();
      for (const word of d.args) {
        if (word.toLowerCase() === 'none') continue;
        const spec = overrideSpec(word);
        if (spec && spec.classes.size === 0 && !spec.accessConf) continue;
        next.add(word.toLowerCase());
      }
      list = next;
    }
  }
  return { classes, options, list, from };
}

function allowsNothing(allow: AllowOverride): boolean {
  return allow.classes.size === 0 && allow.list.size === 0;
}

/** May the user read the file (and search its directory)? Mode bits only, as the kernel decides for a non-root user. */
function permits(st: FileStat, who: NonNullable<HtaccessContext['reader']>, bit: 4 | 1): boolean {
  if (who.uid === 0) return bit === 4 || (st.mode & 0o111) !== 0 || st.type === 'dir';
  const shift = st.uid === who.uid ? 6 : st.gid === who.gid || who.groups.includes(st.gid) ? 3 : 0;
  return ((st.mode >> shift) & bit) !== 0;
}

/** r->filename when the directory walk reads the file: the directory with its trailing slash. */
function dirWithSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}

function unreadable(file: string, dir: string, cause: string): HtaccessProblem {
  return {
    file,
    line: 0,
    directive: '',
    kind: 'unreadable',
    // request.c → config.c ap_parse_htaccess, APLOG_CRIT with the errno in front.
    message: `${cause}: AH00529: ${file} pcfg_openfile: unable to check htaccess file, ensure it is readable and that '${dirWithSlash(dir)}' is executable`,
  };
}

/**
 * Reads the .htaccess of `dir` as Apache would for a request below it.
 * undefined: Apache does not read one here (AllowOverride None and no
 * AllowOverrideList, or no file of that name).
 */
export function readHtaccess(dir: string, allow: AllowOverride, ctx: HtaccessContext): HtaccessRead | undefined {
  // request.c ap_directory_walk: no .htaccess at all unless something is overridable.
  if (allowsNothing(allow)) return undefined;
  const names = (ctx.accessFileName ?? '.htaccess').split(/\s+/).filter(Boolean);
  for (const name of names) {
    const file = path.posix.join(dir, name);
    const st = ctx.fs.stat(file);
    if ('error' in st) {
      if (st.error === 'missing') continue;
      // A symlink loop: Apache's open fails with ELOOP, which is neither ENOENT nor ENOTDIR → 403.
      if (/ELOOP/.test(st.message))
        return { file, directives: [], problems: [unreadable(file, dir, '(40)Too many levels of symbolic links')] };
      return {
        file,
        directives: [],
        problems: [],
        uncertain: [`${file} is not visible to fcgi-doctor (${st.message}); whether Apache can read it is not known`],
      };
    }
    return readOne(file, dir, st, allow, ctx);
  }
  return undefined;
}

function readOne(file: string, dir: string, st: FileStat, allow: AllowOverride, ctx: HtaccessContext): HtaccessRead {
  const none = (p: HtaccessProblem): HtaccessRead => ({ file, directives: [], problems: [p] });
  // Never open a FIFO (it blocks until a writer comes) nor a device: stat says enough.
  if (st.type !== 'file') {
    const what = st.type === 'fifo' ? 'a FIFO' : st.type === 'dir' ? 'a directory' : `a ${st.type}`;
    const hang =
      st.type === 'fifo' ? ' (opening a FIFO blocks until something writes to it: the request hangs first)' : '';
    // util.c ap_pcfg_openfile: AH00554 for anything but a regular file, then EBADF → 403 with AH00529.
    return none({
      ...unreadable(file, dir, '(9)Bad file descriptor'),
      message: `AH00554: Access to file ${file} denied by server: not a regular file (${what}${hang}); then (9)Bad file descriptor: AH00529: ${file} pcfg_openfile: unable to check htaccess file, ensure it is readable and that '${dirWithSlash(dir)}' is executable`,
    });
  }
  if (ctx.reader && !permits(st, ctx.reader, 4)) return none(unreadable(file, dir, '(13)Permission denied'));
  const head = ctx.fs.readHead(file, MAX_HTACCESS_BYTES + 1);
  if ('error' in head) {
    if (head.error === 'denied' && !ctx.reader) {
      return {
        file,
        directives: [],
        problems: [],
        uncertain: [
          `${file} is not readable by fcgi-doctor (${head.message}); whether Apache can read it is not known`,
        ],
      };
    }
    if (head.error === 'missing') return { file, directives: [], problems: [] };
    return none(unreadable(file, dir, head.error === 'denied' ? '(13)Permission denied' : `(5)${head.message}`));
  }
  const uncertain: string[] = [];
  let bytes = head;
  if (bytes.length > MAX_HTACCESS_BYTES) {
    bytes = bytes.subarray(0, MAX_HTACCESS_BYTES);
    uncertain.push(
      `${file} is longer than ${MAX_HTACCESS_BYTES} bytes: only its first MiB was read (Apache reads it all)`,
    );
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const line = bytes.subarray(0, nul).toString('latin1').split('\n').length;
    return {
      file,
      directives: [],
      problems: [
        {
          file,
          line,
          directive: '',
          kind: 'syntax',
          message: `${file} is not a text file (a NUL byte at line ${line}): Apache reads it as text and stops at the first line it cannot understand ("Invalid command '…'"), answering 500`,
        },
      ],
      uncertain,
    };
  }
  const read = walk(file, bytes.toString('utf8'), allow, ctx);
  if (uncertain.length > 0) read.uncertain = [...uncertain, ...(read.uncertain ?? [])];
  return read;
}

/**
 * The read-time conditionals: httpd builds their lines into the enclosing
 * level (core.c start_ifmod and its kin), so a line inside is "not allowed
 * here", not "in <IfModule> context" (verified on Apache 2.4).
 */
const CONDITIONALS = new Set(['ifmodule', 'ifdefine', 'iffile', 'ifdirective', 'ifsection', 'ifversion']);

interface Problem {
  line: number;
  problem: HtaccessProblem;
}

function walk(file: string, text: string, allow: AllowOverride, ctx: HtaccessContext): HtaccessRead {
  const parsed = parseConfig({
    rootFile: file,
    serverRoot: path.posix.dirname(file),
    source: new MemoryFileSource({ [file]: text }),
    staticModules: ctx.modules.map((m) => m.id),
    env: {},
    envvars: { ...ctx.defines },
    htaccess: true,
  });
  const loaded = new Set(ctx.modules.map((m) => m.id));
  const nonfatalUnknown = allow.classes.has('Nonfatal=Unknown') || allow.classes.has('Nonfatal=All');
  const nonfatalOverride = allow.classes.has('Nonfatal=Override') || allow.classes.has('Nonfatal=All');
  const fromLine = allow.from
    ? { file: allow.from.file, line: allow.from.line, text: `${allow.from.written} ${allow.from.raw}`.trim() }
    : undefined;
  const problem = (
    d: Directive | undefined,
    line: number,
    kind: HtaccessProblem['kind'],
    msg: string,
  ): HtaccessProblem => ({
    file,
    line,
    directive: d ? (d.isSection ? `<${d.written}` : d.written) : '',
    kind,
    ...(kind === 'not-allowed' && fromLine ? { allowOverride: fromLine } : {}),
    message: `${file}: ${msg}`,
    ...(d && d.raw !== '' ? { text: d.raw } : {}),
  });

  // Phase 2's walk goes on past its first error only to find phase 1's (an EXEC_ON_READ line further down fails first).
  // Phase 1, ap_build_config: syntax errors and the EXEC_ON_READ lines (which run while building) fail first.
  const build: Problem[] = [];
  for (const i of parsed.issues) {
    if (i.severity !== 'error' || i.file !== file) continue;
    if (i.kind !== 'syntax' && i.kind !== 'bom') continue;
    build.push({
      line: i.line ?? 1,
      problem: problem(undefined, i.line ?? 1, 'syntax', i.kind === 'bom' ? bomMessage(text) : i.message),
    });
  }
  const applied: Directive[] = [];
  const runtime: Problem[] = [];
  const visit = (list: readonly Directive[], parent: Directive | undefined): void => {
    for (const d of list) {
      if (!d.active) continue;
      const key = d.isSection ? `<${d.name}` : d.name;
      const spec = overrideSpec(key);
      const where = parent ? `not allowed in <${parent.written}> context` : 'not allowed here';
      const bucket = spec?.execOnRead ? build : runtime;
      // A ${…} left after the Defines may come from httpd's environment, unknown here: not judged.
      if (!spec || d.written.includes('${')) {
        applied.push(d);
        if (d.isSection) visit(d.children, CONDITIONALS.has(d.name) ? parent : d);
        continue;
      }
      const name = spec.name;
      if (!definedBy(spec, loaded)) {
        // config.c ap_walk_config_sub: AH02296 warning instead under Nonfatal=Unknown.
        if (nonfatalUnknown) continue;
        bucket.push({
          line: d.line,
          problem: problem(
            d,
            d.line,
            'unknown',
            `Invalid command '${d.isSection ? `<${d.written}` : d.written}', perhaps misspelled or defined by a module not included in the server configuration`,
          ),
        });
        continue;
      }
      const allowed = [...overrideClasses(spec, loaded)].some((c) => allow.classes.has(c)) || allow.list.has(key);
      if (!allowed) {
        // config.c invoke_cmd: AH02295 warning instead under Nonfatal=Override.
        if (nonfatalOverride) continue;
        bucket.push({ line: d.line, problem: problem(d, d.line, 'not-allowed', `${name} ${where}`) });
        continue;
      }
      // config.c invoke_cmd, case FLAG: only the first word is read.
      const w = d.args[0]?.toLowerCase();
      if (spec.flag && w !== 'on' && w !== 'off') {
        runtime.push({ line: d.line, problem: problem(d, d.line, 'syntax', `${name} must be On or Off`) });
        continue;
      }
      if (key === 'options') {
        const err = optionsError(d.args, allow.options);
        if (err) {
          // "Option X not allowed here" is AllowOverride Options=…'s refusal; the rest are malformed lines.
          const kind = /^Option \S+ not allowed here$/.test(err) ? 'not-allowed' : 'syntax';
          runtime.push({ line: d.line, problem: problem(d, d.line, kind, err) });
          continue;
        }
      }
      applied.push(d);
      if (d.isSection) visit(d.children, CONDITIONALS.has(d.name) ? parent : d);
    }
  };
  visit(parsed.directives, undefined);
  const first = build.sort((a, b) => a.line - b.line)[0] ?? runtime[0];
  if (first) return { file, directives: [], problems: [first.problem] };
  return { file, directives: applied, problems: [] };
}

/**
 * A UTF-8 byte order mark: httpd on Linux keeps it, so the first word becomes
 * an unknown command, logged with its bytes escaped (verified:
 * "Invalid command '\xef\xbb\xbfHeader', …").
 */
function bomMessage(text: string): string {
  const first = /^\uFEFF\s*(\S*)/.exec(text)?.[1] ?? '';
  return `Invalid command '\\xef\\xbb\\xbf${first}', perhaps misspelled or defined by a module not included in the server configuration`;
}

/** core.c set_options: the words of one Options line against AllowOverride Options=… (undefined: every option). */
function optionsError(words: readonly string[], allowed: ReadonlySet<string> | undefined): string | undefined {
  let first = true;
  let merge = false;
  let allNone = false;
  for (const raw of words) {
    let w = raw;
    if (w.startsWith('+') || w.startsWith('-')) {
      if (!merge && !first && !allNone) return 'Either all Options must start with + or -, or no Option may.';
      merge = true;
      w = w.slice(1);
    } else if (merge) return 'Either all Options must start with + or -, or no Option may.';
    const lower = w.toLowerCase();
    if (lower === 'none' || lower === 'all') {
      if (!first)
        return lower === 'none'
          ? "'Options None' must be the first Option given."
          : "'Options All' must be the first option given.";
      if (merge) return `You may not use 'Options +${w}' or 'Options -${w}'.`;
      allNone = true;
    }
    const bits = optionBits(w);
    if (!bits) return `Illegal option ${w}`;
    if (allowed && !bits.every((b) => allowed.has(b))) return `Option ${w} not allowed here`;
    first = false;
  }
  return undefined;
}
