import type { FcgiResponse } from '../../client/request.js';
import type { FcgiClientError } from '../../client/errors.js';
import type { ExpectationResult } from '../../client/expectations.js';
import { formatTarget, type Target } from '../../client/target.js';
import { escapeBytes } from '../../protocol/foreignProtocol.js';
import type { Evidence, Finding } from '../../findings/finding.js';
import { fcgiwrapFindings } from './fcgiwrap.js';
import { foreignProtocolFinding, silentCloseCause } from './foreignProtocol.js';

/**
 * Turns the outcome of one real FastCGI request into findings with contract
 * ids. Shared by `ping` and by `check`'s request step, so both name a cause
 * the same way.
 */

function requestEvidence(target: Target, text: string): Evidence {
  return { kind: 'request', text: `${formatTarget(target)}: ${text}` };
}

export function findingForClientError(target: Target, err: FcgiClientError): Finding {
  const where = formatTarget(target);
  const foreign = foreignProtocolFinding(target, err);
  if (foreign) return foreign;
  const evidence = [requestEvidence(target, err.message)];
  const uwsgiNative = silentCloseCause(err);
  const hint = [err.details.hint, uwsgiNative].filter(Boolean).join('. ');
  const base = { evidence, message: hint ? `${err.message}. ${capitalize(hint)}.` : `${err.message}.` };
  switch (err.code) {
    case 'connect-missing':
      return {
        id: 'socket-missing',
        severity: 'error',
        title: 'The socket does not exist',
        ...base,
        fix: `Start the backend that should listen on ${where}, or correct the socket path in the configuration.`,
      };
    case 'connect-denied':
      return {
        id: 'socket-permission-denied',
        severity: 'error',
        title: 'Permission denied on the socket',
        ...base,
        fix: `Give the connecting user write permission on ${where} (PHP-FPM: listen.owner, listen.group, listen.mode = 0660) and search (x) permission on every parent directory.`,
      };
    case 'connect-refused':
      if (target.kind === 'unix') {
        return {
          id: 'socket-stale',
          severity: 'error',
          title: 'Nobody listens on the socket (stale socket file)',
          ...base,
          fix: `Restart the backend; it recreates ${where}. If it is not meant to run, remove the leftover file.`,
        };
      }
      return {
        id: 'backend-unreachable',
        severity: 'error',
        title: 'Nobody listens on the backend port',
        ...base,
        fix: `Start the backend on ${where}, or correct the host and port in the configuration.`,
      };
    case 'connect-not-socket':
      return {
        id: 'socket-not-socket',
        severity: 'error',
        title: 'The socket path is not a socket',
        ...base,
        fix: `Check that ${where} is the path the backend listens on. If it is, a file left there keeps the backend from creating its socket: look at what it holds, move it aside and restart the backend.`,
      };
    case 'connect-is-directory':
      // A typo such as /run/php for /run/php/php8.2-fpm.sock: never advise removing a directory.
      return {
        id: 'socket-not-socket',
        severity: 'error',
        title: 'The target is a directory, not a socket',
        ...base,
        fix: `Name the socket inside the directory, such as ${where.replace(/\/+$/, '')}/NAME.sock (ls -l ${where} lists what is there); the directory itself is fine as it is.`,
      };
    case 'connect-path-too-long':
      return {
        id: 'backend-unreachable',
        severity: 'error',
        title: 'The socket path is too long for a Unix socket',
        ...base,
        fix: `Use a socket path of at most 107 bytes (the kernel's limit for a Unix socket address), or make ${where}'s directory readable so it can be reached through it.`,
      };
    case 'connect-overloaded':
      return {
        id: 'backend-overloaded',
        severity: 'error',
        title: 'The backend refuses connections: its queue is full',
        ...base,
        fix: 'Raise the number of workers (PHP-FPM: pm.max_children) or the listen backlog, or find what keeps the workers busy (slow log).',
      };
    case 'connect-timeout':
    case 'timeout':
      return {
        id: 'backend-timeout',
        severity: 'error',
        title: 'The backend did not answer in time',
        ...base,
        fix: 'Find out what the application is waiting for (a slow query, a lock, every worker busy); raise --timeout only if such a wait is normal.',
      };
    case 'dns':
    case 'connect-failed':
      return {
        id: 'backend-unreachable',
        severity: 'error',
        title: 'The backend cannot be reached',
        ...base,
        fix: `Check the address ${where} and that the backend runs there.`,
      };
    case 'protocol':
    case 'wrong-request-id':
      return {
        id: 'backend-protocol-error',
        severity: 'error',
        title: 'The backend broke FastCGI framing',
        ...base,
        evidence: err.details.received?.length
          ? [...evidence, requestEvidence(target, `first bytes received: ${escapeBytes(err.details.received)}`)]
          : evidence,
        fix: `Check what listens on ${where} (ss -tlnp or ss -xlp): a program that is not a FastCGI server (plain CGI, an HTTP server, uWSGI's own protocol, another service) answers there. Point the web server at the FastCGI server, or start the program in FastCGI mode.`,
      };
    default:
      return {
        id: 'backend-bad-response',
        severity: 'error',
        title: 'The backend broke the FastCGI exchange',
        ...base,
        fix: "Look at the application's own log for a crash or an exception; make sure the target really is a FastCGI server (not HTTP, not uwsgi's own protocol).",
      };
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function firstLine(text: string, max = 300): string {
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** What was asked for, when the caller knows: the SCRIPT_FILENAME sent, and whether the user chose it. */
export interface SentScript {
  scriptFilename?: string;
  /** false: ping's default SCRIPT_FILENAME=/ went out because no --script was given */
  scriptGiven: boolean;
}

export function findingsForResponse(
  target: Target,
  response: FcgiResponse,
  expectations: ExpectationResult[],
  sent?: SentScript,
): Finding[] {
  const findings: Finding[] = [];
  const where = formatTarget(target);
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const bodyStart = response.body.subarray(0, 200).toString('utf8').trim();
  const ev = (text: string) => requestEvidence(target, text);
  const evidence: Evidence[] = [ev(`status ${status}`)];
  if (response.stderr) evidence.push(ev(`stderr: ${firstLine(response.stderr)}`));

  if (response.raw.protocolStatusName !== 'REQUEST_COMPLETE') {
    if (response.raw.protocolStatusName === 'OVERLOADED') {
      findings.push({
        id: 'backend-overloaded',
        severity: 'error',
        title: 'The backend is overloaded',
        message: `${where} ended the request with FCGI_OVERLOADED: it has no room for another request.`,
        evidence: [ev('END_REQUEST protocolStatus OVERLOADED')],
        fix: 'Raise the number of workers or find what keeps them busy.',
      });
    } else {
      findings.push({
        id: 'backend-bad-response',
        severity: 'error',
        title: 'The backend rejected the request',
        message: `${where} ended the request with ${response.raw.protocolStatusName}${response.raw.protocolStatusName === 'UNKNOWN_ROLE' ? ': it does not play the role that was asked (responder or authorizer)' : ''}.`,
        evidence: [ev(`END_REQUEST protocolStatus ${response.raw.protocolStatusName}`)],
        fix:
          response.raw.protocolStatusName === 'CANT_MPX_CONN'
            ? 'Send one request per connection.'
            : 'Use the responder role, as web servers do.',
      });
    }
    return findings;
  }
  if (response.problems.length > 0) {
    findings.push({
      id: 'backend-bad-response',
      severity: 'error',
      title: 'The backend sent a malformed response',
      message: `The response from ${where} is not a valid CGI response: ${response.problems.join('; ')}.`,
      evidence: [...response.problems.map((p) => ev(p)), ...evidence.slice(1)],
      fix: 'The application must print its headers, then an empty line, then the body. A crash before any output shows up here too: look at its stderr and log.',
    });
    return findings;
  }

  const failure = classifyScriptFailure(response, bodyStart, sent?.scriptFilename);
  const unexpectedStatus = expectations.find((e) => e.what.startsWith('status') && !e.held);
  // ping without --script sends SCRIPT_FILENAME=/: when the backend says it has no such script, say so first.
  // (Other statuses say nothing of it: uWSGI and libfcgi apps route by URI, not by script.)
  const noScript =
    sent && !sent.scriptGiven
      ? ` No script was given: ping sent SCRIPT_FILENAME=${sent.scriptFilename ?? '/'}, which names no script.`
      : '';
  const noScriptFix =
    "Name a script with --script /absolute/path/to/script.php (or --script /ping for PHP-FPM's ping.path).";
  // fcgiwrap's own error answers carry their cause: told apart in their own module.
  const wrap = response.status >= 400 ? fcgiwrapFindings(target, response, evidence, sent?.scriptFilename) : undefined;
  if (wrap) {
    findings.push(...wrap.findings);
  } else if (failure) {
    findings.push(scriptFailureFinding(failure, where, status, evidence, noScript, noScriptFix));
  } else if (unexpectedStatus) {
    const server = response.status >= 500;
    findings.push({
      id: 'backend-error-status',
      severity: 'error',
      title: server ? 'The backend answered with a server error' : `The backend answered ${response.status}`,
      message: `${where} answered ${status}; expected ${unexpectedStatus.what.replace(/^status /, '')}.${response.stderr ? ' Its stderr says why.' : ''}`,
      evidence,
      fix: server
        ? response.stderr
          ? "Look at the application's error output (its stderr, shown above, and its log) for the exception or fatal error."
          : "The application sent nothing on its error stream: look at its own log (and the web server's error log) for the exception or fatal error."
        : 'Check the request (script, URI, method) or the expectation.',
    });
  }
  for (const e of expectations) {
    if (e.held || e.what.startsWith('status')) continue;
    findings.push({
      id: 'expectation-failed',
      severity: 'error',
      title: `Expectation not met: ${e.what}`,
      message: `Expected ${e.what}; got ${e.actual}.`,
      evidence: [ev(e.actual)],
      fix: 'Check what the backend answered (body and headers above) against what the deploy should serve.',
    });
  }
  // The stderr line that was classified is the finding's evidence already; a second finding would repeat it.
  if (response.stderr && !failure && !wrap?.stderrExplained) {
    const dropped = response.raw.stderrDropped ? ` (and ${response.raw.stderrDropped} more bytes not kept)` : '';
    findings.push({
      id: 'app-stderr',
      severity: 'warning',
      title: 'The application wrote to stderr',
      message: `The application wrote to its error stream during the request${dropped}: ${firstLine(response.stderr)}`,
      evidence: [ev(`stderr: ${firstLine(response.stderr)}`)],
      fix: "Read the message: warnings and notices here usually end in the web server's error log too.",
    });
  }
  return findings;
}

/**
 * PHP-FPM's own words for a script it will not run (fpm_main.c), sent as
 * FastCGI stderr while fastcgi.logging is on (the default):
 * - "Primary script unknown" (404 File not found.): no such file as SCRIPT_FILENAME says;
 * - "Access to the script 'X' has been denied (see security.limit_extensions)" (403 Access denied.);
 * - "Unable to open primary script: X (Permission denied)" (403 Access denied.): the pool's user may not read it;
 * - "Unable to open primary script: X (No such file or directory)" (404 No input file specified.).
 * Without stderr only the body is left: "Access denied." then means either of
 * the 403 causes, told apart by the extension (.php and .phar pass the default
 * security.limit_extensions).
 */
export type ScriptFailure =
  | { kind: 'primary-script-unknown' }
  | { kind: 'script-extension-denied'; path?: string }
  | { kind: 'script-unreadable'; path?: string; inferred: boolean }
  | { kind: 'script-missing'; path?: string };

export function classifyScriptFailure(
  response: Pick<FcgiResponse, 'status' | 'stderr'>,
  bodyStart: string,
  scriptFilename?: string,
): ScriptFailure | undefined {
  // FPM's words come first; a bounded head and bounded paths keep the patterns linear on a hostile stderr.
  const stderr = response.stderr.slice(0, 16 * 1024);
  const open = /Unable to open primary script: (.{1,4096}?) \((Permission denied|No such file or directory)\)/.exec(
    stderr,
  );
  if (open)
    return open[2] === 'Permission denied'
      ? { kind: 'script-unreadable', path: open[1], inferred: false }
      : { kind: 'script-missing', path: open[1] };
  const ext = /Access to the script '(.{1,4096}?)' has been denied \(see security\.limit_extensions\)/.exec(stderr);
  if (ext) return { kind: 'script-extension-denied', path: ext[1] };
  if (/Primary script unknown/i.test(stderr)) return { kind: 'primary-script-unknown' };
  if (stderr.trim()) return undefined;
  if (response.status === 404 && /^File not found\.?$/.test(bodyStart)) return { kind: 'primary-script-unknown' };
  if (response.status === 404 && /^No input file specified\.?$/.test(bodyStart))
    return { kind: 'script-missing', path: scriptFilename };
  if (response.status === 403 && /^Access denied\.?$/.test(bodyStart)) {
    return scriptFilename && /\.(php|phar)$/i.test(scriptFilename)
      ? { kind: 'script-unreadable', path: scriptFilename, inferred: true }
      : { kind: 'script-extension-denied', path: scriptFilename };
  }
  return undefined;
}

function scriptFailureFinding(
  failure: ScriptFailure,
  where: string,
  status: string,
  evidence: Evidence[],
  noScript: string,
  noScriptFix: string,
): Finding {
  const script = 'path' in failure && failure.path ? failure.path : 'the script';
  switch (failure.kind) {
    case 'primary-script-unknown':
      return {
        id: 'primary-script-unknown',
        severity: 'error',
        title: noScript
          ? 'No script was given, and the backend found none to run (Primary script unknown)'
          : 'The backend cannot find the script (Primary script unknown)',
        message: noScript
          ? `${where} answered ${status}.${noScript}`
          : `${where} answered ${status}: the script named by SCRIPT_FILENAME does not exist as the backend sees it (another path, another chroot or container, or a typo).`,
        evidence,
        fix: noScript
          ? noScriptFix
          : "Make SCRIPT_FILENAME name a file that exists for the backend: check DocumentRoot on the web server side and the backend's chroot or container mounts. With ping, pass --script /absolute/path/to/script.php (or --script /ping with ping.path).",
      };
    case 'script-missing':
      return {
        id: 'script-missing',
        severity: 'error',
        title: 'The script does not exist where the backend looks',
        message: `${where} answered ${status}: PHP-FPM could not open ${script} (No such file or directory): it is not there as the pool sees it (a typo, a deploy that moved it, another chroot or container).${noScript}`,
        evidence,
        fix: noScript
          ? noScriptFix
          : `Check that ${script} exists for the pool (ls -l ${script}; inside its chroot or container if it has one), or correct the script path the web server sends.`,
      };
    case 'script-extension-denied':
      return {
        id: 'script-extension-denied',
        severity: 'error',
        title: 'PHP-FPM refuses to run the script (security.limit_extensions)',
        message: `${where} answered ${status}: PHP-FPM only runs files whose extension is in security.limit_extensions (.php and .phar by default), and ${script} is not one.${noScript}`,
        evidence,
        fix: noScript
          ? noScriptFix
          : 'Send only PHP scripts to PHP-FPM (a handler that matches only .php), or, if this file really is PHP, add its extension to security.limit_extensions in the pool configuration.',
      };
    case 'script-unreadable':
      return {
        id: 'script-unreadable',
        severity: 'error',
        title: 'PHP-FPM may not read the script (Permission denied)',
        message: failure.inferred
          ? `${where} answered ${status} ("Access denied.") without saying why; for a .php script that means the pool's user may not read ${script} or enter a directory above it.`
          : `${where} answered ${status}: PHP-FPM found ${script} but the user its workers run as may not read it, or may not enter a directory above it.`,
        evidence,
        fix: `Let the pool's user read ${script} and search (x) every directory above it (namei -l ${script} shows each step), or run the pool as the files' owner.`,
      };
  }
}
