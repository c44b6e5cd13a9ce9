/**
 * nginx's configuration reader: src/core/ngx_conf_file.c ngx_conf_parse (one
 * file or one block, reading statements until `}` or the end of the file),
 * ngx_conf_handler (finding the directive and checking where it stands and its
 * argument count, through the grammar) and ngx_conf_include (an `include` reads
 * the file or each glob match in place, inside the current block).
 *
 * nginx stops at its first error; this reader records it with nginx's message
 * and line and goes on, so one run lists every problem. Lines follow nginx's
 * cf->conf_file->line: an error about a statement is reported on the line of
 * the `;` or `{` that ended it, as nginx's "in FILE:LINE" says.
 */
import * as path from 'node:path';
import type { NginxConfig, NginxDirective, NginxFileRead, NginxIssue } from './types.js';
import { MAIN_CONTEXT, type NginxContext, entriesAcceptInclude } from './context.js';
import { type LexResult, type LexWord, NginxLexer } from './lexer.js';
import { expandGlob, isGlobPattern } from './glob.js';
import type { NginxFileSource } from './source.js';
import type { NginxGrammar } from './grammar.js';
import { strerror } from './errors.js';
import { duplicateLocations } from './locations.js';
import { cString } from './words.js';

/**
 * Our bound on nested includes. nginx has no loop guard: it keeps every file of
 * the chain open and recurses until open() fails with EMFILE (24: Too many open
 * files), about a thousand levels under the usual 1024-descriptor limit, or,
 * with a higher limit, until its stack runs out (1.22 on Debian with 20000
 * descriptors dies of a segmentation fault on fixtures/nginx/parity/include-loop).
 */
export const MAX_INCLUDE_DEPTH = 64;
/**
 * Our bound on blocks and includes nested in one another (nginx has none; a
 * real configuration nests a handful). Keeps the recursion far from the stack limit.
 */
export const MAX_NESTING = 256;
/** Our bound on the files one configuration may read (nginx has none). */
export const MAX_FILES = 50_000;

export interface ParseOptions {
  source: NginxFileSource;
  grammar: NginxGrammar;
  prefix: string;
  confPrefix: string;
  /** We read as root, as nginx does: a permission refusal is nginx's too. */
  asRoot: boolean;
}

interface Frame {
  file: string;
  includedFrom: string[];
}

/** How a block ended: its `}`, the end of the file (an error inside a block), or a fatal lexer error. */
type BlockEnd = { kind: 'close'; line: number } | { kind: 'eof'; line: number };

export class NginxReader {
  readonly files: NginxFileRead[] = [];
  readonly issues: NginxIssue[] = [];
  private readonly dumped = new Set<string>();
  /** Line of the `{` of each block directive: where nginx reports what it finds about the block later. */
  private readonly openLine = new WeakMap<NginxDirective, number>();
  private fileCount = 0;
  private nesting = 0;
  private limitReported = false;

  constructor(private readonly opts: ParseOptions) {}

  read(root: string): NginxConfig {
    const directives: NginxDirective[] = [];
    const r = this.opts.source.readFile(root);
    if (!r.ok) {
      // nginx.c/ngx_cycle.c: the root's open() failure has no "in FILE:LINE".
      const ours = oursOf(r.code, this.opts.asRoot);
      this.issues.push({
        severity: r.code === 'EACCES' && !this.opts.asRoot ? 'warn' : 'emerg',
        message: openFailure(root, r.code),
        file: root,
        includedFrom: [],
        ...(ours ? { ours } : {}),
      });
    } else {
      this.noteRead(root, undefined);
      this.parseFile(r.data, { file: root, includedFrom: [] }, { ...MAIN_CONTEXT }, directives);
      if (this.opts.grammar.checksTree && !directives.some((d) => d.name === 'events' && d.block)) {
        // ngx_event.c ngx_event_init_conf: checked once the whole file is read, no line given.
        this.issue({ file: root, includedFrom: [] }, 'no "events" section in configuration', undefined);
      }
      if (this.opts.grammar.checksTree) {
        for (const dup of duplicateLocations(directives)) {
          const d = dup.directive;
          this.issue({ file: d.file, includedFrom: d.includedFrom }, dup.message, this.openLine.get(d) ?? d.line);
        }
      }
      this.issues.push(...(this.opts.grammar.finish?.(directives) ?? []));
    }
    return {
      root,
      prefix: this.opts.prefix,
      confPrefix: this.opts.confPrefix,
      directives,
      files: this.files,
      issues: this.issues,
    };
  }

