/**
 * Reads a server configuration the way httpd does: file by file in read order,
 * executing the read-time directives (Define, Include, LoadModule, ServerRoot,
 * conditionals, Macro/Use) as they come, so that every later line sees the same
 * state httpd would. Problems are collected, never thrown: a broken file still
 * yields a tree for everything around it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { CONDITIONALS, evaluateCondition } from './conditions.js';
import { expandInclude, strerror } from './glob.js';
import { MAX_LOGICAL_LINE, splitLogicalLines, trimConf, type LogicalLine } from './lines.js';
import { expandMacro, parseMacroHeader, type MacroDef } from './macro.js';
import { DEBIAN_STATIC_MODULES, ModuleRegistry, moduleFileName } from './modules.js';
import type { ConfigFileSource } from './source.js';
import type { Directive, IncludedFile, LoadedModule, ParseIssue } from './tree.js';
import { expandVars } from './vars.js';
import { firstWordEnd, firstWordOf, getWordConf, splitWords } from './words.js';
import { formatBytes } from '../util/bytes.js';

export interface ParseLimits {
  /** httpd's AP_MAX_INCLUDE_DEPTH. */
  maxIncludeDepth: number;
  maxFiles: number;
  maxDirectives: number;
  maxGlobEntries: number;
  maxMacroExpansions: number;
  /**
   * Longest line, after ${VAR} expansion, that is kept and analysed. httpd has
   * no such limit: it allocates whatever the expansion needs.
   */
  maxExpandedLine: number;
  /** Bytes of expanded lines kept in all (bounds our memory, whatever the Defines do). */
  maxExpandedTotal: number;
  /**
   * The memory httpd can have: it keeps every expanded line while it reads,
   * so a configuration whose expansions add up to more cannot start.
   */
  memoryBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxIncludeDepth: 128,
  maxFiles: 50_000,
  maxDirectives: 2_000_000,
  maxGlobEntries: 50_000,
  maxMacroExpansions: 10_000,
  maxExpandedLine: 1024 * 1024,
  maxExpandedTotal: 256 * 1024 * 1024,
  memoryBytes: os.totalmem(),
};

export interface ParseOptions {
  rootFile: string;
  serverRoot: string;
  source: ConfigFileSource;
  /** The process environment httpd would see. */
  env?: Record<string, string | undefined>;
  /** Debian envvars, consulted after the environment. */
  envvars?: Record<string, string>;
  /** -D NAME on the command line. */
  defines?: string[];
  staticModules?: readonly string[];
  limits?: Partial<ParseLimits>;
  /** Files parsed after the root as if the root included them (a site that is not enabled). */
  extraFiles?: string[];
  /**
   * Read the root as a .htaccess file: nothing is executed while reading
   * except `Error` (OR_ALL). Include, Define, LoadModule, ServerRoot and Use
   * are not allowed in .htaccess (config.c invoke_cmd refuses them by their
   * req_override), so the caller reports them; executing them here would read
   * other files or change state httpd never changes at request time.
   */
  htaccess?: boolean;
}

export interface ParsedConfig {
  rootFile: string;
  /** ServerRoot at the end of reading. */
  serverRoot: string;
  directives: Directive[];
  /** Every file read, in read order (what `apache2 -t -D DUMP_INCLUDES` lists). */
  files: IncludedFile[];
  issues: ParseIssue[];
  modules: LoadedModule[];
  /** Defines at the end of reading (Define is global and read-ordered). */
  defines: Record<string, string>;
  /** `# fcgi-doctor: …` comments (suppressions), with the directive right below each. */
  markerComments: MarkerComment[];
}

/** A comment that speaks to fcgi-doctor; `directiveLine` is the line of the directive directly below (stacked markers share it). */
export interface MarkerComment {
  file: string;
  line: number;
  text: string;
  directiveLine?: number;
}

interface Cursor {
  lines: LogicalLine[];
  i: number;
  file: string;
  includedFrom: string[];
  macro?: string;
  /** Marker comments just read, waiting for the line below them. */
  markers?: MarkerComment[];
}

