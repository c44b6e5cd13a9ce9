import type { RecordTrace } from '../../client/connection.js';
import { FcgiClientError } from '../../client/errors.js';
import { evaluateExpectations, type ExpectationResult } from '../../client/expectations.js';
import { sendRequest, type FcgiResponse } from '../../client/request.js';
import { formatTarget, parseTarget, TargetError, type Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';
import type { Route } from '../../routing/types.js';
import { apacheAnswerForClientError, apacheAnswerForResponse, type BrowserAnswer } from './apacheAnswer.js';
import type { ReceivedRecord } from './nginxAnswer.js';
import { refineSilentClose } from './foreignProtocol.js';
import { findingForClientError, findingsForResponse } from './outcome.js';
import type { ScriptAccessSystem } from './scriptAccess.js';

/**
 * The live step of `trace`: the request the route computed, sent to its
 * backend exactly as Apache would send it (route.backend.params, no body),
 * and the answer classified as `ping` classifies it — the same findings for
 * the same causes.
 */
export interface TraceRequestResult {
  /** Why no request was made (offline, not FastCGI, Apache starts the process); undefined when one was made. */
  skipped?: string;
  target?: Target;
  /** The target as reports write it. */
  where?: string;
  response?: FcgiResponse;
  error?: FcgiClientError;
  expectations: ExpectationResult[];
  findings: Finding[];
  /** What a browser would get from the web server (Apache, nginx) for this answer. */
  browser?: BrowserAnswer;
}

/**
 * How a web server turns the backend's answer into what a browser gets:
 * Apache's mod_proxy_fcgi (the default) or nginx's fastcgi module. `records`
 * are the records the backend sent, in order (nginx buffers them whole).
 */
export interface BrowserAnswerModel {
  forResponse(response: FcgiResponse, records: readonly ReceivedRecord[]): BrowserAnswer;
  forError(err: FcgiClientError, records: readonly ReceivedRecord[]): BrowserAnswer;
}

const APACHE_ANSWERS: BrowserAnswerModel = {
  forResponse: (response) => apacheAnswerForResponse(response),
  forError: (err) => apacheAnswerForClientError(err),
};

export interface TraceRequestOptions {
  timeoutMs: number;
  /** The machine, to tell who closed a connection silently (uWSGI's native socket); default: the live one, read only then. */
  system?: ScriptAccessSystem;
  /** The web server in front (default Apache's mod_proxy_fcgi). */
  answers?: BrowserAnswerModel;
}

/** Records kept of one answer: enough to place the end of any header block nginx could buffer. */
const MAX_RECORDS = 4096;

/** Why a fastcgi route has no endpoint to ask: the module starts the process itself. */
function startedByApache(route: Route): string {
  const b = route.backend!;
  const who =
    b.module === 'fcgid'
      ? 'mod_fcgid starts the application itself and talks to it over a socket it makes up'
      : b.mode === 'dynamic'
        ? 'mod_fastcgi starts this dynamic application on demand, on a socket it names itself'
        : b.mode === 'static'
          ? 'mod_fastcgi starts this FastCgiServer application itself, on a socket it names itself'
          : 'Apache starts this application itself';
  return `${who}: there is no endpoint fcgi-doctor could ask directly`;
}

export async function requestRoute(route: Route, opts: TraceRequestOptions): Promise<TraceRequestResult> {
  const none: TraceRequestResult = { expectations: [], findings: [] };
  if (route.outcome !== 'fastcgi' || !route.backend)
    return { ...none, skipped: 'the request does not reach a FastCGI backend' };
  if (route.backend.target === null)
    return {
      ...none,
      skipped:
        route.backend.module === 'nginx'
          ? "fastcgi_pass's address is not known here (a variable the route cannot evaluate, see the route): no endpoint to ask"
          : startedByApache(route),
    };
  let target: Target;
  try {
    target = parseTarget(route.backend.target);
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    return { ...none, skipped: `the backend address ${route.backend.target} cannot be asked: ${err.message}` };
  }
  const params = Object.entries(route.backend.params);
  const answers = opts.answers ?? APACHE_ANSWERS;
  // The records as they come (bounded: a record list stops growing past the header's worth).
  const records: ReceivedRecord[] = [];
  const trace = (t: RecordTrace) => {
    if (t.direction === 'received' && records.length < MAX_RECORDS)
      records.push({ type: t.type, contentLength: t.contentLength });
  };
  let response: FcgiResponse;
  try {
    response = await sendRequest(target, { params, timeoutMs: opts.timeoutMs, trace });
  } catch (err) {
    if (!(err instanceof FcgiClientError)) throw err;
    return {
      ...none,
      target,
      where: formatTarget(target),
      error: err,
      findings: [await refineSilentClose(findingForClientError(target, err), err, target, opts.system)],
      browser: answers.forError(err, records),
    };
  }
  // No expectations of our own: the default (any 2xx or 3xx), as ping without --expect-status.
  const expectations = evaluateExpectations(response, {});
  const scriptFilename = route.backend.params.SCRIPT_FILENAME;
  return {
    target,
    where: formatTarget(target),
    response,
    expectations,
    findings: findingsForResponse(target, response, expectations, {
      scriptFilename,
      scriptGiven: scriptFilename !== undefined,
    }),
    browser: answers.forResponse(response, records),
  };
}
