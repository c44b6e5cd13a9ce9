/**
 * What the web server answered for a traced URL, held against what the
 * routing model predicted from the files on disk. One finding per cause:
 *
 * - the script's source sent as it is (its text, a PHP Content-Type, or the
 *   very bytes of the file where the route says a backend runs it):
 *   source-served-as-text, whatever the prediction;
 * - a status or a kind of answer other than the prediction: route-mismatch
 *   (info when the model itself said the prediction was uncertain);
 * - a 5xx where the route reaches a backend that answered the same request
 *   directly: backend-error-status (when the direct request failed, the
 *   request step has said so already).
 */
import type { Finding, Location } from '../../findings/finding.js';
import type { NotReloaded } from './notReloaded.js';
import type { Route } from '../../routing/types.js';
import type { FastcgiSetup } from '../../setups/types.js';
import type { WebTarget } from './webTargets.js';
import { HEAD_BYTES, type SetupUrl, type WebAnswer } from './webGet.js';

/** Source code, not its output: what an unhandled script looks like. */
export function looksLikeSource(head: string): string | undefined {
  const start = head.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<?php') || start.startsWith('<?=')) return 'PHP source (<?php)';
  if (start.startsWith('#!')) return `a script with its interpreter line (${start.split('\n')[0]?.slice(0, 60) ?? ''})`;
  return undefined;
}

/**
 * The types mod_php's era gave PHP files (AddType application/x-httpd-php .php, older mime.types files): a
 * file sent with one was sent as a file, never run; a script's output has the type its code sets.
 */
const SOURCE_TYPES = ['application/x-httpd-php', 'application/x-httpd-php-source', 'text/x-php', 'application/x-php'];

function sourceType(contentType: string | undefined): string | undefined {
  const t = contentType?.split(';')[0]?.trim().toLowerCase();
  return t && SOURCE_TYPES.includes(t) ? t : undefined;
}

/**
 * Apache's own error page, as ap_send_error_response (modules/http/http_protocol.c) writes it:
 * "<title>404 Not Found</title></head><body><h1>Not Found</h1>". A backend's 404 (PHP-FPM's
 * "File not found.") does not look like it, unless ProxyErrorOverride replaces it: then the
 * direct request to the backend, which answered the same status, tells them apart.
 */
export function isApacheErrorPage(head: string, status: number): boolean {
  return new RegExp(`<title>${status} [^<]*</title>\\s*</head>\\s*<body>\\s*<h1>`, 'i').test(head);
}

export function where(u: SetupUrl): string {
  const dflt = u.scheme === 'https' ? 443 : 80;
  const hostPort = /:\d+$/.test(u.hostHeader) || u.port === dflt ? u.hostHeader : `${u.hostHeader}:${u.port}`;
  return `${u.scheme ?? 'http'}://${hostPort}${u.path} (sent to ${u.host}:${u.port})`;
}

