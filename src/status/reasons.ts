/**
 * Why the status page could not be read, in words and with the fix: the
 * status path not enabled (and where to enable it), blocked by
 * security.limit_extensions, a PHP script that answered instead, not PHP-FPM
 * at all, and connect failures in the words `check` and `ping` use (passed in
 * by the caller: src/checks/request/outcome.ts) with the missing permission
 * bit when the caller could compute it.
 */
import type { FcgiClientError } from '../client/errors.js';
import { formatTarget, type Target } from '../client/target.js';
import type { Evidence, Finding } from '../findings/finding.js';
import { chmodFix, denialText } from '../system/denial.js';
import type { PoolFacts } from './pool.js';
import type { StatusRead } from './read.js';

/** The words for a failed request, shared with ping and check (findingForClientError). */
export type ClientErrorDescriber = (target: Target, err: FcgiClientError) => Finding;

/**
 * Who may not reach the socket and why: src/system's mayConnect verdict for
 * this process, names resolved, passed in by the caller.
 */
export interface AccessInfo {
  /** the user this process runs as, and its uid */
  user: string;
  uid: number;
  /** the path whose bits refuse: the socket or a directory above it */
  path: string;
  isSocket: boolean;
  missing: ('r' | 'w' | 'x')[];
  /** which class of bits applied */
  cls: 'owner' | 'group' | 'other';
  /** "srw-rw----" */
  modeText: string;
  owner: string;
  group: string;
}

export interface ReasonContext {
  target: Target;
  path: string;
  pool?: PoolFacts;
  access?: AccessInfo;
  describeClientError: ClientErrorDescriber;
}

/**
 * The PHP version in a Debian path: /etc/php/8.3/fpm/pool.d/www.conf, or the
 * package's socket /run/php/php8.3-fpm.sock. Never assumed: PHP-FPM 8.2, 8.3
 * and 8.4 all live in the same places under their own number.
 */
