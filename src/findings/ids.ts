/**
 * The finding ids of the public contract (shared/contract.md). Never rename one:
 * scripts and CI pipelines match on them. Add new ids at the end of a group.
 */
export const FINDING_IDS = {
  configuration: [
    'config-syntax-error',
    'options-mixed-syntax',
    'include-not-found',
    'site-not-loaded',
    'module-not-loaded',
    'execcgi-off',
    'proxy-url-invalid',
    'proxy-worker-shared',
    'server-redefined',
  ],
  scripts: ['script-missing', 'script-not-executable', 'shebang-interpreter-missing', 'shebang-crlf', 'script-unreadable'],
  sockets: [
    'socket-missing',
    'socket-not-socket',
    'socket-permission-denied',
    'socket-stale',
    'ipc-dir-unwritable',
    'backend-exposed',
  ],
  processes: ['server-not-running', 'process-manager-not-running', 'workers-missing', 'user-mismatch'],
  request: [
    'backend-unreachable',
    'backend-timeout',
    'backend-bad-response',
    'backend-error-status',
    'primary-script-unknown',
    'backend-overloaded',
    'management-records-unanswered',
    'backend-protocol-error',
  ],
  logs: ['app-crash-loop', 'app-stderr', 'request-too-large', 'max-children-reached', 'script-extension-denied'],
  // About the tool's own input: a suppression (suppress.ts) that matched no finding.
  suppressions: ['suppression-unused'],
} as const;

type Groups = typeof FINDING_IDS;
export type FindingId = Groups[keyof Groups][number];

export const ALL_FINDING_IDS: readonly FindingId[] = Object.values(FINDING_IDS).flat();

export function isFindingId(id: string): id is FindingId {
  return (ALL_FINDING_IDS as readonly string[]).includes(id);
}