function answerText(t: WebTarget, a: WebAnswer): string {
  const extra = [
    a.contentType ? `Content-Type ${a.contentType}` : '',
    a.location ? `Location ${a.location}` : '',
  ].filter(Boolean);
  return `GET ${where(t.url)}: status ${a.status}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

function headSnippet(head: string): string {
  return head.slice(0, 80);
}

function setupLocation(setup: FastcgiSetup): Location {
  return {
    file: setup.definedAt.file,
    line: setup.definedAt.line,
    ...(setup.definedAt.includedFrom?.length ? { includedFrom: [...setup.definedAt.includedFrom] } : {}),
  };
}

/** The step that decided the outcome: the last one with a config line. */
function decidingLocation(route: Route, setup: FastcgiSetup): Location {
  for (let i = route.steps.length - 1; i >= 0; i--) {
    const s = route.steps[i]!;
    if (s.file && s.line !== undefined) return { file: s.file, line: s.line };
  }
  return setupLocation(setup);
}

/**
 * The route's steps with a config line, as evidence a person can check: the vhost chosen (it also ties the
 * finding to the site for `check FILE`'s scope) and the last steps, which decided the outcome.
 */
function routeEvidence(route: Route): { kind: 'config'; text: string }[] {
  const lined = route.steps.filter((s) => s.file && s.line !== undefined);
  const vhost = lined.find((s) => s.what === 'vhost');
  const last = lined.slice(-3);
  const steps = vhost && !last.includes(vhost) ? [vhost, ...last] : last;
  return steps.map((s) => ({ kind: 'config' as const, text: `${s.file}:${s.line}: ${s.what}: ${s.text}` }));
}

function predicted(route: Route): string {
  switch (route.outcome) {
    case 'fastcgi':
      return `sent to the FastCGI backend ${route.backend?.target ?? `started by Apache (${route.backend?.module ?? route.handler ?? 'a FastCGI module'})`}`;
    case 'static':
      return `served by Apache as a file${route.file ? ` (${route.file})` : ''}`;
    default:
      return `answered by Apache itself with status ${route.status ?? '?'}`;
  }
}

/** Facts the comparison needs that are not in the answer: the file's own first bytes. */
export interface CompareContext {
  /** The first bytes of a file on disk (undefined: unreadable). */
  readHead?: (path: string, maxBytes: number) => Buffer | undefined;
  /** A configuration file changed after the running Apache loaded its configuration (seen, not guessed). */
  notReloaded?: NotReloaded;
}

function when(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** Why the running Apache answers otherwise, as a fact when it was seen. */
function runningConfigCause(t: WebTarget, ctx: CompareContext): string {
  const n = ctx.notReloaded;
  if (n)
    return `${n.file} was changed at ${when(n.changedAtMs)}, after the running Apache (${n.how}) loaded its configuration (its oldest worker started at ${when(n.loadedBeforeMs)}): the change is not live, Apache was not reloaded`;
  return `the running Apache does not run this configuration (it was changed and not reloaded, or another server or configuration answers on ${t.url.host}:${t.url.port})`;
}

/** Whether the body is the file itself, sent as it is (compared on the bytes the head holds). */
function isFileItself(route: Route, answer: WebAnswer, ctx: CompareContext): boolean | undefined {
  if (!route.file || !ctx.readHead || answer.head.length === 0) return undefined;
  // Both sides cut at the same byte count and decoded alike: equal bytes give equal strings.
  const file = ctx.readHead(route.file, HEAD_BYTES);
  if (!file) return undefined;
  return file.toString('utf8') === answer.head;
}

const RELOAD =
  'Check that the configuration is valid and load it: apachectl configtest && systemctl reload apache2 (httpd on Red Hat). If the answer stays the same, find who listens on that port (ss -ltnp) and which configuration it runs (ps -o args -p PID).';

function sourceFinding(t: WebTarget, answer: WebAnswer, what: string, ctx: CompareContext): Finding {
  const route = t.route;
  const fromConfigOnDisk = route?.outcome === 'fastcgi';
  const message = fromConfigOnDisk
    ? `Asked for ${t.url.path}, the web server answered ${answer.status} with ${what}. The configuration on disk sends this URL to a FastCGI backend (${predicted(route!)}), so ${runningConfigCause(t, ctx)}. Meanwhile every visitor can read the code (and any password in it).`
    : `Asked for ${t.url.path}, the web server answered ${answer.status} with ${what}: the request never reached FastCGI${route ? ` (the configuration says so too: ${predicted(route)})` : ''}, and every visitor can read the code (and any password in it).`;
  return {
    id: 'source-served-as-text',
    severity: 'error',
    title: "The web server sends the script's source code instead of running it",
    message,
    location: setupLocation(t.setup),
    evidence: [
      { kind: 'request', text: answerText(t, answer) },
      { kind: 'request', text: `body starts: ${headSnippet(answer.head)}` },
      ...(route ? routeEvidence(route) : []),
    ],
    fix: fromConfigOnDisk
      ? RELOAD
      : 'Give the file a FastCGI handler that Apache runs: load the module behind it (a2enmod proxy_fcgi, a2enmod fcgid), write SetHandler "proxy:unix:/path.sock|fcgi://localhost" in a <FilesMatch> that matches the file (an AddType application/x-httpd-php line is no handler without mod_php), then reload Apache and ask again.',
    setup: t.setup.id,
  };
}

/** What the model could not decide about where the request goes (not the params' unknown values). */
function routingDoubts(route: Route): string[] {
  const params = new Set(route.backend?.unknown ?? []);
  return route.uncertain.filter((u) => !params.has(u));
}

function mismatchFinding(t: WebTarget, route: Route, answer: WebAnswer, saw: string, ctx: CompareContext): Finding {
  const doubts = routingDoubts(route);
  const uncertain = doubts.length > 0;
  const base = `Asked for ${t.url.path} through the web server, Apache ${saw}; the configuration on disk says the request is ${predicted(route)}.`;
  return {
    id: 'route-mismatch',
    severity: uncertain ? 'info' : 'warning',
    title: 'The web server does not answer as its configuration says',
    message: uncertain
      ? `${base} The prediction was uncertain (${doubts.join('; ')}), so this may be the model's guess, not a fault of the site.`
      : ctx.notReloaded
        ? `${base} ${runningConfigCause(t, ctx)}.`
        : `${base} The likeliest cause: ${runningConfigCause(t, ctx)}. It may also be fcgi-doctor's model that is wrong: compare with fcgi-doctor trace ${t.script?.url ?? t.url.path}.`,
    location: decidingLocation(route, t.setup),
    evidence: [
      { kind: 'request', text: answerText(t, answer) },
      ...(answer.head ? [{ kind: 'request' as const, text: `body starts: ${headSnippet(answer.head)}` }] : []),
      ...routeEvidence(route),
    ],
    fix: uncertain
      ? `Check what decides this request (${doubts[0]}) and run fcgi-doctor trace with that value.`
      : RELOAD,
    setup: t.setup.id,
  };
}

