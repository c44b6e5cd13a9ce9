/**
 * fcgiwrap's own error answers, told apart (gnosek/fcgiwrap fcgiwrap.c):
 *
 * - cgi_error() answers "Status: 403 Forbidden" / "502 Bad Gateway" with the
 *   status line repeated as a text/plain body, and writes its reason to stderr
 *   — on the FastCGI error stream only when fcgiwrap runs with -f, else to its
 *   own stderr (the journal). 403 "Cannot get script name…": get_cgi_filename()
 *   found no file, or one that is not a regular file, or one whose owner x bit
 *   is off (check_file_perms looks at S_IXUSR only). 403 "The given script is
 *   not allowed…", "Script name must be a fully qualified path", "Cannot chdir
 *   …": refused. 502 "Cannot execute script (PATH)": execve() failed (no #!
 *   line, an interpreter that is not there, a CRLF #! line, no x bit for
 *   fcgiwrap's user).
 * - fcgi_finish() answers 502 with "An error occurred while …" when the script
 *   ran but its answer could not be relayed ("reading CGI reply (no response
 *   received)": it printed nothing).
 *
 * When fcgiwrap listens on a Unix socket it runs on this machine, so the
 * script is looked at here (stat and its first line; read-only) to name the
 * cause; otherwise the message lists what fcgiwrap checks.
 */
