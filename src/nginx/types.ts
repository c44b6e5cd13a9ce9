/**
 * nginx's configuration as nginx reads it: a tree of directives, each with the
 * file and line it was written on (crossplane's shape), the files read, and the
 * problems nginx would report at start. Plain data, so `check` and `trace` can
 * share it and it serialises to JSON.
 *
 * This file is the seam between the reader (lexer, parser, includes: src/nginx/)
 * and the users of the tree (setups, routing in src/routing/nginx/, checks).
 */

export interface NginxDirective {
  /** The directive name exactly as written ("fastcgi_pass", "location", "if"). */
  name: string;
  /**
   * Its arguments after lexing: quotes removed and escapes resolved as nginx's
   * ngx_conf_read_token does; variables ("$document_root") kept as written.
   * For `if`, the parenthesised condition split into words as nginx splits it.
   */
  args: string[];
  /** The file it was written in (absolute path). */
  file: string;
  /** The line its name starts on (1-based, as nginx's "in FILE:LINE"). */
  line: number;
  /** "file:line" of each `include` that led here, outermost first. */
  includedFrom: string[];
  /**
   * The directives of its block (`{…}`), or undefined when it ends in `;`.
   * An `include` stays in the list where it was written, followed by the
   * directives of the files it read (each with `includedFrom` ending in the
   * include's "file:line"), as nginx reads them into the same block.
   */
  block?: NginxDirective[];
  /** Line of the closing `}` of its block. */
  endLine?: number;
}

/** A file nginx reads: the root, or one an `include` reaches. */
export interface NginxFileRead {
  file: string;
  /** The `include` that read it ("file:line"); undefined for the root. */
  includedBy?: string;
}

/** A problem nginx would report at start (`nginx -t`), or one met while reading. */
export interface NginxIssue {
  severity: 'emerg' | 'warn';
  /** nginx's own wording where nginx reports it ("unknown directive \"fastcgi_pas\""). */
  message: string;
  file: string;
  /**
   * nginx's line: for a statement, the line of the `;` or `{` that ends it
   * (cf->conf_file->line when nginx complains), which is `NginxDirective.line`
   * unless the statement spans lines. For what nginx checks after reading and
   * reports with no line (an unknown variable, a log file or certificate it
   * cannot open, a conflicting server name), the line of the directive
   * concerned; undefined when there is none ("no \"events\" section", a root
   * file that cannot be opened).
   */
  line?: number;
  includedFrom: string[];
  /**
   * Set when the doctor, not nginx, says it: a FIFO it would not open (nginx would wait
   * for ever), a file only this user may not read (nginx reads as root), a binary file,
   * or a safety limit of the reader. `message` is then the doctor's words, not nginx's.
   */
  ours?: 'fifo' | 'unreadable' | 'binary' | 'limit' | 'loop';
}

export interface NginxConfig {
  /** The root configuration file. */
  root: string;
  /** nginx's prefix (-p, or the compiled-in one, /usr/share/nginx on Debian). */
  prefix: string;
  /** The configuration prefix (the root file's directory, ngx_cycle->conf_prefix): relative `include` paths and globs are resolved against it. */
  confPrefix: string;
  /** The top-level directives (the main context). */
  directives: NginxDirective[];
  /** Every file read, in the order nginx reads them (the order `nginx -T` dumps them). */
  files: NginxFileRead[];
  /** Everything nginx would complain about; an `emerg` means nginx refuses to start. */
  issues: NginxIssue[];
}