/**
 * Leaves share one empty children array (most directives are leaves, and a
 * large tree's allocations are its cost); the parser only ever replaces
 * `children`, never pushes into it.
 */
const NO_CHILDREN: Directive[] = [];
/** Placeholder args of a section node until openSection splits its words (always replaced). */
const SECTION_ARGS_PLACEHOLDER: string[] = [];

/** The open sections, innermost first: a linked list, so opening one copies nothing. */
interface Frame {
  node: Directive;
  up: Frame | undefined;
}

function framesHave(f: Frame | undefined, name: string): boolean {
  for (; f; f = f.up) if (f.node.name === name) return true;
  return false;
}

export function parseConfig(opts: ParseOptions): ParsedConfig {
  return new Parser(opts).run();
}

class Parser {
  private readonly src: ConfigFileSource;
  private readonly limits: ParseLimits;
  private readonly defines = new Map<string, string>();
  private readonly modules: ModuleRegistry;
  private readonly macros = new Map<string, MacroDef>();
  private readonly issues: ParseIssue[] = [];
  private readonly files: IncludedFile[] = [];
  private readonly markerComments: MarkerComment[] = [];
  private readonly includeStack: string[] = [];
  /** real() of each includeStack entry. */
  private readonly includeReal: string[] = [];
  /** Directive names as written → the shared written and lower-case strings. */
  private readonly names = new Map<string, { written: string; name: string }>();
  /** The same for section openers ("<VirtualHost" → "VirtualHost", "virtualhost"). */
  private readonly sectionNames = new Map<string, { written: string; name: string }>();
  private readonly realpaths = new Map<string, string>();
  private readonly macroStack: string[] = [];
  /** Defines whose value is longer than maxExpandedLine: only the length is kept. */
  private readonly hugeDefines = new Map<string, number>();
  /** Sum of every expanded line's length: a lower bound of what httpd holds in memory. */
  private expandedBytes = 0;
  /** Sum of the expanded lines this parser kept. */
  private keptExpandedBytes = 0;
  private toldTooLong = false;
  private serverRoot: string;
  private directiveCount = 0;
  private macroExpansions = 0;
  private stopped = false;

  constructor(private readonly opts: ParseOptions) {
    this.src = opts.source;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.modules = new ModuleRegistry(opts.staticModules ?? DEBIAN_STATIC_MODULES);
    this.serverRoot = opts.serverRoot;
    for (const d of opts.defines ?? []) this.defines.set(d, '');
  }

  run(): ParsedConfig {
    const directives = this.readFile(this.opts.rootFile, [], undefined, 0) ?? [];
    for (const extra of this.opts.extraFiles ?? []) {
      const more = this.readFile(extra, [], undefined, 0);
      if (more) directives.push(...more);
    }
    return {
      rootFile: this.opts.rootFile,
      serverRoot: this.serverRoot,
      directives,
      files: this.files,
      issues: this.issues,
      markerComments: this.markerComments,
      modules: this.modules.list,
      defines: {
        ...Object.fromEntries(this.defines),
        ...Object.fromEntries([...this.hugeDefines].map(([n, len]) => [n, `(${len} characters, not kept)`])),
      },
    };
  }

  /** A marker comment; markers on consecutive lines stack up for the same directive. */
  private noteMarker(c: Cursor, ll: LogicalLine, text: string): void {
    const m: MarkerComment = { file: c.file, line: ll.line, text };
    if (this.markerComments.length < 10_000) this.markerComments.push(m);
    const last = c.markers?.[c.markers.length - 1];
    if (c.markers && last && last.line === ll.firstLine - 1) c.markers.push(m);
    else c.markers = [m];
  }

  /** The line after the markers: a directive directly below them is theirs. */
  private settleMarkers(c: Cursor, ll: LogicalLine): void {
    const markers = c.markers ?? [];
    c.markers = undefined;
    if (markers[markers.length - 1]?.line !== ll.firstLine - 1) return;
    for (const m of markers) m.directiveLine = ll.line;
  }

