/**
 * The registry of finding ids: every id fcgi-doctor may emit is declared here,
 * once, with its default severity, its title and the parts of the tool that
 * emit it. Everything else is derived from this list: the FindingId type (a
 * finding with an id not listed here does not type-check), the check of the
 * pages' front matter (docs/findings/<id>.md must agree on severity and title),
 * `fcgi-doctor rules`, the SARIF rule metadata and the tests that scan what the
 * code emits.
 *
 * `contract: true` marks the ids of the public contract (the "Finding ids every
 * part must use" list): scripts and CI pipelines match on them, so they are
 * never renamed or removed. Other ids may be added; add one here, give it a page
 * in docs/findings/<id>.md and the tests find the rest.
 *
 * `severity` is the default: the one a finding of this id usually has, and the
 * one its page states. An emitting site may raise or lower it only in a case
 * named under `also` (a threshold the user asked `status` to fail on is an
 * error even for an id whose default is info).
 *
 * This module has no imports: the build reads it as plain data.
 */

/** A part of the tool that emits findings. */
export type FindingPart =
  /** the Apache configuration checks (src/checks/config) */
  | 'configuration'
  /** the live probes of sockets, files and processes (src/checks/probes) */
  | 'probes'
  /** a real FastCGI request (src/checks/request) */
  | 'request'
  /** a request through the web server (src/checks/http) */
  | 'http'
  /** `fcgi-doctor ping` (its load mode) */
  | 'ping'
  /** `fcgi-doctor status` (src/status) */
  | 'status'
  /** the log catalog (rules/*.yaml, `finding:`) */
  | 'logs'
  /** the suppressions the user wrote (src/findings/suppress.ts): about the tool's own input */
  | 'suppressions'
  /** nginx's configuration and its live side (src/checks/nginx) */
  | 'nginx';

export interface FindingEntry {
  readonly id: string;
  readonly severity: 'error' | 'warning' | 'info';
  /** One line; the page's front-matter title is the same text. */
  readonly title: string;
  /** Who emits it; empty for a contract id no part detects yet (it still has a page). */
  readonly parts: readonly FindingPart[];
  /** An id of the public contract: stable, never renamed. */
  readonly contract?: true;
  /**
   * The other severities some emitting site gives it, each with the case:
   * a test holds every site in the code and in rules/ to `severity` or these.
   */
  readonly also?: { readonly error?: string; readonly warning?: string; readonly info?: string };
}

