/**
 * The #! line of each script Apache execs. shebang-crlf: Windows line endings
 * make the kernel look for "/usr/bin/perl\r". shebang-interpreter-missing:
 * the interpreter is not there (the classic mod_fastcgi guide's #!/usr/bin/python does not exist
 * on current Debian: /usr/bin/python3 does, and is suggested) or cannot be
 * executed by the user that runs the script, or there is no #! line at all.
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import { confirmedAccessOne, isProbeError, type FileSystem } from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { principalText, statText } from './evidence.js';
import { probeFinding } from './make.js';
import { scriptTargets, type ScriptTarget } from './scriptTargets.js';

/** Where `#!/usr/bin/env NAME` looks (glibc's and Debian's usual PATH). */
const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface Shebang {
  line: string;
  interpreter: string;
  arg?: string;
  crlf: boolean;
}

/** The kernel's reading: "#!", optional blanks, the interpreter, then one optional argument. */
export function parseShebang(head: Buffer): Shebang | undefined {
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const nl = head.indexOf(0x0a);
  const line = head.subarray(0, nl < 0 ? head.length : nl).toString('latin1');
  const crlf = line.endsWith('\r');
  const body = line.slice(2).replace(/^[ \t]+/, '');
  const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(body.replace(/\r$/, ''));
  const out: Shebang = { line, interpreter: m?.[1] ?? '', crlf };
  const arg = m?.[2]?.trim();
  if (arg) out.arg = arg;
  return out;
}

function runnable(fs: FileSystem, p: string): boolean {
  const st = fs.stat(p);
  return !isProbeError(st) && st.type === 'file' && (st.mode & 0o111) !== 0;
}