  private issue(i: Omit<ParseIssue, 'severity'> & { severity?: ParseIssue['severity'] }): void {
    if (this.issues.length >= 10_000) return;
    this.issues.push({ severity: 'error', ...i });
  }

  private lookup = (name: string): string | number | undefined => {
    const huge = this.hugeDefines.get(name);
    if (huge !== undefined) return huge;
    const d = this.defines.get(name);
    if (d !== undefined) return d;
    const e = this.opts.env?.[name];
    if (e !== undefined) return e;
    return this.opts.envvars?.[name];
  };

  /**
   * The file's path with its directory's symlinks resolved, cached per
   * directory: resolving every one of thousands of included files costs more
   * than the parse. A cycle through a symlinked *file* is still stopped, by
   * the include depth limit.
   */
  private real(p: string): string {
    const slash = p.lastIndexOf('/');
    const normal = slash > 0 && isNormalAbsolute(p);
    const dir = normal ? p.slice(0, slash) : path.posix.dirname(p);
    let r = this.realpaths.get(dir);
    if (r === undefined) {
      r = this.src.realpath(dir) ?? dir;
      this.realpaths.set(dir, r);
    }
    // The directory is already canonical (the usual case): the path is too, when it is normalized.
    if (r === dir && normal) return p;
    return path.posix.join(r, path.posix.basename(p));
  }

  private resolve(p: string): string {
    return path.posix.isAbsolute(p) ? path.posix.normalize(p) : path.posix.join(this.serverRoot, p);
  }

  /** Reads one configuration file; undefined when it could not be read. */
  private readFile(
    file: string,
    includedFrom: string[],
    includeLine: number | undefined,
    depth: number,
    optional = false,
    regular = false,
  ): Directive[] | undefined {
    if (this.files.length >= this.limits.maxFiles) {
      if (!this.stopped) {
        this.issue({
          kind: 'limit',
          file,
          includedFrom,
          message: `Stopped reading after ${this.limits.maxFiles} files; the rest of the configuration was not analysed.`,
        });
      }
      this.stopped = true;
      return undefined;
    }
    const res = this.src.readText(file, regular);
    // IncludeOptional: a dangling symlink or a file gone since the listing is fine.
    if (!res.ok && optional && (res.code === 'ENOENT' || res.code === 'ELOOP')) return undefined;
    if (!res.ok) {
      const where = includedFrom.at(-1);
      const [pf, pl] = where ? splitWhere(where) : [file, undefined];
      const at = { file: pf, line: pl, includedFrom: includedFrom.slice(0, -1), text: file };
      if (res.code === 'ENOTREG') {
        this.issue({
          kind: 'not-regular',
          ...at,
          message: `AH00554: Access to file ${file} denied by server: not a regular file`,
        });
      } else if (res.code === 'EFBIG') {
        this.issue({
          kind: 'limit',
          ...at,
          message: `${file} is larger than fcgi-doctor reads (${res.message}); its contents were not analysed`,
        });
      } else if (res.code === 'EACCES') {
        this.issue({
          kind: 'unreadable',
          ...at,
          message: `Could not open configuration file ${file}: Permission denied`,
        });
      } else if (res.code in STRERROR_KNOWN) {
        this.issue({
          kind: 'include-not-found',
          ...at,
          message: `Could not open configuration file ${file}: ${strerror(res.code)}`,
        });
      } else {
        this.issue({ kind: 'unreadable', ...at, message: `Could not read configuration file ${file}: ${res.message}` });
      }
      return undefined;
    }
    this.files.push({ file, line: includeLine, depth, includedFrom });
    if (res.binary) {
      this.issue({
        kind: 'syntax',
        file,
        line: 1,
        includedFrom,
        message: `${file} is not a text file (it contains NUL bytes); Apache stops at the first line it cannot understand.`,
      });
      return [];
    }
    const text = res.text;
    const cursor: Cursor = { lines: splitLogicalLines(text), i: 0, file, includedFrom };
    // A UTF-8 byte order mark (EF BB BF) decodes to U+FEFF, and nothing else does.
    if (text.charCodeAt(0) === 0xfeff) {
      this.issue({
        kind: 'bom',
        file,
        line: cursor.lines.find((l) => l.text !== '')?.line ?? 1,
        includedFrom,
        message: `${file} starts with a UTF-8 byte order mark; Apache on Linux does not strip it, so the first directive becomes unknown.`,
      });
    }
    this.includeStack.push(file);
    this.includeReal.push(this.real(file));
    try {
      return this.readBlock(cursor, undefined, true);
    } finally {
      this.includeStack.pop();
      this.includeReal.pop();
    }
  }