/** How the backend answered the request step, when that shows the 5xx arises on Apache's side or in this script. */
type DirectAnswer = { sameUrl: boolean; status: string };

function errorStatusFinding(t: WebTarget, answer: WebAnswer, direct: DirectAnswer | undefined): Finding {
  const because = !direct
    ? 'the request fails on its way to the backend or in it. The other findings for this setup, and the error log, say where.'
    : direct.sameUrl
      ? `while the backend answered the same request sent to it directly with ${direct.status}: the request fails between Apache and the backend (Apache's connection to it, its timeouts, or a header it rejects). Apache's error log for this request says which.`
      : `while the backend answered fcgi-doctor's direct request for another script with ${direct.status}: the backend runs, so this script fails in it (an error of the application), or on Apache's way to it. The error log says which.`;
  return {
    id: 'backend-error-status',
    severity: 'error',
    title: `The web server answers ${answer.status} for this FastCGI setup`,
    message: `Asked for ${t.url.path} as a visitor would, the web server answered ${answer.status}, ${because}`,
    location: setupLocation(t.setup),
    evidence: [{ kind: 'request', text: answerText(t, answer) }, ...(t.route ? routeEvidence(t.route) : [])],
    fix: "Read the web server's error log for this request; fcgi-doctor logs lists the known causes.",
    setup: t.setup.id,
  };
}

/**
 * The request step's answer from this route's backend, when it succeeded (a status below 500, made as Apache
 * could make it); 'failed' when it did not: the request step has said so, and a 5xx here is the same cause.
 */
function directAnswer(t: WebTarget): DirectAnswer | 'failed' | undefined {
  const r = t.direct ?? t.sameBackend;
  if (!r) return undefined;
  if (!r.response || r.error || r.madeAs || r.response.status >= 500) return 'failed';
  return {
    sameUrl: r === t.direct,
    status: `${r.response.status}${r.response.statusText ? ` ${r.response.statusText}` : ''}`,
  };
}

export function compareAnswer(t: WebTarget, answer: WebAnswer, ctx: CompareContext = {}): Finding[] {
  const route = t.route;
  const ok = answer.status < 400;
  if (ok) {
    const source = looksLikeSource(answer.head);
    const type = sourceType(answer.contentType);
    // The file's bytes with a PHP tag still in them: PHP never saw them (a .php file with no tag prints itself).
    const fileItself =
      route?.outcome === 'fastcgi' &&
      answer.status < 300 &&
      /<\?(?:php\b|=|\s)/i.test(answer.head) &&
      isFileItself(route, answer, ctx);
    const what =
      source ??
      (type ? `the file's own Content-Type ${type}` : fileItself ? 'the bytes of the script file itself' : undefined);
    if (what) return [sourceFinding(t, answer, what, ctx)];
  }
  if (!route) {
    // A guessed URL: no prediction to compare with, only what any FastCGI URL must not answer.
    const direct = directAnswer(t);
    return answer.status >= 500 && direct !== 'failed' ? [errorStatusFinding(t, answer, direct)] : [];
  }
  switch (route.outcome) {
    case 'status': {
      if (route.status === undefined || answer.status === route.status) return [];
      return [mismatchFinding(t, route, answer, `answered ${answer.status}`, ctx)];
    }
    case 'static': {
      if (answer.status === 404)
        return [mismatchFinding(t, route, answer, 'answered 404: it does not see the file', ctx)];
      if (answer.status >= 200 && answer.status < 300 && isFileItself(route, answer, ctx) === false)
        return [
          mismatchFinding(
            t,
            route,
            answer,
            `answered ${answer.status} with a body that is not the file: it ran it`,
            ctx,
          ),
        ];
      // 403 is likelier a permission of the file than a routing difference: the probes look at those.
      return [];
    }
    case 'fastcgi': {
      if ((answer.status === 403 || answer.status === 404) && isApacheErrorPage(answer.head, answer.status)) {
        // ProxyErrorOverride puts Apache's page on the backend's own 404: the direct request shows it.
        if (t.direct?.response?.status === answer.status) return [];
        return [mismatchFinding(t, route, answer, `answered ${answer.status} itself, with its own error page`, ctx)];
      }
      if (answer.status >= 500) {
        const direct = directAnswer(t);
        // No direct request (a process Apache starts, an endpoint not asked): nobody else has said it.
        if (direct !== 'failed') return [errorStatusFinding(t, answer, direct)];
      }
      return [];
    }
  }
  return [];
}
