/**
 * apply_rewrite_cond (mod_rewrite.c): one RewriteCond against what the model
 * knows. File tests go through the FileSystem interface; a value the model
 * cannot know makes the condition undecidable: it is reported and taken as
 * failed (the branch httpd takes when the condition does not hold), never
 * guessed silently.
 */
import { isProbeError, type FileSystem } from '../../../system/types.js';
import { expand, type Backrefs, type ExpandContext } from './expand.js';
import { atoi, type CompiledCond } from './parse.js';
import { runRegex } from './regex.js';

export interface CondResult {
  /** After negation. */
  ok: boolean;
  /** The test string after expansion. */
  input: string;
  /** Set when the result is assumed (the reason), i.e. undecidable. */
  assumed?: string;
  /** Backreferences for %N when a (non-negated) regex matched. */
  backrefs?: Backrefs;
}

/** compare_lexicography: a longer string is greater; equal lengths compare bytewise. */
function lexCompare(a: string, b: string): number {
  if (a.length !== b.length) return a.length > b.length ? 1 : -1;
  return a === b ? 0 : a > b ? 1 : -1;
}

function caseCompare(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y ? 0 : x > y ? 1 : -1;
}

type Test = { ok: boolean; assumed?: string; backrefs?: Backrefs };

function fileTest(c: CompiledCond, input: string, fs: FileSystem): Test {
  const st = c.type === '-l' ? fs.lstat(input) : fs.stat(input);
  if (isProbeError(st)) {
    if (st.error === 'missing') return { ok: false };
    return { ok: false, assumed: `whether ${input} exists (${st.message})` };
  }
  switch (c.type) {
    case '-f':
      return { ok: st.type === 'file' };
    case '-s':
      return { ok: st.type === 'file' && st.size > 0 };
    case '-d':
      return { ok: st.type === 'dir' };
    case '-x':
      return { ok: (st.mode & 0o111) !== 0 };
    default:
      return { ok: st.type === 'symlink' };
  }
}

export function evalCond(c: CompiledCond, cx: ExpandContext, fs: FileSystem): CondResult {
  let unknown: string | undefined;
  const input = expand(c.input, {
    ...cx,
    unknown: (w) => {
      unknown ??= w;
      cx.unknown(w);
    },
  }).text;
  const done = (t: Test): CondResult => {
    const ok = c.negate ? !t.ok : t.ok;
    if (t.assumed) return { ok: false, input, assumed: t.assumed };
    return { ok, input, ...(t.backrefs && !c.negate ? { backrefs: t.backrefs } : {}) };
  };
  if (unknown !== undefined) return { ok: false, input, assumed: unknown };
  if (c.error) return { ok: false, input, assumed: c.error };
  switch (c.type) {
    case 'expr':
      return { ok: false, input, assumed: `the ap_expr expression "${c.pattern}", which this model does not evaluate` };
    case '-U':
    case '-F':
      return {
        ok: false,
        input,
        assumed: `a ${c.type} sub-request for ${input}, which this model does not run`,
      };
    case '-f':
    case '-s':
    case '-d':
    case '-x':
    case '-l':
      return done(fileTest(c, input, fs));
    case 'str=':
      return done({ ok: c.noCase ? caseCompare(input, c.pattern) === 0 : input === c.pattern });
    case 'str<':
    case 'str<=':
    case 'str>':
    case 'str>=': {
      const r = c.noCase ? caseCompare(input, c.pattern) : lexCompare(input, c.pattern);
      const ok = c.type === 'str<' ? r < 0 : c.type === 'str<=' ? r <= 0 : c.type === 'str>' ? r > 0 : r >= 0;
      return done({ ok });
    }
    case 'int=':
    case 'int<':
    case 'int<=':
    case 'int>':
    case 'int>=': {
      const a = atoi(input);
      const b = atoi(c.pattern);
      const ok =
        c.type === 'int='
          ? a === b
          : c.type === 'int<'
            ? a < b
            : c.type === 'int<='
              ? a <= b
              : c.type === 'int>'
                ? a > b
                : a >= b;
      return done({ ok });
    }
    default: {
      const run = runRegex(c.regex ?? { error: 'no regex' }, input);
      if ('skipped' in run) return { ok: false, input, assumed: run.skipped };
      return done({ ok: run.match !== null, ...(run.match ? { backrefs: { source: input, match: run.match } } : {}) });
    }
  }
}