  /**
   * Reads directives until the closing tag of the innermost open section (the
   * last frame) or the end of the lines.
   */
  private readBlock(c: Cursor, frames: Frame | undefined, active: boolean, reason?: string): Directive[] {
    const out = this.readBlockGrowing(c, frames, active, reason);
    // At its exact size: the tree keeps every children array, and one grown by push has room for 17.
    return out.length === 0 ? out : out.slice();
  }

  private readBlockGrowing(c: Cursor, frames: Frame | undefined, active: boolean, reason?: string): Directive[] {
    const out: Directive[] = [];
    const opener = frames?.node;
    while (c.i < c.lines.length) {
      const ll = c.lines[c.i++];
      if (!ll) break;
      if (this.stopped) return out;
      let text = ll.text;
      if (text === '' || text.charCodeAt(0) === 0x23 /* # */) {
        // Comments are skipped unread, but for the rare one addressed to us (a suppression).
        if (text !== '' && text.indexOf('fcgi-doctor:') !== -1) this.noteMarker(c, ll, text);
        else if (c.markers) c.markers = undefined;
        continue;
      }
      if (c.markers) this.settleMarkers(c, ll);
      if (text.length > MAX_LOGICAL_LINE) {
        if (active)
          this.issue({
            kind: 'syntax',
            file: c.file,
            line: ll.line,
            includedFrom: c.includedFrom,
            message: `Line longer than ${MAX_LOGICAL_LINE} bytes: Apache refuses it.`,
          });
        continue;
      }
      // Most lines have no ${…}: skip the expansion (and its result object) for them.
      if (active && text.indexOf('${') !== -1) {
        const exp = expandVars(text, this.lookup, this.limits.maxExpandedLine);
        this.expandedBytes += exp.length;
        if (exp.tooLong || this.keptExpandedBytes + exp.length > this.limits.maxExpandedTotal) {
          if (this.expansionTooLarge(text, exp.length, c, ll)) return out;
          continue;
        }
        this.keptExpandedBytes += exp.length;
        text = exp.text;
        for (const name of exp.undefinedNames) {
          this.issue({
            kind: 'undefined-variable',
            severity: 'warning',
            file: c.file,
            line: ll.line,
            includedFrom: c.includedFrom,
            text: name,
            message: `Config variable \${${name}} is not defined; Apache keeps the text "\${${name}}" literally.`,
          });
        }
      }
      const cmd = firstWordOf(text);
      if (cmd === '') continue;
      const rest = trimConf(text.slice(firstWordEnd()));
      if (++this.directiveCount > this.limits.maxDirectives) {
        this.issue({
          kind: 'limit',
          file: c.file,
          line: ll.line,
          includedFrom: c.includedFrom,
          message: `Stopped after ${this.limits.maxDirectives} directives.`,
        });
        this.stopped = true;
        return out;
      }

      if (cmd.startsWith('</')) {
        const closed = cmd.endsWith('>');
        const name = closed ? cmd.slice(2, -1) : cmd.slice(2);
        if (active && !closed) {
          this.issue({
            kind: 'syntax',
            file: c.file,
            line: ll.line,
            includedFrom: c.includedFrom,
            text,
            message: `</${name} directive missing closing '>'`,
          });
        }
        if (opener && name.toLowerCase() === opener.name) {
          opener.endLine = ll.line;
          return out;
        }
        if (opener) {
          if (active)
            this.issue({
              kind: 'syntax',
              file: c.file,
              line: ll.line,
              includedFrom: c.includedFrom,
              text,
              message: `Expected </${opener.written}> but saw </${name}>`,
            });
          // Close the inner section if an outer one is what this tag ends, so one
          // missing closer does not swallow the rest of the file.
          if (framesHave(frames, name.toLowerCase())) {
            c.i--;
            return out;
          }
          continue;
        }
        if (active)
          this.issue({
            kind: 'syntax',
            file: c.file,
            line: ll.line,
            includedFrom: c.includedFrom,
            text,
            message: `</${name}> without matching <${name}> section`,
          });
        continue;
      }

      const isOpen = cmd.charCodeAt(0) === 0x3c /* < */ && cmd.length > 1;
      let known = isOpen ? undefined : this.names.get(cmd);
      if (known === undefined) {
        known = { written: cmd, name: isOpen ? '' : cmd.toLowerCase() };
        if (!isOpen) this.names.set(cmd, known);
      }
      const node: Directive = {
        name: known.name,
        written: known.written,
        // A section's words are split by openSection; a directive's here, once (no placeholder array).
        args: isOpen ? SECTION_ARGS_PLACEHOLDER : rest === '' ? [] : splitWords(rest),
        raw: rest,
        file: c.file,
        line: ll.line,
        includedFrom: c.includedFrom,
        isSection: false,
        children: NO_CHILDREN,
        active,
        // Every optional field exists from the start (undefined when absent,
        // which JSON leaves out) so that all nodes share one object shape.
        inactiveReason: !active && reason ? reason : undefined,
        condition: undefined,
        runtime: undefined,
        endLine: undefined,
        macro: c.macro,
      };

      if (isOpen) {
        this.openSection(node, c, frames, active, reason, ll);
        out.push(node);
        continue;
      }

      out.push(node);
      if (active) this.execOnRead(node, c, ll);
    }
    if (opener && c.i >= c.lines.length && opener.endLine === undefined && active) this.unclosed(c, opener);
    return out;
  }