/** An interpreter that exists for a missing one: python → python3, perl5.30 → perl, ruby2.7 → ruby3.1. */
export function suggestInterpreter(fs: FileSystem, missing: string): string | undefined {
  const dir = path.posix.dirname(missing);
  const base = path.posix.basename(missing);
  const stem = base.replace(/[\d.]+$/, '');
  const dirs = [dir, ...PATH_DIRS.filter((d) => d !== dir)];
  for (const d of dirs) {
    for (const name of [`${stem}3`, stem]) {
      const p = path.posix.join(d, name);
      if (p !== missing && runnable(fs, p)) return p;
    }
  }
  for (const d of dirs) {
    const names = fs.listDir(d);
    if (isProbeError(names)) continue;
    const re = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\d.]+$`);
    const hit = names.filter((n) => re.test(n)).sort((a, b) => a.length - b.length || a.localeCompare(b))[0];
    if (hit && runnable(fs, path.posix.join(d, hit))) return path.posix.join(d, hit);
  }
  return undefined;
}

function interpreterFinding(ctx: ProbeContext, t: ScriptTarget, sb: Shebang): Finding | undefined {
  const fs = ctx.system.fs;
  let interp = sb.interpreter;
  let viaEnv: string | undefined;
  if (path.posix.basename(interp) === 'env' && sb.arg) {
    viaEnv = sb.arg.split(/\s+/).find((a) => !a.startsWith('-'));
    if (!viaEnv) return undefined;
    const found = PATH_DIRS.map((d) => path.posix.join(d, viaEnv ?? '')).find((p) => fs.exists(p));
    if (!found) {
      const suggestion = suggestInterpreter(fs, path.posix.join('/usr/bin', viaEnv));
      return probeFinding({
        id: 'shebang-interpreter-missing',
        severity: 'error',
        title: "The script's interpreter does not exist",
        message: `${t.path} starts with "${sb.line}", but no ${viaEnv} is on the PATH (${PATH_DIRS.join(':')}): exec fails and the application never starts.${suggestion ? ` ${suggestion} exists.` : ''}`,
        setups: [t.setup],
        probe: [`${t.path}: first line "${sb.line}"`, `${viaEnv}: not found in ${PATH_DIRS.join(', ')}`],
        fix: suggestion
          ? `Change the first line to "#!/usr/bin/env ${path.posix.basename(suggestion)}" (and check the script runs under it).`
          : `Install ${viaEnv}, or change the first line to an interpreter that exists.`,
      });
    }
    interp = found;
  }
  const st = fs.stat(interp);
  if (isProbeError(st)) {
    if (st.error === 'denied') {
      ctx.notice(`${interp} is not visible to user ${ctx.facts.viewerName}; run with sudo for the full check.`);
      return undefined;
    }
    const suggestion = suggestInterpreter(fs, interp);
    return probeFinding({
      id: 'shebang-interpreter-missing',
      severity: 'error',
      title: "The script's interpreter does not exist",
      message: `${t.path} starts with "${sb.line}", but ${interp} does not exist: exec fails ("No such file or directory", which names the script, not the interpreter) and the application never starts, with nothing useful in the log.${suggestion ? ` ${suggestion} exists.` : ''}`,
      setups: [t.setup],
      probe: [
        `${t.path}: first line "${sb.line}"`,
        `${interp}: no such file`,
        ...(suggestion ? [`${suggestion}: exists and is executable`] : []),
      ],
      fix: suggestion
        ? `Change the first line to "#!${suggestion}${sb.arg ? ` ${sb.arg}` : ''}" (and check the script runs under it).`
        : `Install the interpreter ${interp}, or change the first line to one that exists.`,
    });
  }
  if (!t.who) return undefined;
  const v = st.type === 'file' ? confirmedAccessOne(fs, ctx.system.access, t.who, interp, ['x']) : undefined;
  if (st.type === 'file' && v?.result !== 'denied') return undefined;
  return probeFinding({
    id: 'shebang-interpreter-missing',
    severity: 'error',
    title: "The script's interpreter cannot be executed",
    message:
      st.type !== 'file'
        ? `${t.path} starts with "${sb.line}", but ${interp} is a ${st.type === 'dir' ? 'directory' : st.type}, not a program.`
        : `${t.path} starts with "${sb.line}", but ${t.whoName} may not execute ${interp}: exec fails with "Permission denied".`,
    setups: [t.setup],
    probe: [
      `${t.path}: first line "${sb.line}"`,
      statText(st, ctx.system.users),
      `runs as: ${principalText(t.who, ctx.system.users)}`,
    ],
    fix:
      st.type !== 'file'
        ? 'Change the first line to the interpreter program itself.'
        : `chmod +x ${v?.result === 'denied' ? v.path : interp}`,
  });
}

/** The #! findings of one script Apache execs (shared with discovery, which finds scripts by walking a site). */
export function shebangFindings(ctx: ProbeContext, t: ScriptTarget): Finding[] {
  const out: Finding[] = [];
  const head = ctx.system.fs.readHead(t.path, 256);
  if (isProbeError(head)) {
    if (head.error === 'denied')
      ctx.notice(
        `${t.path} is not readable by user ${ctx.facts.viewerName}; its #! line was not checked. Run with sudo for the full check.`,
      );
    return out;
  }
  if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return out; // ELF: a compiled program
  const sb = parseShebang(head);
  if (!sb) {
    if (head.length === 0) return out;
    out.push(
      probeFinding({
        id: 'shebang-interpreter-missing',
        severity: 'error',
        title: 'The script has no #! line',
        message: `${t.path} is run directly but neither starts with "#!" nor is a compiled program: exec fails with "Exec format error" and the application never starts.`,
        setups: [t.setup],
        probe: [`${t.path}: first bytes ${JSON.stringify(head.subarray(0, 24).toString('latin1'))}`],
        fix: `Add the interpreter line at the top of ${t.path} (for example "#!/usr/bin/perl"), or run the file through a wrapper (FcgidWrapper).`,
      }),
    );
    return out;
  }
  if (sb.crlf) {
    out.push(
      probeFinding({
        id: 'shebang-crlf',
        severity: 'error',
        title: 'The script has Windows line endings',
        message: `The first line of ${t.path} ends in CR LF, so the kernel looks for an interpreter called "${sb.interpreter}\\r", which does not exist: exec fails with "No such file or directory" although ${sb.interpreter} is there.`,
        setups: [t.setup],
        probe: [`${t.path}: first line ${JSON.stringify(`${sb.line}\n`)}`],
        fix: `Convert the file to Unix line endings: sed -i 's/\\r$//' ${t.path} (or dos2unix ${t.path}), and set your editor or git (core.autocrlf=input) to keep them.`,
      }),
    );
    return out;
  }
  const f = interpreterFinding(ctx, t, sb);
  if (f) out.push(f);
  return out;
}

export const shebangCheck: ProbeCheck = {
  ids: ['shebang-interpreter-missing', 'shebang-crlf'],
  run(ctx) {
    return scriptTargets(ctx).flatMap((t) => shebangFindings(ctx, t));
  },
};
