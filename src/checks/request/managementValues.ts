import type { FcgiClientError } from '../../client/errors.js';
import { formatTarget, type Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';
import { foreignProtocolFinding } from './foreignProtocol.js';
import { findingForClientError } from './outcome.js';

/**
 * What a failed `ping --get-values` means. Management records are optional in
 * practice: web servers never send them, and uWSGI, fcgiwrap and libfcgi apps
 * leave them unanswered. Silence, UNKNOWN_TYPE or a close without an answer is
 * therefore information, not a fault; bytes that break FastCGI framing (or a
 * record for a request that was never sent) are a protocol error; failing to
 * connect is what it is for any request.
 */
export function findingForManagementError(target: Target, err: FcgiClientError): Finding {
  const where = formatTarget(target);
  const evidence = [{ kind: 'request' as const, text: `${where}: ${err.message}` }];
  switch (err.code) {
    case 'management-unanswered':
    case 'closed-early':
      return {
        id: 'management-records-unanswered',
        severity: 'info',
        title: 'The backend does not answer management records (FCGI_GET_VALUES)',
        message:
          `${where} ${err.code === 'closed-early' ? 'closed the connection without answering FCGI_GET_VALUES' : err.message.replace(/^no answer/, 'gave no answer')}. ` +
          'Many FastCGI servers never answer management records (uWSGI, fcgiwrap, applications built on libfcgi); web servers do not send them, so requests are not affected. ' +
          'PHP-FPM answers them as soon as one of its workers is free.',
        evidence,
        fix: 'Nothing to fix. To test the backend, send a real request: fcgi-doctor ping TARGET --script /path/to/script.',
      };
    case 'protocol':
    case 'wrong-request-id':
      return (
        foreignProtocolFinding(target, err) ?? {
          id: 'backend-protocol-error',
          severity: 'error',
          title: 'The backend broke FastCGI framing in its answer to FCGI_GET_VALUES',
          message: `${where} answered FCGI_GET_VALUES with something that is not a valid FastCGI answer: ${err.message}.`,
          evidence,
          fix: `Check what listens on ${where} (ss -xlp or ss -tlnp): an HTTP server, uWSGI's own protocol (socket = instead of fastcgi-socket =) or another service does not speak FastCGI.`,
        }
      );
    default:
      return findingForClientError(target, err);
  }
}