  private noteRead(file: string, includedBy: string | undefined): void {
    this.fileCount++;
    // ngx_conf_add_dump: `nginx -T` dumps each file name once, at its first read.
    if (this.dumped.has(file)) return;
    this.dumped.add(file);
    this.files.push(includedBy === undefined ? { file } : { file, includedBy });
  }

  private issue(
    frame: Frame,
    message: string,
    line: number | undefined,
    severity: 'emerg' | 'warn' = 'emerg',
    ours?: NginxIssue['ours'],
  ): void {
    const i: NginxIssue = { severity, message, file: frame.file, includedFrom: frame.includedFrom };
    if (line !== undefined) i.line = line;
    if (ours) i.ours = ours;
    this.issues.push(i);
  }

  /** ngx_conf_parse(cf, filename): a whole file, whose top level is the includer's block. */
  private parseFile(data: Buffer, frame: Frame, ctx: NginxContext, out: NginxDirective[]): void {
    const lexer = NginxLexer.fromBytes(data);
    if (data.subarray(0, 8192).includes(0)) {
      // nginx would lex it anyway; say what it is before the errors it causes.
      this.issue(frame, 'the file is binary (it has a NUL byte), not a configuration', undefined, 'warn', 'binary');
    }
    this.parseStatements(lexer, frame, ctx, out, false);
  }

  /**
   * The loop of ngx_conf_parse: statements until `}` (inside a block) or the
   * end of the file. Returns how it ended.
   */
  private parseStatements(
    lexer: NginxLexer,
    frame: Frame,
    ctx: NginxContext,
    out: NginxDirective[],
    inBlock: boolean,
  ): BlockEnd {
    for (;;) {
      const t: LexResult = lexer.next();
      if (t.kind === 'error') {
        this.issue(frame, t.message, t.line);
        if (t.fatal) return { kind: 'eof', line: t.line };
        continue;
      }
      if (t.kind === 'close') {
        if (!inBlock) {
          this.issue(frame, 'unexpected "}"', t.line);
          continue;
        }
        return { kind: 'close', line: t.line };
      }
      if (t.kind === 'eof') {
        if (inBlock) this.issue(frame, 'unexpected end of file, expecting "}"', t.line);
        return { kind: 'eof', line: t.line };
      }
      const words = t.words;
      const nameWord = words[0];
      if (!nameWord) continue;
      const args = new Array<string>(words.length - 1);
      for (let i = 1; i < words.length; i++) args[i - 1] = (words[i] as LexWord).text;
      const d: NginxDirective = {
        name: nameWord.text,
        args,
        file: frame.file,
        line: nameWord.line,
        includedFrom: frame.includedFrom,
      };
      out.push(d);
      const verdict = this.check(ctx, d, t.end, frame, t.line);
      if (t.end === '{') {
        const children: NginxDirective[] = [];
        d.block = children;
        this.openLine.set(d, t.line);
        if (this.nesting >= MAX_NESTING) {
          this.issue(
            frame,
            `blocks nested more than ${MAX_NESTING} deep: the rest of this file is not read`,
            t.line,
            'emerg',
            'limit',
          );
          return { kind: 'eof', line: t.line };
        }
        this.nesting++;
        const end = this.parseStatements(lexer, frame, verdict.block ?? { ...ctx, unchecked: true }, children, true);
        this.nesting--;
        if (end.kind === 'eof') return end;
        d.endLine = end.line;
        continue;
      }
      if (verdict.include) this.include(d, frame, ctx, out, t.line);
    }
  }

  private check(
    ctx: NginxContext,
    d: NginxDirective,
    end: ';' | '{',
    frame: Frame,
    line: number,
  ): { block?: NginxContext; include?: boolean } {
    this.opts.grammar.observe?.(ctx, d, end);
    if (ctx.unchecked) return { include: false };
    if (ctx.entries) {
      // A module's own handler reads these lines (ngx_conf_parse's cf->handler branch).
      if (end === '{') {
        this.issue(frame, 'unexpected "{"', line);
        return {};
      }
      const err = this.opts.grammar.entry(ctx.entries, d);
      if (err) {
        this.issue(frame, err, line);
        return {};
      }
      if (d.name === 'include' && entriesAcceptInclude(ctx.entries)) {
        if (d.args.length !== 1) {
          this.issue(frame, 'invalid number of arguments in "include" directive', line);
          return {};
        }
        return { include: true };
      }
      return {};
    }
    const v = this.opts.grammar.statement(ctx, d, end, line);
    if (v.error) this.issue(frame, v.error, line, v.severity ?? 'emerg');
    return { block: v.block, include: d.name === 'include' && !v.error };
  }