export const FINDINGS = [
  {
    id: 'app-crash-loop',
    severity: 'error',
    title: 'The FastCGI application dies again and again right after it starts',
    parts: ['logs'],
    contract: true,
  },
  {
    id: 'app-crashed',
    severity: 'error',
    title: 'A FastCGI application process crashed (killed by a signal)',
    parts: ['logs'],
    also: { warning: "mod_fastcgi's own log of a process that died on a signal: fcgi-pm restarts it" },
  },
  {
    id: 'app-exited',
    severity: 'warning',
    title: 'A FastCGI application process exited with an error code',
    parts: ['logs'],
  },
  {
    id: 'app-killed',
    severity: 'warning',
    title: 'A FastCGI worker was killed from outside (SIGTERM or SIGKILL)',
    parts: ['logs'],
  },
  { id: 'app-restarted', severity: 'info', title: 'mod_fastcgi restarted an application process', parts: ['logs'] },
  {
    id: 'app-shutdown-slow',
    severity: 'warning',
    title: 'A FastCGI process did not exit when asked and was killed',
    parts: ['logs'],
  },
  { id: 'app-spawn-failed', severity: 'error', title: 'The FastCGI program could not be started', parts: ['logs'] },
  {
    id: 'app-stderr',
    severity: 'warning',
    title: 'The FastCGI application wrote an error message',
    parts: ['request', 'logs'],
    contract: true,
    also: {
      info: "a CGI script's stderr, a PHP warning or notice: the request was answered",
      error: 'a PHP fatal error or a Python traceback: the request failed',
    },
  },
  {
    id: 'authorization-not-passed',
    severity: 'warning',
    title: 'The Authorization header does not reach the FastCGI application',
    parts: ['configuration'],
  },
  {
    id: 'backend-bad-response',
    severity: 'error',
    title: 'The FastCGI backend broke off or sent a response that is not valid',
    parts: ['request', 'logs'],
    contract: true,
    also: {
      warning: 'a log line of a response cut short or too long (fcgiwrap relay, Content-Length)',
    },
  },
  {
    id: 'backend-bind-failed',
    severity: 'error',
    title: 'The FastCGI server could not open its listening socket or port',
    parts: ['logs'],
  },
  {
    id: 'backend-closed-connection',
    severity: 'error',
    title: 'The FastCGI backend closed the connection in the middle of a request',
    parts: ['logs'],
    also: { warning: 'mod_fcgid could not write the request: it retries with another process' },
  },
  {
    id: 'backend-dns-failure',
    severity: 'warning',
    title: "Apache cannot resolve the FastCGI backend's host name",
    parts: ['logs'],
  },
  {
    id: 'backend-error-status',
    severity: 'error',
    title: 'The FastCGI application answered with an error status',
    parts: ['request', 'http'],
    contract: true,
  },
  {
    id: 'backend-exposed',
    severity: 'warning',
    title: 'The FastCGI backend listens on a network address others can reach',
    parts: ['probes'],
    contract: true,
  },
  {
    id: 'backend-overloaded',
    severity: 'error',
    title: 'The FastCGI backend has no room for more requests',
    parts: ['request', 'status', 'logs'],
    contract: true,
    also: {
      warning: 'near a limit: a log hint (workers spawned fast, no free connection), or a queue at one moment',
    },
  },
  {
    id: 'backend-protocol-error',
    severity: 'error',
    title: 'The program behind the FastCGI address does not speak FastCGI',
    parts: ['request', 'logs'],
    contract: true,
  },
  {
    id: 'backend-timeout',
    severity: 'error',
    title: 'The FastCGI backend did not answer in time',
    parts: ['request', 'status', 'logs'],
    contract: true,
    also: {
      warning: 'a log line of one request cut off by a time limit (FcgidBusyTimeout, flup)',
    },
  },
  {
    id: 'backend-unreachable',
    severity: 'error',
    title: 'The FastCGI backend cannot be reached over the network',
    parts: ['probes', 'request', 'logs'],
    contract: true,
  },
  {
    id: 'client-aborted',
    severity: 'info',
    title: 'The visitor closed the connection before the answer was complete',
    parts: ['logs'],
  },
  {
    id: 'config-analysis-limit',
    severity: 'warning',
    title: 'The configuration is too large or too deep to analyse completely',
    parts: ['configuration', 'nginx'],
  },
  {
    id: 'config-file-unreadable',
    severity: 'warning',
    title: 'A configuration file could not be read',
    parts: ['configuration', 'nginx'],
    also: { error: 'the file that was asked for could not be read: nothing was analysed' },
  },
  {
    id: 'config-syntax-error',
    severity: 'error',
    title: 'Apache would refuse to start with this configuration',
    parts: ['configuration'],
    contract: true,
  },
  {
    id: 'config-variable-undefined',
    severity: 'warning',
    title: 'A ${VARIABLE} used in the Apache configuration is not defined',
    parts: ['configuration'],
  },
  {
    id: 'execcgi-off',
    severity: 'error',
    title: 'Options ExecCGI is off where the FastCGI scripts should run',
    parts: ['configuration', 'logs', 'probes'],
    contract: true,
  },
  {
    id: 'expectation-failed',
    severity: 'error',
    title: "The backend's answer did not match what was expected (body or header)",
    parts: ['request'],
  },
  {
    id: 'fastcgi-auth-misconfigured',
    severity: 'error',
    title: 'A FastCGI authorizer application answered in a way that is not allowed',
    parts: ['logs'],
  },
  {
    id: 'fastcgi-fallback-cgi',
    severity: 'warning',
    title: 'The hosting build of mod_fastcgi fell back to plain CGI after a FastCGI error',
    parts: ['logs'],
  },
  {
    id: 'fastcgi-intercept-errors',
    severity: 'info',
    title: "nginx replaces the backend's error pages with its own (fastcgi_intercept_errors)",
    parts: ['nginx'],
  },
  {
    id: 'fastcgi-param-missing',
    severity: 'error',
    title: 'The web server did not send a FastCGI parameter the application needs',
    parts: ['logs', 'nginx'],
    contract: true,
  },
  {
    id: 'fastcgi-params-dropped',
    severity: 'warning',
    title: 'An inner fastcgi_param drops every fastcgi_param of the outer level',
    parts: ['nginx'],
  },
  {
    id: 'fastcgi-setup-skipped',
    severity: 'warning',
    title: 'A FastCGI setup sits in a block that Apache skips',
    parts: ['configuration'],
  },
  {
    id: 'fastcgi-wrapper-not-set',
    severity: 'warning',
    title: '-user/-group on a mod_fastcgi server do nothing without FastCgiWrapper',
    parts: ['logs'],
  },
  {
    id: 'fcgid-env-dropped',
    severity: 'warning',
    title: 'mod_fcgid dropped some FcgidInitialEnv variables',
    parts: ['logs'],
  },
  {
    id: 'fcgiwrap-script-rejected',
    severity: 'error',
    title: 'fcgiwrap refused to run the requested script',
    parts: ['request', 'logs'],
  },
  {
    id: 'fix-pathinfo-exec',
    severity: 'error',
    title: 'A request for a non-script file can run an uploaded file as PHP',
    parts: ['nginx'],
    contract: true,
  },
  {
    id: 'fix-pathinfo-guarded',
    severity: 'info',
    title: 'Only security.limit_extensions keeps an uploaded file from running as PHP',
    parts: ['nginx'],
  },
  {
    id: 'fpm-client-not-allowed',
    severity: 'error',
    title: "PHP-FPM refuses the web server's address (listen.allowed_clients)",
    parts: ['probes'],
    contract: true,
  },
  {
    id: 'fpm-config-error',
    severity: 'error',
    title: 'The PHP-FPM configuration has an error',
    parts: ['logs', 'probes'],
    contract: true,
  },
  {
    id: 'fpm-max-children-exceeds-memory',
    severity: 'warning',
    title: "PHP-FPM may start more workers than the machine's memory holds (pm.max_children)",
    parts: ['probes'],
  },
  {
    id: 'fpm-pool-unused',
    severity: 'info',
    title: 'A PHP-FPM pool that no FastCGI setup of the web server connects to',
    parts: ['probes'],
  },
  {
    id: 'fpm-socket-orphan',
    severity: 'info',
    title: 'A socket in /run/php that no PHP-FPM pool defines',
    parts: ['probes'],
  },
  {
    id: 'fpm-unknown-child',
    severity: 'warning',
    title: 'PHP-FPM cleaned up a process it had not started',
    parts: ['logs'],
  },
  {
    id: 'handler-lowercased',
    severity: 'error',
    title: 'Apache lower-cases this handler, so it connects to another socket',
    parts: ['configuration'],
  },
  {
    id: 'handler-matches-inner-extension',
    severity: 'warning',
    title: 'AddHandler also runs files like photo.php.jpg as scripts',
    parts: ['configuration'],
    contract: true,
  },
  {
    id: 'handler-not-mapped',
    severity: 'error',
    title: 'mod_fcgid does not know which program should run the requested file',
    parts: ['logs'],
  },
  {
    id: 'htaccess-invalid-command',
    severity: 'error',
    title: 'A .htaccess file holds a directive Apache cannot run there',
    parts: ['probes', 'request'],
    contract: true,
  },
  {
    id: 'httpoxy-not-mitigated',
    severity: 'info',
    title: "A client's Proxy: header reaches the application as HTTP_PROXY (httpoxy)",
    parts: ['nginx'],
    also: { warning: "the pool's PHP (5.x, 7.0) may predate the fix of PHP bug #72573" },
  },
  {
    id: 'include-not-found',
    severity: 'error',
    title: 'An Include line names a file or pattern that matches nothing',
    parts: ['configuration'],
    contract: true,
  },
  {
    id: 'ipc-dir-unwritable',
    severity: 'error',
    title: 'Apache cannot create FastCGI sockets in its socket directory',
    parts: ['probes', 'logs'],
    contract: true,
  },
  {
    id: 'load-requests-failed',
    severity: 'error',
    title: 'Some of the requests sent with --count failed',
    parts: ['ping'],
  },
  {
    id: 'management-records-unanswered',
    severity: 'info',
    title: 'The backend does not answer management records (FCGI_GET_VALUES)',
    parts: ['request'],
  },
  {
    id: 'max-children-reached',
    severity: 'warning',
    title: 'PHP-FPM reached its maximum number of workers',
    parts: ['status', 'logs'],
    contract: true,
    also: { error: 'status --fail-on-new max-children-reached: the user asked status to fail on it' },
  },
  {
    id: 'module-not-loaded',
    severity: 'error',
    title: 'The Apache module a FastCGI setup needs is not loaded',
    parts: ['configuration', 'logs'],
    contract: true,
  },
  {
    id: 'nginx-config-error',
    severity: 'error',
    title: 'nginx refuses its configuration (nginx -t fails)',
    parts: ['nginx'],
    also: { warning: 'a warning nginx prints and starts anyway' },
  },
  {
    id: 'not-php-fpm',
    severity: 'error',
    title: 'The FastCGI server is not PHP-FPM, so it has no status page',
    parts: ['status'],
  },
  {
    id: 'options-mixed-syntax',
    severity: 'error',
    title: 'An Options line mixes names with and without + or -',
    parts: ['configuration'],
    contract: true,
  },
  {
    id: 'pool-busy',
    severity: 'error',
    title: 'The PHP-FPM pool has less room than the threshold asks (idle workers, busy share)',
    parts: ['status'],
  },
  {
    id: 'primary-script-unknown',
    severity: 'error',
    title: 'The backend cannot find the script it was asked to run (Primary script unknown)',
    parts: ['probes', 'request', 'logs'],
    contract: true,
  },
  {
    id: 'process-manager-not-running',
    severity: 'error',
    title: 'The FastCGI process manager is not running, so no application process can start',
    parts: ['probes', 'logs'],
    contract: true,
    also: {
      warning: 'a log line of one request mod_fastcgi could not pass to fcgi-pm: the process manager may be restarting',
    },
  },
  {
    id: 'proxy-routes-static-files',
    severity: 'warning',
    title: 'Every file, not only PHP scripts, is sent to PHP-FPM',
    parts: ['configuration'],
  },
  {
    id: 'proxy-url-invalid',
    severity: 'error',
    title: 'The FastCGI backend address in SetHandler or ProxyPass is malformed',
    parts: ['configuration', 'logs'],
    contract: true,
    also: {
      warning: 'fcgi:// without a port: the address is valid and means port 8000, which is probably, not surely, wrong',
    },
  },
  {
    id: 'proxy-worker-disabled',
    severity: 'warning',
    title: 'Apache put the FastCGI backend in an error state for a while after a failure',
    parts: ['logs'],
  },
  {
    id: 'proxy-worker-shared',
    severity: 'error',
    title: 'Two FastCGI routes share one proxy worker, so both use the first socket',
    parts: ['configuration'],
    contract: true,
  },
  {
    id: 'request-headers-too-large',
    severity: 'warning',
    title: "The request's headers are too large to pass to the FastCGI application",
    parts: ['logs'],
  },
  {
    id: 'request-path-rejected',
    severity: 'info',
    title: 'Apache refused to forward a URL containing control characters or spaces',
    parts: ['logs'],
  },
  {
    id: 'request-spool-failed',
    severity: 'error',
    title: 'mod_fcgid could not write a large request body to a temporary file',
    parts: ['logs'],
  },
  {
    id: 'request-too-large',
    severity: 'error',
    title: 'A request body was larger than mod_fcgid allows (FcgidMaxRequestLen)',
    parts: ['logs'],
    contract: true,
  },
  {
    id: 'route-mismatch',
    severity: 'warning',
    title: 'The web server does not answer as its configuration says',
    parts: ['http', 'nginx'],
    also: {
      info: "the routing model said its prediction was uncertain (Route.uncertain): the model's guess may be what differs",
    },
  },
  {
    id: 'script-extension-denied',
    severity: 'error',
    title: 'PHP-FPM refused to run a file that does not end in .php (security.limit_extensions)',
    parts: ['probes', 'request', 'status', 'logs'],
    contract: true,
  },
  {
    id: 'script-filename-mismatch',
    severity: 'error',
    title: 'nginx sends a SCRIPT_FILENAME that is not the file it resolved',
    parts: ['nginx'],
  },
  {
    id: 'script-missing',
    severity: 'error',
    title: 'The FastCGI program or script does not exist',
    parts: ['probes', 'request', 'logs'],
    contract: true,
  },
  {
    id: 'script-not-executable',
    severity: 'error',
    title: 'The FastCGI program may not be executed',
    parts: ['probes', 'request', 'logs'],
    contract: true,
  },
  {
    id: 'script-outside-open-basedir',
    severity: 'error',
    title: "The pool's open_basedir excludes the scripts the site serves",
    parts: ['probes'],
  },
  {
    id: 'script-unreadable',
    severity: 'error',
    title: 'PHP-FPM found the script but may not read it',
    parts: ['request', 'logs', 'probes'],
    contract: true,
  },
  {
    id: 'server-not-running',
    severity: 'error',
    title: 'Apache is not running, so none of its FastCGI setups can work',
    parts: ['probes', 'nginx'],
    contract: true,
    also: { info: 'a configuration file checked on its own (no --root): which server reads it is unknown' },
  },
  {
    id: 'server-redefined',
    severity: 'error',
    title: 'The same FastCgiServer or FastCgiExternalServer file is defined twice',
    parts: ['configuration'],
    contract: true,
  },
  {
    id: 'server-user-denied',
    severity: 'error',
    title: "The web server's user may not reach the file the request needs",
    parts: ['nginx', 'logs'],
  },
  {
    id: 'shebang-crlf',
    severity: 'error',
    title: 'The script has Windows line endings, so its interpreter line is wrong',
    parts: ['probes', 'request'],
    contract: true,
  },
  {
    id: 'shebang-interpreter-missing',
    severity: 'error',
    title: "The interpreter named on the script's first line does not exist",
    parts: ['probes', 'request'],
    contract: true,
  },
  {
    id: 'site-not-loaded',
    severity: 'error',
    title: 'Apache never reads this configuration file',
    parts: ['configuration', 'nginx'],
    contract: true,
  },
  {
    id: 'slow-request',
    severity: 'info',
    title: "A PHP request was slower than the pool's slow-log threshold",
    parts: ['status', 'logs'],
    also: { error: 'status --fail-on-new slow-requests: the user asked status to fail on it' },
  },
  {
    id: 'socket-in-private-tmp',
    severity: 'warning',
    title: 'A FastCGI socket under /tmp may be invisible to Apache',
    parts: ['configuration', 'probes'],
    also: {
      error:
        "the live check sees it: Apache's unit sets PrivateTmp=true, or the running Apache's mount namespace lacks the socket",
    },
  },
  {
    id: 'socket-missing',
    severity: 'error',
    title: 'The Unix socket of the FastCGI backend does not exist',
    parts: ['probes', 'request', 'logs'],
    contract: true,
  },
  {
    id: 'socket-not-socket',
    severity: 'error',
    title: 'The socket path is an ordinary file or directory, not a socket',
    parts: ['probes', 'request'],
    contract: true,
  },
  {
    id: 'socket-permission-denied',
    severity: 'error',
    title: 'The web server may not connect to the FastCGI socket',
    parts: ['probes', 'request', 'logs'],
    contract: true,
    also: {
      warning:
        "the socket lets the web server in today, but the pool's listen.owner/group/mode will recreate it closed at PHP-FPM's next restart",
    },
  },
  {
    id: 'socket-stale',
    severity: 'error',
    title: 'The socket file exists but no process is listening on it',
    parts: ['probes', 'request', 'logs'],
    contract: true,
    also: { warning: 'mod_fastcgi could not remove an old socket file: a leftover, not yet a failing request' },
  },
  {
    id: 'source-served-as-text',
    severity: 'error',
    title: "The web server sends the script's source code instead of running it",
    parts: ['http', 'nginx'],
    contract: true,
  },
  {
    id: 'split-path-info-unchecked',
    severity: 'error',
    title: 'nginx passes PATH_INFO from fastcgi_split_path_info without checking the script exists',
    parts: ['nginx'],
    contract: true,
  },
  {
    id: 'status-page-exposed',
    severity: 'warning',
    title: "The pool's status or ping page is reachable through the web server",
    parts: ['probes'],
    contract: true,
  },
  {
    id: 'status-page-not-enabled',
    severity: 'error',
    title: 'The PHP-FPM pool does not serve its status page at this path',
    parts: ['status'],
  },
  {
    id: 'status-page-not-status',
    severity: 'error',
    title: "The status path reached a PHP script, or a page that is not the pool's status",
    parts: ['status'],
  },
  {
    id: 'suexec-policy-violation',
    severity: 'error',
    title: 'suexec refused to run the script or wrapper',
    parts: ['logs'],
  },
  {
    id: 'suppression-unused',
    severity: 'info',
    title: 'A suppression matched no finding',
    parts: ['suppressions'],
  },
  {
    id: 'timeouts-inverted',
    severity: 'warning',
    title: "The web server gives up on a request before PHP-FPM's own time limit",
    parts: ['probes'],
  },
  {
    id: 'upstream-header-too-big',
    severity: 'error',
    title: "The application's response headers are larger than nginx's buffer",
    parts: ['logs', 'nginx'],
  },
  {
    id: 'user-mismatch',
    severity: 'warning',
    title: 'The FastCGI application runs as a different user than the setup intends',
    parts: ['probes'],
    contract: true,
  },
  {
    id: 'uwsgi-fastcgi-read-error',
    severity: 'warning',
    title: 'uWSGI could not read a FastCGI request from the web server',
    parts: ['logs'],
  },
  {
    id: 'workers-missing',
    severity: 'error',
    title: 'Fewer FastCGI application processes run than configured',
    parts: ['probes', 'logs'],
    contract: true,
    also: { warning: 'some, not all, of the processes -processes asks for run' },
  },
  {
    id: 'wrapper-user-missing',
    severity: 'error',
    title: "The user mod_fastcgi's suexec wrapper should run the application as does not exist",
    parts: ['logs'],
  },
] as const satisfies readonly FindingEntry[];

/** A registered finding id. */
export type FindingId = (typeof FINDINGS)[number]['id'];

/** The page of an id, relative to the package root. */
export function findingPagePath(id: string): string {
  return `docs/findings/${id}.md`;
}

/**
 * Where the pages are published, for links such as SARIF's helpUri. Empty
 * while the package names no repository (package.json has no "repository"):
 * a page is then named by its path in the package, findingPagePath().
 */
export const FINDING_PAGES_BASE_URL: string = '';
