import { SEVERITY_RANK, type Finding } from './finding.js';

/**
 * Root causes first: a configuration Apache refuses comes before a missing
 * interpreter, which comes before the crash loop it causes, which comes
 * before the failed request it causes. Ids not listed rank with their layer's
 * neighbours by severity.
 */
const CAUSE_ORDER: readonly string[] = [
  // the configuration, as Apache reads it
  'config-file-unreadable',
  'config-syntax-error',
  'nginx-config-error',
  'options-mixed-syntax',
  'include-not-found',
  'server-redefined',
  'module-not-loaded',
  'site-not-loaded',
  'proxy-url-invalid',
  'proxy-worker-shared',
  'handler-lowercased',
  'execcgi-off',
  // the params nginx sends (a missing or wrong SCRIPT_FILENAME is why the backend answers "Primary script unknown")
  'fastcgi-param-missing',
  'script-filename-mismatch',
  'fastcgi-params-dropped',
  'split-path-info-unchecked',
  'fix-pathinfo-exec',
  'fix-pathinfo-guarded',
  // the application's files
  'script-missing',
  'script-not-executable',
  'script-outside-open-basedir',
  'shebang-interpreter-missing',
  'shebang-crlf',
  // processes
  'server-not-running',
  'process-manager-not-running',
  'workers-missing',
  'app-crash-loop',
  // sockets and ports
  'socket-missing',
  'socket-not-socket',
  'socket-permission-denied',
  'socket-stale',
  'ipc-dir-unwritable',
  'backend-unreachable',
  'user-mismatch',
  'backend-exposed',
  // what a request meets
  'primary-script-unknown',
  'script-extension-denied',
  'max-children-reached',
  'backend-overloaded',
  'backend-timeout',
  'timeouts-inverted',
  'request-too-large',
  'backend-bad-response',
  'upstream-header-too-big',
  'backend-error-status',
  'expectation-failed',
  'load-requests-failed',
  'app-stderr',
];

const rank = new Map(CAUSE_ORDER.map((id, i) => [id, i]));

export function causeRank(id: string): number {
  return rank.get(id) ?? CAUSE_ORDER.length;
}

/** Errors before warnings before info; within a severity, causes before consequences. Stable. */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || causeRank(a.f.id) - causeRank(b.f.id) || a.i - b.i,
    )
    .map(({ f }) => f);
}