  /** ngx_conf_include: the file, or every match of the pattern in glob's order, read in place. */
  private include(d: NginxDirective, frame: Frame, ctx: NginxContext, out: NginxDirective[], line: number): void {
    // nginx opens the name as a C string: up to a NUL byte.
    const arg = cString(d.args[0] ?? '');
    // ngx_conf_full_name(cycle, name, 1): relative to the configuration prefix.
    const full = arg.startsWith('/') ? arg : this.opts.confPrefix + arg;
    const site = `${frame.file}:${d.line}`;
    if (frame.includedFrom.length >= MAX_INCLUDE_DEPTH || this.nesting >= MAX_NESTING) {
      this.issue(
        frame,
        `include of "${full}" nested more than ${MAX_INCLUDE_DEPTH} deep (an include loop?): nginx recurses until it runs out of file descriptors ("(24: Too many open files)") or of stack (a crash)`,
        line,
        'emerg',
        'loop',
      );
      return;
    }
    let files: string[];
    if (isGlobPattern(full)) {
      const g = expandGlob(full, this.opts.source);
      files = g.files;
      if (g.truncated)
        this.issue(
          frame,
          `include "${full}" matches too many files; read the first ${files.length}`,
          line,
          'warn',
          'limit',
        );
      for (const dir of g.denied ?? []) {
        const message = `cannot list "${dir}" (13: Permission denied): the files of include "${full}" there are not read`;
        this.issue(frame, message, line, 'warn', 'unreadable');
      }
    } else {
      files = [full];
    }
    const inner: Frame = { file: '', includedFrom: [...frame.includedFrom, site] };
    for (const file of files) {
      if (this.fileCount >= MAX_FILES) {
        if (!this.limitReported)
          this.issue(frame, `more than ${MAX_FILES} files read; the rest is not read`, line, 'warn', 'limit');
        this.limitReported = true;
        return;
      }
      const r = this.opts.source.readFile(file);
      if (!r.ok && r.code === 'EFIFO') {
        // nginx would not fail but hang: say so, and read on as if it were empty.
        this.issue(frame, openFailure(file, r.code), line, 'warn', 'fifo');
        this.noteRead(file, site);
        continue;
      }
      if (!r.ok) {
        // nginx reads its configuration as root: a file only we may not read is our blind spot, not its error.
        const ours = oursOf(r.code, this.opts.asRoot);
        this.issue(
          frame,
          ours === 'unreadable'
            ? `${openFailure(file, r.code)}: not read (nginx reads as root)`
            : openFailure(file, r.code),
          line,
          ours === 'unreadable' ? 'warn' : 'emerg',
          ours,
        );
        // ngx_conf_include stops at the first file that fails.
        return;
      }
      this.noteRead(file, site);
      this.nesting++;
      this.parseFile(r.data, { ...inner, file }, ctx, out);
      this.nesting--;
    }
  }
}

/** nginx's words for a file it could not read; EFIFO and EFBIG are our refusals (said in our words). */
function openFailure(file: string, code: string): string {
  if (code === 'EISDIR') return `pread() "${file}" failed (21: Is a directory)`;
  if (code === 'EFIFO')
    return `"${file}" is a FIFO: not opened (nginx would block opening it until something writes to it)`;
  // A socket: nginx's open() fails with ENXIO.
  if (code === 'ENOTREG') return `open() "${file}" failed (6: No such device or address)`;
  if (code === 'EFBIG') return `"${file}" is too large to read (over 32 MiB): not read`;
  return `open() "${file}" failed (${strerror(code)})`;
}

/** Which refusals are the doctor's rather than nginx's. */
function oursOf(code: string, asRoot: boolean | undefined): NginxIssue['ours'] {
  if (code === 'EFIFO') return 'fifo';
  if (code === 'EFBIG') return 'limit';
  if (code === 'EACCES' && !asRoot) return 'unreadable';
  return undefined;
}

export function confPrefixOf(root: string): string {
  return `${path.posix.dirname(root)}/`;
}
