/**
 * nginx's tokenizer, step for step as src/core/ngx_conf_file.c
 * ngx_conf_read_token (1.22) reads a file: words separated by blanks, `'`/`"`
 * quotes (a quoted word must be followed by a blank, `;`, `{` or `)`), a
 * backslash keeps the next byte literal, `#` to the end of the line, `${`
 * kept inside a word after `$`, and a statement ended by `;` (directive) or
 * `{` (block start). Each call returns what one call of nginx's returns.
 *
 * The text is the file's bytes as latin1 (one char per byte), so lengths and
 * the 4096-byte buffer limit count bytes as nginx does; words are decoded as
 * UTF-8 when returned.
 */

/** ngx_conf_file.c NGX_CONF_BUFFER: a word (from its first byte) must end within it. */
export const NGX_CONF_BUFFER = 4096;

export interface LexWord {
  /** The word after nginx's escape processing (quotes removed, \" \' \\ \t \r \n resolved). */
  text: string;
  /** Line its first byte is on. */
  line: number;
  /** Written in quotes. */
  quoted: boolean;
}

export type LexResult =
  /** A statement ended by `;` (NGX_OK) or `{` (NGX_CONF_BLOCK_START); `line` is the line of that byte, where nginx reports errors about it. */
  | { kind: 'statement'; words: LexWord[]; end: ';' | '{'; line: number }
  /** `}` (NGX_CONF_BLOCK_DONE). */
  | { kind: 'close'; line: number }
  /** NGX_CONF_FILE_DONE. */
  | { kind: 'eof'; line: number }
  /** NGX_ERROR with nginx's message; `fatal`: nothing after it in this file can be read sensibly. */
  | { kind: 'error'; message: string; line: number; fatal: boolean };

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

function isBlank(ch: number): boolean {
  return ch === SPACE || ch === TAB || ch === CR || ch === LF;
}

/** ngx_conf_read_token's copy loop: \" \' \\ lose the backslash, \t \r \n become the control byte, any other \x stays. */
function resolveEscapes(raw: string): string {
  if (raw.indexOf('\\') === -1) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[i + 1];
      if (n === '"' || n === "'" || n === '\\') {
        out += n;
        i++;
        continue;
      }
      if (n === 't' || n === 'r' || n === 'n') {
        out += n === 't' ? '\t' : n === 'r' ? '\r' : '\n';
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

const HIGH_BYTE = /[\x80-\xff]/;

function decode(latin1: string): string {
  if (!HIGH_BYTE.test(latin1)) return latin1;
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

export class NginxLexer {
  private pos = 0;
  /** nginx's cf->conf_file->line: 1 plus the LF bytes read so far. */
  line = 1;
  private done = false;

  /** No byte above 0x7f: the words need no UTF-8 decoding (most files; saves a scan per word). */
  private readonly ascii: boolean;

  constructor(private readonly text: string) {
    this.ascii = !HIGH_BYTE.test(text);
  }

  /** The file's bytes as the lexer's text. */
  static fromBytes(data: Buffer): NginxLexer {
    return new NginxLexer(data.toString('latin1'));
  }

  next(): LexResult {
    if (this.done) return { kind: 'eof', line: this.line };
    const text = this.text;
    const size = text.length;
    const words: LexWord[] = [];
    let needSpace = false;
    let lastSpace = true;
    let sharpComment = false;
    let variable = false;
    let quoted = false;
    let sQuoted = false;
    let dQuoted = false;
    let start = this.pos;
    let startLine = this.line;
    let wordQuoted = false;

    const error = (message: string, line = this.line, fatal = false): LexResult => {
      if (fatal) this.done = true;
      return { kind: 'error', message, line, fatal };
    };

    for (;;) {
      if (this.pos >= size) {
        if (words.length > 0 || !lastSpace) {
          return error('unexpected end of file, expecting ";" or "}"', this.line, true);
        }
        this.done = true;
        return { kind: 'eof', line: this.line };
      }

      // nginx refills its 4 KiB buffer from the start of the current word;
      // a word that fills it whole is refused (the "too long parameter" errors).
      if (this.pos - start >= NGX_CONF_BUFFER) {
        const what = dQuoted ? '"' : sQuoted ? "'" : undefined;
        if (what) return error(`too long parameter, probably missing terminating "${what}" character`, startLine, true);
        return error(`too long parameter "${decode(text.slice(start, start + 10))}..." started`, startLine, true);
      }

      const ch = text.charCodeAt(this.pos++);

      if (ch === LF) {
        this.line++;
        sharpComment = false;
      }

      if (sharpComment) continue;

      if (quoted) {
        quoted = false;
        continue;
      }

      if (needSpace) {
        if (isBlank(ch)) {
          lastSpace = true;
          needSpace = false;
          continue;
        }
        if (ch === 0x3b /* ; */) return { kind: 'statement', words, end: ';', line: this.line };
        if (ch === 0x7b /* { */) return { kind: 'statement', words, end: '{', line: this.line };
        if (ch === 0x29 /* ) */) {
          lastSpace = true;
          needSpace = false;
        } else {
          return error(`unexpected "${String.fromCharCode(ch)}"`);
        }
      }

      if (lastSpace) {
        start = this.pos - 1;
        startLine = this.line;
        if (isBlank(ch)) continue;
        wordQuoted = false;
        switch (ch) {
          case 0x3b /* ; */:
          case 0x7b /* { */:
            if (words.length === 0) return error(`unexpected "${String.fromCharCode(ch)}"`);
            return { kind: 'statement', words, end: ch === 0x3b ? ';' : '{', line: this.line };
          case 0x7d /* } */:
            if (words.length !== 0) return error('unexpected "}"');
            return { kind: 'close', line: this.line };
          case 0x23 /* # */:
            sharpComment = true;
            continue;
          case 0x5c /* \ */:
            quoted = true;
            lastSpace = false;
            continue;
          case 0x22 /* " */:
            start++;
            dQuoted = true;
            wordQuoted = true;
            lastSpace = false;
            continue;
          case 0x27 /* ' */:
            start++;
            sQuoted = true;
            wordQuoted = true;
            lastSpace = false;
            continue;
          case 0x24 /* $ */:
            variable = true;
            lastSpace = false;
            continue;
          default:
            lastSpace = false;
        }
      } else {
        if (ch === 0x7b && variable) continue;
        variable = false;
        if (ch === 0x5c) {
          quoted = true;
          continue;
        }
        if (ch === 0x24) {
          variable = true;
          continue;
        }
        let found = false;
        if (dQuoted) {
          if (ch === 0x22) {
            dQuoted = false;
            needSpace = true;
            found = true;
          }
        } else if (sQuoted) {
          if (ch === 0x27) {
            sQuoted = false;
            needSpace = true;
            found = true;
          }
        } else if (isBlank(ch) || ch === 0x3b || ch === 0x7b) {
          lastSpace = true;
          found = true;
        }
        if (found) {
          words.push({
            text: this.ascii
              ? resolveEscapes(text.slice(start, this.pos - 1))
              : decode(resolveEscapes(text.slice(start, this.pos - 1))),
            line: startLine,
            quoted: wordQuoted,
          });
          if (ch === 0x3b) return { kind: 'statement', words, end: ';', line: this.line };
          if (ch === 0x7b) return { kind: 'statement', words, end: '{', line: this.line };
        }
      }
    }
  }
}