import { closeSync, constants, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { formatTarget, type Target } from '../../client/target.js';
import type { FcgiResponse } from '../../client/request.js';
import type { Evidence, Finding } from '../../findings/finding.js';

type Kind = 'no-script' | 'rejected' | 'exec-failed' | 'no-reply';

interface Reading {
  kind: Kind;
  /** the script named by fcgiwrap's message, if any */
  script?: string;
  /** fcgiwrap's reason came on the error stream (it runs with -f) */
  fromStderr: boolean;
}

const NO_SCRIPT =
  /^Cannot get script name, are DOCUMENT_ROOT and SCRIPT_NAME \(or SCRIPT_FILENAME\) set and is the script executable\?/;
const REJECTED =
  /^(?:The given script is not allowed to execute|Script name must be a fully qualified path|Cannot chdir to (?:script|FCGI_CHDIR) directory) \((.{0,4096})\)$/;
const EXEC_FAILED = /^Cannot execute script \((.{0,4096})\)$/;

function bodyText(r: FcgiResponse): string {
  return r.body.subarray(0, 200).toString('latin1');
}

/** What fcgiwrap said, from its error stream or, without -f, from the shape of its answer. */
function read(r: FcgiResponse): Reading | undefined {
  const line =
    r.stderr
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  if (NO_SCRIPT.test(line)) return { kind: 'no-script', fromStderr: true };
  const rejected = REJECTED.exec(line);
  if (rejected) return { kind: 'rejected', script: rejected[1], fromStderr: true };
  const exec = EXEC_FAILED.exec(line);
  if (exec) return { kind: 'exec-failed', script: exec[1], fromStderr: true };
  if (r.stderr.trim() !== '') return undefined;
  const body = bodyText(r);
  // cgi_error(): the status line again as the whole body.
  if (r.status === 403 && body === '403 Forbidden\r\n') return { kind: 'no-script', fromStderr: false };
  if (r.status === 502 && body === '502 Bad Gateway\r\n') return { kind: 'exec-failed', fromStderr: false };
  if (r.status === 502 && body.startsWith('An error occurred while reading CGI reply (no response received)'))
    return { kind: 'no-reply', fromStderr: false };
  return undefined;
}

/** The script as this machine sees it: enough to name why fcgiwrap could not find or run it. */
interface LocalView {
  state:
    | 'missing'
    | 'not-file'
    | 'owner-x-off'
    | 'x-off'
    | 'no-shebang'
    | 'crlf'
    | 'interpreter-missing'
    | 'looks-fine';
  detail: string;
}

function firstLine(path: string): string | undefined {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: never wait on something that is not a plain file after all.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n);
    const nl = head.indexOf(0x0a);
    return head.subarray(0, nl < 0 ? head.length : nl).toString('latin1');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function localView(path: string): LocalView | undefined {
  let st;
  try {
    lstatSync(path);
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing', detail: `${path}: no such file on this machine` };
    return undefined; // not visible to us (EACCES): say nothing rather than guess
  }
  const mode = `0${(st.mode & 0o777).toString(8)}`;
  if (!st.isFile())
    return { state: 'not-file', detail: `${path}: ${st.isDirectory() ? 'a directory' : 'not a regular file'}` };
  if ((st.mode & 0o100) === 0)
    return { state: 'owner-x-off', detail: `${path}: mode ${mode}, the owner's x bit is off` };
  const head = firstLine(path);
  if (head === undefined) return undefined;
  if (!head.startsWith('#!'))
    return head.startsWith('\u007fELF')
      ? { state: 'looks-fine', detail: `${path}: a program, mode ${mode}` }
      : { state: 'no-shebang', detail: `${path}: first line "${head.slice(0, 80)}" is no #! line` };
  if (head.endsWith('\r'))
    return { state: 'crlf', detail: `${path}: the #! line ends in a carriage return (Windows line endings)` };
  const interp = head.slice(2).trim().split(/[ \t]/)[0] ?? '';
  try {
    statSync(interp);
  } catch {
    return {
      state: 'interpreter-missing',
      detail: `${path}: first line "${head.slice(0, 80)}", and ${interp} does not exist`,
    };
  }
  if ((st.mode & 0o011) === 0)
    return { state: 'x-off', detail: `${path}: mode ${mode}, only its owner may execute it` };
  return { state: 'looks-fine', detail: `${path}: mode ${mode}, first line "${head.slice(0, 80)}"` };
}

const GET_THE_REASON =
  'fcgiwrap writes its reason to its own stderr (journalctl -u fcgiwrap), or into the response when started with -f';

/**
 * Findings for an answer fcgiwrap made itself, or undefined when the answer is
 * not fcgiwrap's (then the generic classification applies). `script` is the
 * SCRIPT_FILENAME that was sent, when known.
 */
export function fcgiwrapFindings(
  target: Target,
  response: FcgiResponse,
  evidence: Evidence[],
  script?: string,
): { findings: Finding[]; stderrExplained: boolean } | undefined {
  const reading = read(response);
  if (!reading) return undefined;
  const where = formatTarget(target);
  const path = reading.script ?? script;
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const local = path && target.kind === 'unix' ? localView(path) : undefined;
  const ev: Evidence[] = [
    ...evidence,
    ...(reading.fromStderr
      ? []
      : [
          {
            kind: 'request' as const,
            text: `${where}: body ${JSON.stringify(bodyText(response).slice(0, 80))} (fcgiwrap's own error page)`,
          },
        ]),
  ];
  if (local) ev.push({ kind: 'probe', text: local.detail });
  const named = path ?? 'the script';
  const done = (f: Finding) => ({ findings: [f], stderrExplained: reading.fromStderr });
  switch (reading.kind) {
    case 'rejected':
      return done({
        id: 'fcgiwrap-script-rejected',
        severity: 'error',
        title: 'fcgiwrap refused to run the script',
        message: `${where} answered ${status}: fcgiwrap refused ${named}: ${response.stderr.trim().split('\n')[0]}.`,
        evidence: ev,
        fix: 'Send an absolute SCRIPT_FILENAME of a script fcgiwrap may run (its -p list), in a directory its user may enter.',
      });
    case 'no-script': {
      const base = `${where} answered ${status}: fcgiwrap found no script it could run at ${named}. It runs only an existing regular file whose owner x bit is set.`;
      if (local?.state === 'missing')
        return done({
          id: 'script-missing',
          severity: 'error',
          title: 'fcgiwrap cannot find the script',
          message: `${base} There is no such file.`,
          evidence: ev,
          fix: `Install the script at ${named}, or send the path of one that exists (SCRIPT_FILENAME, or DOCUMENT_ROOT + SCRIPT_NAME).`,
        });
      if (local?.state === 'owner-x-off' || local?.state === 'not-file') {
        return done({
          id: 'script-not-executable',
          severity: 'error',
          title: 'fcgiwrap will not run the script: it is not executable',
          message: `${base} ${local.state === 'not-file' ? 'It is not a regular file.' : "Its owner's x bit is off."}`,
          evidence: ev,
          fix:
            local.state === 'not-file'
              ? 'Send the path of the script file itself.'
              : `chmod 755 ${named} (fcgiwrap looks at the owner's x bit).`,
        });
      }
      return done({
        id: 'primary-script-unknown',
        severity: 'error',
        title: 'fcgiwrap cannot find the script to run',
        message: `${base} Either no SCRIPT_FILENAME (or DOCUMENT_ROOT and SCRIPT_NAME) arrived, the file is not there as fcgiwrap sees it, or it is not executable.${reading.fromStderr ? '' : ` The reason is not in the answer: ${GET_THE_REASON}.`}`,
        evidence: ev,
        fix: `Check that ${named} exists where fcgiwrap runs and is executable (ls -l ${named}; chmod 755 it), and that the web server sends SCRIPT_FILENAME.`,
      });
    }
    case 'exec-failed': {
      const base = `${where} answered ${status}: fcgiwrap could not execute ${named} (execve failed).`;
      if (local?.state === 'interpreter-missing')
        return done({
          id: 'shebang-interpreter-missing',
          severity: 'error',
          title: "The script's interpreter does not exist",
          message: `${base} ${local.detail}.`,
          evidence: ev,
          fix: `Install the interpreter, or change the first line of ${named} to one that exists.`,
        });
      if (local?.state === 'crlf')
        return done({
          id: 'shebang-crlf',
          severity: 'error',
          title: 'The script has Windows line endings',
          message: `${base} Its #! line ends in a carriage return, so the kernel looks for an interpreter whose name ends in \\r.`,
          evidence: ev,
          fix: `sed -i 's/\\r$//' ${named} (or dos2unix ${named}).`,
        });
      const why =
        local?.state === 'no-shebang'
          ? 'It has no #! line and is not a program.'
          : local?.state === 'x-off'
            ? "Only its owner may execute it, and fcgiwrap's user is someone else."
            : 'The usual causes: no #! line, a #! interpreter that is not there, Windows line endings on the #! line, or no x bit for the user fcgiwrap runs as.';
      return done({
        id: 'script-not-executable',
        severity: 'error',
        title: 'fcgiwrap could not execute the script',
        message: `${base} ${why}${reading.fromStderr ? '' : ` (${GET_THE_REASON}.)`}`,
        evidence: ev,
        fix:
          local?.state === 'x-off'
            ? `chmod 755 ${named}`
            : `Run it by hand as fcgiwrap's user (sudo -u www-data ${named}) to see why it does not start.`,
      });
    }
    case 'no-reply':
      return done({
        id: 'backend-bad-response',
        severity: 'error',
        title: 'The CGI script behind fcgiwrap printed nothing',
        message: `${where} answered ${status}: fcgiwrap ran ${named}, but it printed no response (it exited or failed before writing its headers).`,
        evidence: ev,
        fix: `Run it by hand as fcgiwrap's user (sudo -u www-data ${named}) and read what it prints; it must print its headers, an empty line, then the body.`,
      });
  }
}
