import type { FcgiResponse } from '../../client/request.js';
import type { FcgiClientError } from '../../client/errors.js';
import type { ExpectationResult } from '../../client/expectations.js';
import { formatTarget, type Target } from '../../client/target.js';
import type { Evidence, Finding } from '../../findings/finding.js';
import { fcgiwrapFindings } from './fcgiwrap.js';

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
  const evidence = [requestEvidence(target, err.message)];
  const hint = err.details.hint;
  const base = { evidence, message: hint ? `${err.message}. ${capitalize(hint)}.` : `${err.message}.` };
  switch (err.code) {
    case 'connect-missing':
      return { id: 'socket-missing', severity: 'error', title: 'The socket does not exist', ...base, fix: `Start the backend that should listen on ${where}, or correct the socket path in the configuration.` };
    case 'connect-denied':
      return { id: 'socket-permission-denied', severity: 'error', title: 'Permission denied on the socket', ...base, fix: `Give the connecting user write permission on ${where} (PHP-FPM: listen.owner, listen.group, listen.mode = 0660) and search (x) permission on every parent directory.` };
    case 'connect-refused':
      if (target.kind === 'unix') {
        return { id: 'socket-stale', severity: 'error', title: 'Nobody listens on the socket (stale socket file)', ...base, fix: `Restart the backend; it recreates ${where}. If it is not meant to run, remove the leftover file.` };
      }
      return { id: 'backend-unreachable', severity: 'error', title: 'Nobody listens on the backend port', ...base, fix: `Start the backend on ${where}, or correct the host and port in the configuration.` };
    case 'connect-not-socket':
      return { id: 'socket-not-socket', severity: 'error', title: 'The socket path is not a socket', ...base, fix: `Remove ${where} (a plain file left there) and restart the backend so it creates its socket.` };
    case 'connect-overloaded':
      return { id: 'backend-overloaded', severity: 'error', title: 'The backend refuses connections: its queue is full', ...base, fix: 'Raise the number of workers (PHP-FPM: pm.max_children) or the listen backlog, or find what keeps the workers busy (slow log).' };
    case 'connect-timeout':
    case 'timeout':
      return { id: 'backend-timeout', severity: 'error', title: 'The backend did not answer in time', ...base, fix: 'Find out what the application is waiting for (a slow query, a lock, every worker busy); raise --timeout only if such a wait is normal.' };
    case 'dns':
    case 'connect-failed':
      return { id: 'backend-unreachable', severity: 'error', title: 'The backend cannot be reached', ...base, fix: `Check the address ${where} and that the backend runs there.` };
    default:
      return { id: 'backend-bad-response', severity: 'error', title: 'The backend broke the FastCGI exchange', ...base, fix: 'Look at the application\'s own log for a crash or an exception; make sure the target really is a FastCGI server (not HTTP, not uwsgi\'s own protocol).' };
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function firstLine(text: string, max = 300): string {
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** `sent.script`: the SCRIPT_FILENAME of the request, when the caller knows it (it names the file in a finding). */
export function findingsForResponse(target: Target, response: FcgiResponse, expectations: ExpectationResult[], sent: { script?: string } = {}): Finding[] {
  const findings: Finding[] = [];
  const where = formatTarget(target);
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const bodyStart = response.body.subarray(0, 200).toString('utf8').trim();
  const ev = (text: string) => requestEvidence(target, text);
  const evidence: Evidence[] = [ev(`status ${status}`)];
  if (response.stderr) evidence.push(ev(`stderr: ${firstLine(response.stderr)}`));

  if (response.raw.protocolStatusName !== 'REQUEST_COMPLETE') {
    if (response.raw.protocolStatusName === 'OVERLOADED') {
      findings.push({ id: 'backend-overloaded', severity: 'error', title: 'The backend is overloaded', message: `${where} ended the request with FCGI_OVERLOADED: it has no room for another request.`, evidence: [ev('END_REQUEST protocolStatus OVERLOADED')], fix: 'Raise the number of workers or find what keeps them busy.' });
    } else {
      findings.push({ id: 'backend-bad-response', severity: 'error', title: 'The backend rejected the request', message: `${where} ended the request with ${response.raw.protocolStatusName}${response.raw.protocolStatusName === 'UNKNOWN_ROLE' ? ': it does not play the role that was asked (responder or authorizer)' : ''}.`, evidence: [ev(`END_REQUEST protocolStatus ${response.raw.protocolStatusName}`)], fix: response.raw.protocolStatusName === 'CANT_MPX_CONN' ? 'Send one request per connection.' : 'Use the responder role, as web servers do.' });
    }
    return findings;
  }
  if (response.problems.length > 0) {
    findings.push({ id: 'backend-bad-response', severity: 'error', title: 'The backend sent a malformed response', message: `The response from ${where} is not a valid CGI response: ${response.problems.join('; ')}.`, evidence: [...response.problems.map((p) => ev(p)), ...evidence.slice(1)], fix: 'The application must print its headers, then an empty line, then the body. A crash before any output shows up here too: look at its stderr and log.' });
    return findings;
  }

  const primaryUnknown = /Primary script unknown/i.test(response.stderr) || (response.status === 404 && /^File not found\.?$/.test(bodyStart));
  const accessDenied = response.status === 403 && (/^Access denied\.?$/.test(bodyStart) || /security\.limit_extensions/.test(response.stderr));
  const unexpectedStatus = expectations.find((e) => e.what.startsWith('status') && !e.held);
  // fcgiwrap's own error answers carry their cause: told apart in their own module.
  const wrap = response.status >= 400 ? fcgiwrapFindings(target, response, evidence, sent.script) : undefined;
  if (wrap) {
    findings.push(...wrap.findings);
  } else if (primaryUnknown) {
    findings.push({ id: 'primary-script-unknown', severity: 'error', title: 'The backend cannot find the script (Primary script unknown)', message: `${where} answered ${status}: the script named by SCRIPT_FILENAME does not exist as the backend sees it (another path, another chroot or container, or a typo).`, evidence, fix: 'Make SCRIPT_FILENAME name a file that exists for the backend: check DocumentRoot on the web server side and the backend\'s chroot or container mounts. With ping, pass --script /absolute/path/to/script.php (or --script /ping with ping.path).' });
  } else if (accessDenied) {
    findings.push({ id: 'script-extension-denied', severity: 'error', title: 'PHP-FPM refuses to run the script (security.limit_extensions)', message: `${where} answered ${status}: PHP-FPM only runs files whose extension is in security.limit_extensions (.php by default).`, evidence, fix: 'Send only .php files to PHP-FPM, or add the extension to security.limit_extensions in the pool configuration.' });
  } else if (unexpectedStatus) {
    const server = response.status >= 500;
    findings.push({ id: 'backend-error-status', severity: 'error', title: server ? 'The backend answered with a server error' : `The backend answered ${response.status}`, message: `${where} answered ${status}; expected ${unexpectedStatus.what.replace(/^status /, '')}.${response.stderr ? ' Its stderr says why.' : ''}`, evidence, fix: server ? (response.stderr ? 'Look at the application\'s error output (its stderr, shown above, and its log) for the exception or fatal error.' : 'The application sent nothing on its error stream: look at its own log (and the web server\'s error log) for the exception or fatal error.') : 'Check the request (script, URI, method) or the expectation.' });
  }
  for (const e of expectations) {
    if (e.held || e.what.startsWith('status')) continue;
    findings.push({ id: 'expectation-failed', severity: 'error', title: `Expectation not met: ${e.what}`, message: `Expected ${e.what}; got ${e.actual}.`, evidence: [ev(e.actual)], fix: 'Check what the backend answered (body and headers above) against what the deploy should serve.' });
  }
  if (response.stderr && !primaryUnknown && !wrap?.stderrExplained) {
    const dropped = response.raw.stderrDropped ? ` (and ${response.raw.stderrDropped} more bytes not kept)` : '';
    findings.push({ id: 'app-stderr', severity: 'warning', title: 'The application wrote to stderr', message: `The application wrote to its error stream during the request${dropped}: ${firstLine(response.stderr)}`, evidence: [ev(`stderr: ${firstLine(response.stderr)}`)], fix: 'Read the message: warnings and notices here usually end in the web server\'s error log too.' });
  }
  return findings;
}