  /**
   * A line whose expansion we do not build. Past the memory httpd can have it
   * is fatal (httpd aborts: "Memory allocation failed"); below, a Define keeps
   * its length so that later uses are measured too. True: stop reading.
   */
  private expansionTooLarge(raw: string, length: number, c: Cursor, ll: LogicalLine): boolean {
    const at = { file: c.file, line: ll.line, includedFrom: c.includedFrom };
    const vars = [...new Set([...raw.matchAll(/\$\{([^}:]*)\}/g)].map((m) => `\${${m[1] ?? ''}}`))].join(', ');
    if (this.expandedBytes > this.limits.memoryBytes) {
      this.issue({
        kind: 'out-of-memory',
        ...at,
        text: raw.length > 200 ? `${raw.slice(0, 200)}…` : raw,
        message: `expanding ${vars} makes the configuration need more than ${formatBytes(this.expandedBytes)} of memory (httpd keeps every expanded line while it reads, and this machine has ${formatBytes(this.limits.memoryBytes)}): httpd aborts with "Memory allocation failed"`,
      });
      this.stopped = true;
      return true;
    }
    const words = splitWords(raw);
    if (words[0]?.toLowerCase() === 'define' && words[1] !== undefined && !words[1].includes('${')) {
      const value = expandVars(words[2] ?? '', this.lookup, 0);
      this.defines.delete(words[1]);
      this.hugeDefines.set(words[1], value.length);
    }
    if (!this.toldTooLong) {
      this.toldTooLong = true;
      this.issue({
        kind: 'limit',
        ...at,
        message:
          length > this.limits.maxExpandedLine
            ? `This line expands to ${length} characters (${vars}); fcgi-doctor analyses lines of up to ${this.limits.maxExpandedLine} characters after expansion, so it and any later line this long were skipped. Apache holds them all in memory while it reads its configuration.`
            : `The lines of this configuration expand (${vars}) to more than ${this.limits.maxExpandedTotal} characters in all; fcgi-doctor skipped the expanded lines from here on.`,
      });
    }
    return false;
  }

  private openSection(
    node: Directive,
    c: Cursor,
    frames: Frame | undefined,
    active: boolean,
    reason: string | undefined,
    ll: LogicalLine,
  ): void {
    let cmd = node.written;
    let rest = node.raw;
    if (cmd.endsWith('>')) {
      cmd = cmd.slice(0, -1);
      if (rest === '') rest = '>';
    }
    let known = this.sectionNames.get(cmd);
    if (known === undefined) {
      const written = cmd.slice(1);
      known = { written, name: written.toLowerCase() };
      this.sectionNames.set(cmd, known);
    }
    const name = known.written;
    node.written = name;
    node.name = known.name;
    node.isSection = true;
    const gt = rest.lastIndexOf('>');
    if (gt === -1) {
      if (active)
        this.issue({
          kind: 'syntax',
          file: c.file,
          line: ll.line,
          includedFrom: c.includedFrom,
          text: ll.text,
          message: `<${name}> directive missing closing '>'`,
        });
    } else {
      rest = trimConf(rest.slice(0, gt));
    }
    node.raw = rest;
    node.args = splitWords(rest);
    if (active && node.args.length === 0 && node.name !== 'else') {
      this.issue({
        kind: 'syntax',
        file: c.file,
        line: ll.line,
        includedFrom: c.includedFrom,
        text: ll.text,
        message: `<${name}> directive requires additional arguments`,
      });
    }
    if (node.name === 'if' || node.name === 'elseif' || node.name === 'else') node.runtime = true;

    if (node.name === 'macro' && active) {
      const body = this.soak(c, node.name);
      node.endLine = body.end;
      const header = parseMacroHeader(node, body.lines);
      if ('error' in header) {
        this.issue({
          kind: 'syntax',
          file: c.file,
          line: ll.line,
          includedFrom: c.includedFrom,
          text: ll.text,
          message: header.error,
        });
      } else {
        for (const w of header.warnings)
          this.issue({
            kind: 'syntax',
            severity: 'warning',
            file: c.file,
            line: ll.line,
            includedFrom: c.includedFrom,
            message: w,
          });
        this.macros.set(header.def.name.toLowerCase(), header.def);
      }
      node.children = this.readBlock(
        { ...c, lines: body.lines, i: 0 },
        undefined,
        false,
        `inside <Macro ${node.args[0] ?? ''}>: it takes effect where Use expands it`,
      );
      if (!body.closed) this.unclosed(c, node);
      return;
    }

    if (CONDITIONALS.has(node.name) && active) {
      const cond = evaluateCondition(node.name, node.args, {
        modules: this.modules,
        isDefined: (n) => this.defines.has(n) || this.hugeDefines.has(n),
        serverRoot: this.serverRoot,
        source: this.src,
      });
      node.condition = cond;
      if (cond) {
        node.children = this.readBlock(c, { node, up: frames }, true);
      } else {
        // httpd skips a false branch unparsed, tracking only same-name nesting.
        const body = this.soak(c, node.name);
        node.endLine = body.end;
        const why = `<${name} ${node.raw}> is false (${c.file}:${ll.line})`;
        node.children = this.readBlock({ ...c, lines: body.lines, i: 0 }, undefined, false, why);
        if (!body.closed) this.unclosed(c, node);
      }
      return;
    }
    node.children = this.readBlock(c, { node, up: frames }, active, reason);
  }

  private unclosed(c: Cursor, node: Directive): void {
    this.issue({
      kind: 'syntax',
      file: c.file,
      line: c.lines.at(-1)?.line ?? node.line,
      includedFrom: c.includedFrom,
      text: `<${node.written}>`,
      message: `${c.file}:${node.line}: <${node.written}> was not closed.`,
    });
  }

  /** ap_soak_end_container: the raw lines up to the matching closer of `name`. */
  private soak(c: Cursor, name: string): { lines: LogicalLine[]; end?: number; closed: boolean } {
    const start = c.i;
    let depth = 1;
    while (c.i < c.lines.length) {
      const ll = c.lines[c.i++];
      if (!ll || ll.text === '' || ll.text.startsWith('#') || !ll.text.startsWith('<')) continue;
      const word = getWordConf(ll.text, 0).word.toLowerCase().replace(/>$/, '');
      if (word === `<${name}`) depth++;
      else if (word === `</${name}`) {
        depth--;
        if (depth === 0) return { lines: c.lines.slice(start, c.i - 1), end: ll.line, closed: true };
      }
    }
    return { lines: c.lines.slice(start), closed: false };
  }

  /** The directives httpd executes while reading (EXEC_ON_READ). */
  private execOnRead(node: Directive, c: Cursor, ll: LogicalLine): void {
    const at = { file: c.file, line: ll.line, includedFrom: c.includedFrom };
    if (this.opts.htaccess && node.name !== 'error') return;
    switch (node.name) {
      case 'define': {
        const [name, value] = node.args;
        if (name === undefined) return;
        if (name.includes(':')) {
          this.issue({ kind: 'syntax', ...at, text: ll.text, message: "Variable name must not contain ':'" });
          return;
        }
        this.defines.set(name, value ?? '');
        this.hugeDefines.delete(name);
        return;
      }
      case 'undefine':
        if (node.args[0] !== undefined) {
          this.defines.delete(node.args[0]);
          this.hugeDefines.delete(node.args[0]);
        }
        return;
      case 'serverroot': {
        const dir = node.args[0];
        if (dir === undefined) return;
        const abs = path.posix.resolve(this.serverRoot || '/', dir);
        if (this.src.stat(abs).kind !== 'dir') {
          this.issue({
            kind: 'syntax',
            ...at,
            text: ll.text,
            message: `ServerRoot must be a valid directory (${abs})`,
          });
        }
        this.serverRoot = abs;
        return;
      }
      case 'loadmodule': {
        const [id, so] = node.args;
        if (id === undefined || so === undefined) return;
        const m: LoadedModule = {
          id,
          fileName: moduleFileName(id),
          path: this.resolve(so),
          file: c.file,
          line: ll.line,
        };
        if (!this.modules.add(m)) {
          this.issue({
            kind: 'syntax',
            severity: 'warning',
            ...at,
            text: ll.text,
            message: `Module ${id} is already loaded, skipping`,
          });
        }
        return;
      }
      case 'include':
      case 'includeoptional':
        node.children = this.include(node, c, ll);
        return;
      case 'use':
        node.children = this.use(node, c, ll);
        return;
      case 'undefmacro':
        if (node.args[0]) this.macros.delete(node.args[0].toLowerCase());
        return;
      case 'error':
        this.issue({ kind: 'syntax', ...at, text: ll.text, message: node.args.join(' ') || 'Error directive' });
        return;
      default:
    }
  }

  private include(node: Directive, c: Cursor, ll: LogicalLine): Directive[] {
    const optional = node.name === 'includeoptional';
    const at = { file: c.file, line: ll.line, includedFrom: c.includedFrom };
    const target = node.args[0];
    if (target === undefined) return [];
    const pattern = this.resolve(target);
    const exp = expandInclude(pattern, this.src, { maxEntries: this.limits.maxGlobEntries, maxDepth: 128 }, optional);
    if (exp.limit)
      this.issue({ kind: 'limit', ...at, text: ll.text, message: `${node.written} ${target}: ${exp.limit}` });
    if (exp.hidden) {
      // Not visible to this user; Apache, reading as root, may well see it.
      this.issue({ kind: 'unreadable', ...at, text: ll.text, message: `${node.written} ${target}: ${exp.hidden}` });
      return [];
    }
    if (exp.error) {
      this.issue({
        kind: 'include-not-found',
        ...at,
        text: ll.text,
        message: `${node.written} ${target}: ${exp.error}`,
      });
      return [];
    }
    const depth = c.includedFrom.length + 1;
    const children: Directive[] = [];
    // One chain for every file this Include reads (chains are never mutated).
    const chain = exp.files.length > 0 ? [...c.includedFrom, `${c.file}:${ll.line}`] : [];
    for (let k = 0; k < exp.files.length; k++) {
      const f = exp.files[k] ?? '';
      if (this.stopped) break;
      if (depth > this.limits.maxIncludeDepth) {
        this.issue({
          kind: 'syntax',
          ...at,
          text: ll.text,
          message: `Exceeded maximum include depth of ${this.limits.maxIncludeDepth}, There appears to be a recursion.`,
        });
        break;
      }
      const real = this.real(f);
      if (this.includeStack.some((s, i) => s === f || this.includeReal[i] === real)) {
        this.issue({
          kind: 'syntax',
          ...at,
          text: ll.text,
          message: `${f} includes itself (${[...this.includeStack, f].map((p) => path.posix.basename(p)).join(' → ')}); Apache stops with "Exceeded maximum include depth of 128".`,
        });
        continue;
      }
      const got = this.readFile(f, chain, ll.line, depth, optional, exp.regular[k] === true);
      if (got) {
        if (children.length === 0) children.push(...got);
        else for (const g of got) children.push(g);
      }
    }
    return children.length === 0 ? children : children.slice();
  }

  private use(node: Directive, c: Cursor, ll: LogicalLine): Directive[] {
    const at = { file: c.file, line: ll.line, includedFrom: c.includedFrom };
    const name = node.args[0] ?? '';
    const def = this.macros.get(name.toLowerCase());
    if (!def) {
      this.issue({ kind: 'syntax', ...at, text: ll.text, message: `macro '${name}' undefined` });
      return [];
    }
    if (this.macroStack.includes(def.name.toLowerCase())) {
      this.issue({ kind: 'syntax', ...at, text: ll.text, message: `macro '${def.name}' used recursively` });
      return [];
    }
    if (++this.macroExpansions > this.limits.maxMacroExpansions) {
      this.issue({
        kind: 'limit',
        ...at,
        text: ll.text,
        message: `Stopped expanding macros after ${this.limits.maxMacroExpansions} uses.`,
      });
      return [];
    }
    const expanded = expandMacro(def, node.args.slice(1), c.file, ll.line);
    if ('error' in expanded) {
      this.issue({ kind: 'syntax', ...at, text: ll.text, message: expanded.error });
      return [];
    }
    this.macroStack.push(def.name.toLowerCase());
    try {
      return this.readBlock(
        {
          lines: expanded.lines,
          i: 0,
          file: def.file,
          includedFrom: [...c.includedFrom, `${c.file}:${ll.line}`],
          macro: expanded.pseudoFile,
        },
        undefined,
        true,
      );
    } finally {
      this.macroStack.pop();
    }
  }
}

/** Open errors that mean "Apache cannot open it either" (EACCES is about this user, not Apache). */
const STRERROR_KNOWN: Record<string, true> = { ENOENT: true, ELOOP: true, ENOTDIR: true, ENAMETOOLONG: true };

function splitWhere(w: string): [string, number | undefined] {
  const m = /^(.*):(\d+)$/.exec(w);
  return m && m[1] !== undefined && m[2] !== undefined ? [m[1], Number(m[2])] : [w, undefined];
}

/** An absolute path with no empty, "." or ".." component and no trailing slash (what path.posix.normalize leaves alone). */
function isNormalAbsolute(p: string): boolean {
  if (p.charCodeAt(0) !== 0x2f) return false;
  return (
    p.indexOf('//') === -1 &&
    p.indexOf('/./') === -1 &&
    p.indexOf('/../') === -1 &&
    !p.endsWith('/.') &&
    !p.endsWith('/..') &&
    !p.endsWith('/')
  );
}