function phpVersionIn(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return (/\/etc\/php\/(\d+\.\d+)\/fpm\//.exec(path) ?? /\/php(\d+\.\d+)-fpm[^/]*\.sock$/.exec(path))?.[1];
}

/** Where the pool file usually is, for a pool whose file was not found: the version from the socket's name, else any. */
function usualPoolFile(target: Target): string {
  const version = phpVersionIn(target.kind === 'unix' ? target.path : undefined) ?? '*';
  return `/etc/php/${version}/fpm/pool.d/www.conf (Debian, Ubuntu) or /etc/php-fpm.d/www.conf (RHEL)`;
}

function poolAt(pool: PoolFacts): string {
  return `pool [${pool.name}] (${pool.statusPathAt})`;
}

function reloadHint(pool: PoolFacts | undefined, target: Target): string {
  const version = phpVersionIn(pool?.file) ?? phpVersionIn(target.kind === 'unix' ? target.path : undefined);
  return version
    ? `systemctl reload php${version}-fpm`
    : 'reload PHP-FPM (systemctl reload php-fpm, named phpX.Y-fpm on Debian and Ubuntu; or kill -USR2 on the master)';
}

function ev(ctx: ReasonContext, text: string): Evidence {
  return { kind: 'request', text: `${formatTarget(ctx.target)}: ${text}` };
}

export function unreadableFinding(read: Extract<StatusRead, { kind: 'unreadable' }>, ctx: ReasonContext): Finding {
  const where = formatTarget(ctx.target);
  const evidence = [
    ev(
      ctx,
      `GET ${ctx.path}?json&full answered ${read.reason === 'invalid' ? `${read.response.status}: ` : ''}${read.detail}`,
    ),
  ];
  const pool = ctx.pool;
  switch (read.reason) {
    case 'not-enabled': {
      const other = pool?.statusPath && pool.statusPath !== ctx.path ? pool.statusPath : undefined;
      const fix = other
        ? `The ${poolAt(pool!)} serves its status page at ${other}: run with --path ${other}.`
        : pool
          ? `In ${poolAt(pool)} add "pm.status_path = ${ctx.path}", then ${reloadHint(pool, ctx.target)}. Keep the path off the public site: the web server should not route it to PHP-FPM for everyone.`
          : `In the pool file that listens on ${where} (usually ${usualPoolFile(ctx.target)}) add "pm.status_path = ${ctx.path}" and ${reloadHint(undefined, ctx.target)}; or pass --path with the pool's pm.status_path.`;
      return {
        id: 'status-page-not-enabled',
        severity: 'error',
        title: `The status page is not enabled at ${ctx.path}`,
        message: `PHP-FPM on ${where} answered 404 "File not found." for ${ctx.path}: the pool has no pm.status_path ${other ? `at ${ctx.path} (it is ${other})` : 'set to this path'}, so it looked for a script file of that name and found none.`,
        evidence,
        fix,
      };
    }
    case 'extension-denied':
      return {
        id: 'script-extension-denied',
        severity: 'error',
        title: `PHP-FPM took ${ctx.path} for a script and security.limit_extensions refused it`,
        message: `${where} answered 403 "Access denied.": the request did not match the pool's pm.status_path, so PHP-FPM treated ${ctx.path} as a script file, and security.limit_extensions only allows .php. The status page itself is never blocked by security.limit_extensions.`,
        evidence,
        fix: pool?.statusPath
          ? `Ask for the pool's status path exactly: --path ${pool.statusPath} (${poolAt(pool)}). Do not add extensions to security.limit_extensions for this.`
          : `Ask for the pool's pm.status_path exactly (--path), as written in the pool file, with no query string or file name; if the pool has none, add "pm.status_path = ${ctx.path}" to it. Do not add extensions to security.limit_extensions for this.`,
      };
    case 'php-script':
      return {
        id: 'status-page-not-status',
        severity: 'error',
        title: `A PHP script answered ${ctx.path}, not the status page`,
        message: `${where} is PHP-FPM (${read.server ?? 'PHP'}), but ${ctx.path} reached a PHP script instead of the pool's status page (${read.detail}). pm.status_path is a URL path that PHP-FPM answers itself, such as /status, not a file.`,
        evidence,
        fix: pool?.statusPath
          ? `Use --path ${pool.statusPath}, the pool's pm.status_path (${poolAt(pool)}).`
          : `Use --path with the pool's pm.status_path; if the pool has none, add "pm.status_path = /status" to its pool file and reload PHP-FPM.`,
      };
    case 'unparseable':
      return {
        id: 'status-page-not-status',
        severity: 'error',
        title: 'The status page could not be read',
        message: `${where} answered ${ctx.path} with something like a PHP-FPM status page that could not be parsed (${read.detail}).`,
        evidence,
        fix: 'Run `fcgi-doctor ping TARGET --script PATH --uri "PATH?json&full"` to see the page as sent, and report it to fcgi-doctor with the PHP-FPM version.',
      };
    case 'invalid':
      return {
        id: 'status-page-not-status',
        severity: 'error',
        title: `The status page at ${ctx.path} holds values PHP-FPM never writes`,
        message: `${where} answered ${ctx.path} with a page shaped like PHP-FPM's status page, but ${read.detail}. PHP-FPM writes its counts as whole numbers of 0 or more and its names as strings, so these figures did not come from a pool as it counts itself: no threshold or probe was judged on them.`,
        evidence,
        fix: `Find out what answers ${ctx.path} on ${where}: \`fcgi-doctor ping ${where} --script ${ctx.path} --uri "${ctx.path}?json&full"\` shows the page as sent. A PHP script, another application or a proxy in front of the pool may answer in its place: point status at the pool's own socket or port${pool?.statusPath ? ` and its pm.status_path (${poolAt(pool)})` : ' and its pm.status_path'}.`,
      };
    case 'not-fpm':
      return {
        id: 'not-php-fpm',
        severity: 'error',
        title: `${where} is not PHP-FPM${read.server ? ` (it is ${read.server})` : ''}`,
        message: `${where} speaks FastCGI but did not answer as PHP-FPM does (${read.detail}). Only PHP-FPM has a status page; ${read.server ? `${read.server} has none` : 'uWSGI, fcgiwrap and other FastCGI servers have none'}.`,
        evidence,
        fix: `Point status at a PHP-FPM pool's socket or port. For other FastCGI servers, use \`fcgi-doctor ping ${where}\` as the health check (uWSGI has its own stats server: --stats).`,
      };
  }
}

/** A failed request: the caller's words, plus what status knows (the waiting request, the missing bit). */
export function failedFinding(read: Extract<StatusRead, { kind: 'failed' }>, ctx: ReasonContext): Finding {
  const base = ctx.describeClientError(ctx.target, read.error);
  const where = formatTarget(ctx.target);
  if (read.connected && read.error.code === 'timeout') {
    return {
      ...base,
      id: 'backend-timeout',
      title: 'No answer from the status page in time: every worker is busy, or the pool is stuck',
      message: `${where} accepted the connection but sent nothing: ${read.error.message}. PHP-FPM answers its status page from a worker, so while every worker is busy the status request waits in the listen backlog like any other request.`,
      fix: `If the pool is merely busy, it needs more workers (pm.max_children${ctx.pool?.maxChildren ? ` is ${ctx.pool.maxChildren} in ${ctx.pool.file}` : ''}) or faster requests (turn on request_slowlog_timeout to see which). If it stays so, a stuck pool: look at its slow log and error log. Use --probe liveness for a probe that must not kill a busy pool.`,
    };
  }
  if (read.error.code === 'connect-denied' && ctx.access) {
    const a = ctx.access;
    const fix = a.isSocket
      ? ctx.pool
        ? `In pool [${ctx.pool.name}] (${ctx.pool.file}) set "listen.owner", "listen.group" and "listen.mode = 0660" so that ${a.user} is the socket's owner or in its group, then restart PHP-FPM; or run the probe as a member of group ${a.group} (a container probe runs as the container's user).`
        : `Run the probe as the socket's owner or a member of group ${a.group}, or make the pool create its socket for this user (listen.owner, listen.group, listen.mode = 0660); a chmod on the socket is lost when PHP-FPM restarts.`
      : chmodFix(a);
    return {
      ...base,
      message: `${a.user} may not connect to ${where}: it ${denialText({ ...a, who: a.user, object: a.isSocket ? 'the socket' : `the directory ${a.path}` })}.`,
      evidence: [
        ...base.evidence,
        {
          kind: 'probe',
          text: `${a.path}: ${a.modeText} ${a.owner}:${a.group}; ${a.user} (uid ${a.uid}) lacks ${a.missing.join('')}`,
        },
      ],
      fix,
    };
  }
  return base;
}
