import { userInfo } from 'node:os';
import { posix } from 'node:path';
import type { ConfigModel } from '../config/index.js';
import { FcgiClientError } from '../../client/errors.js';
import { evaluateExpectations } from '../../client/expectations.js';
import { buildRequestEnvironment } from '../../client/params.js';
import { sendRequest, type FcgiResponse } from '../../client/request.js';
import { formatTarget, type Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';
import type { Route } from '../../routing/types.js';
import type { FastcgiSetup } from '../../setups/types.js';
import type { DiscoveredScript, Discovery } from '../discovery/discover.js';
import { refineSilentClose } from './foreignProtocol.js';
import { findingForClientError, findingsForResponse } from './outcome.js';
import type { ScriptAccessSystem } from './scriptAccess.js';

/**
 * The request step of `check`: send each backend the request Apache would
 * send, computed from the configuration, and classify what comes back.
 *
 * Only setups with an endpoint someone else listens on are asked: a socket
 * mod_fcgid or mod_fastcgi makes up (generated) or a dynamic app started on
 * demand has nobody to connect to outside Apache. One request per endpoint,
 * bounded by the timeout, never retried.
 */
export interface SetupRequestResult {
  setup: FastcgiSetup;
  target: Target;
  /** the SCRIPT_FILENAME sent, and whether it is a real script (named by the configuration or found in a site), else we picked it */
  script: string;
  scriptKnown: boolean;
  /**
   * What the request tests: 'script' — a real script, as Apache would ask for it;
   * 'fastcgi' — no real script was found, so only that the backend speaks FastCGI
   * (any well-formed answer, even a 404 "File not found.").
   */
  level?: 'script' | 'fastcgi';
  /** The URL whose route gave the params (a script discovery found in a site). */
  url?: string;
  /** That URL's route: the params sent are route.backend.params, exactly what Apache sends. */
  route?: Route;
  response?: FcgiResponse;
  error?: FcgiClientError;
  findings: Finding[];
  /**
   * Set when the request reached the backend only because of who sent it: the
   * doctor (often root) may use the socket, the web server's user may not. Such
   * an answer says the backend runs, not that the site works.
   */
  madeAs?: { user: string; webUser: string; why: string };
}

export interface SetupRequestOptions {
  timeoutMs: number;
  /** version for SERVER_SOFTWARE */
  toolVersion: string;
  /** The machine, to tell who closed a connection silently (uWSGI's native socket); default: the live one, read only then. */
  system?: ScriptAccessSystem;
}

export function requestTarget(setup: FastcgiSetup): Target | undefined {
  const e = setup.endpoint;
  if (!e || !setup.active) return undefined;
  if (e.kind === 'unix') return e.generated ? undefined : { kind: 'unix', path: e.path };
  return { kind: 'tcp', host: e.host, port: e.port };
}

function documentRootOf(model: ConfigModel, setup: FastcgiSetup): string | undefined {
  const v = setup.vhost;
  if (!v) return undefined;
  return model.vhosts.find((h) => h.file === v.file && h.line === v.line)?.documentRoot;
}

/**
 * What to ask for. mod_fastcgi names its application (the FastCgiServer or
 * FastCgiExternalServer path); a proxy backend serves whatever script the URL
 * maps to, which the configuration does not name: then we ask for index.php
 * under DocumentRoot and judge only whether the backend speaks FastCGI.
 */
function chooseScript(
  model: ConfigModel,
  setup: FastcgiSetup,
): { script: string; scriptKnown: boolean; documentRoot: string } {
  const documentRoot = (documentRootOf(model, setup) ?? '/var/www/html').replace(/\/+$/, '') || '/';
  if (setup.script) return { script: setup.script, scriptKnown: true, documentRoot };
  return { script: posix.join(documentRoot, 'index.php'), scriptKnown: false, documentRoot };
}

function setupFindings(setup: FastcgiSetup, findings: Finding[]): Finding[] {
  return findings.map((f) => ({
    ...f,
    setup: setup.id,
    location: f.location ?? {
      file: setup.definedAt.file,
      line: setup.definedAt.line,
      includedFrom: setup.definedAt.includedFrom,
    },
  }));
}

/** The SCRIPT_FILENAME a route's params name, without mod_proxy_fcgi's "proxy:fcgi://host" prefix. */
function scriptOfParams(params: Record<string, string>, fallback: string): string {
  const sf = params['SCRIPT_FILENAME'];
  if (!sf) return fallback;
  return sf.replace(/^proxy:fcgi:\/\/[^/]*/, '');
}

export async function requestSetup(
  model: ConfigModel,
  setup: FastcgiSetup,
  opts: SetupRequestOptions,
  discovered?: DiscoveredScript,
): Promise<SetupRequestResult | undefined> {
  const target = requestTarget(setup);
  if (!target) return undefined;
  const route = discovered?.route;
  const chosen = chooseScript(model, setup);
  const fromRoute = route?.backend ? route.backend.params : undefined;
  const script = fromRoute ? scriptOfParams(fromRoute, discovered?.file ?? chosen.script) : chosen.script;
  const scriptKnown = fromRoute !== undefined || chosen.scriptKnown;
  const serverName = setup.vhost?.serverName ?? 'localhost';
  // A route's params are exactly what Apache sends; without one, a made-up request that only tests FastCGI.
  const params = fromRoute
    ? Object.entries(fromRoute)
    : buildRequestEnvironment({
        script,
        documentRoot: chosen.documentRoot,
        serverName,
        softwareVersion: opts.toolVersion,
      });
  const result: SetupRequestResult = {
    setup,
    target,
    script,
    scriptKnown,
    level: scriptKnown ? 'script' : 'fastcgi',
    findings: [],
  };
  if (discovered && route) {
    result.url = discovered.url;
    result.route = route;
  }
  try {
    result.response = await sendRequest(target, { params, timeoutMs: opts.timeoutMs });
  } catch (err) {
    if (!(err instanceof FcgiClientError)) throw err;
    result.error = err;
    result.findings = setupFindings(setup, [
      await refineSilentClose(findingForClientError(target, err), err, target, opts.system),
    ]);
    return result;
  }
  const expectations = evaluateExpectations(result.response, {});
  let findings = findingsForResponse(target, result.response, expectations, {
    scriptFilename: script,
    scriptGiven: true,
  });
  if (!scriptKnown) {
    // We made the script name up: a 404 or 403 about it says nothing of the backend's health
    // (any well-formed answer proves the backend speaks FastCGI).
    findings = findings.filter(
      (f) =>
        ![
          'primary-script-unknown',
          'script-extension-denied',
          'script-unreadable',
          'script-missing',
          'script-not-executable',
          'fcgiwrap-script-rejected',
          'backend-error-status',
          'app-stderr',
        ].includes(f.id) || result.response!.status >= 500,
    );
  }
  result.findings = setupFindings(setup, findings);
  return result;
}

/** Whoever runs the doctor: root may connect to any socket, whatever its mode. */
function currentUser(): string {
  const uid = process.getuid?.();
  if (uid === 0) return 'root';
  try {
    return userInfo().username;
  } catch {
    return uid === undefined ? 'this user' : `uid ${uid}`;
  }
}

function targetKey(t: Target): string {
  return t.kind === 'unix' ? `unix:${t.path}` : `tcp:${t.host}:${t.port}`;
}

/**
 * The requests that reached a socket the web server's user may not use
 * (socket-permission-denied, found by the probes for the same endpoint): they
 * are marked as made as the doctor's user, and the denial finding gets the
 * request as evidence of why the backend answered us but not Apache.
 */
export function markRequestsTheWebServerCannotMake(
  model: ConfigModel,
  results: SetupRequestResult[],
  findings: Finding[],
): void {
  const denied = findings.filter((f) => f.id === 'socket-permission-denied' && f.location);
  if (denied.length === 0) return;
  const user = currentUser();
  for (const r of results) {
    if (!r.response || r.target.kind !== 'unix') continue;
    const key = targetKey(r.target);
    // The probe finding sits at the config line of one of the setups that share this socket.
    const sharing = model.setups.filter((s) => {
      const t = requestTarget(s);
      return t !== undefined && targetKey(t) === key;
    });
    const f = denied.find((d) =>
      sharing.some((s) => d.location?.file === s.definedAt.file && d.location.line === s.definedAt.line),
    );
    if (!f) continue;
    const webUser = model.webUser ?? "the web server's user";
    const status = `${r.response.status}${r.response.statusText ? ` ${r.response.statusText}` : ''}`;
    const server = model.webServer === 'nginx' ? 'nginx' : 'Apache';
    const why = `made as ${user}, who may use ${r.target.path}; ${webUser} may not, so ${server}'s own requests fail (${server === 'nginx' ? '502' : '503'}) and this answer does not show that the site works`;
    r.madeAs = { user, webUser, why };
    f.evidence.push({
      kind: 'request',
      text: `${formatTarget(r.target)}: ${status} to a request made as ${user}, who may use any socket; not a request ${webUser} could make`,
    });
  }
}

/** The key of an endpoint, as the routes' backend target and the setups' endpoint both give it. */
function endpointKey(t: Target): string {
  return t.kind === 'unix' ? `unix:${t.path}` : `${t.host}:${t.port}`;
}

/** The first real script discovery traced to this setup (by setup id, else by endpoint). */
function scriptFor(
  setup: FastcgiSetup,
  target: Target,
  discovery: Discovery | undefined,
): DiscoveredScript | undefined {
  const traced = (discovery?.scripts ?? []).filter((d) => d.route?.outcome === 'fastcgi' && d.route.backend);
  const key = endpointKey(target);
  return (
    traced.find((d) => d.route?.backend?.setupId === setup.id) ??
    traced.find((d) => {
      const t = d.route?.backend?.target;
      return (
        t !== undefined &&
        t !== null &&
        (t === key || t === formatTarget(target) || t === `unix:${formatTarget(target)}`)
      );
    })
  );
}

/**
 * Every setup with an endpoint, one request each, endpoints shared by several
 * setups asked once. With a discovery, each backend is asked for a real
 * script of a site it serves, with the params its route gives; a backend no
 * real script reaches is tested at the FastCGI level only, and said so.
 */
export async function requestSetups(
  model: ConfigModel,
  opts: SetupRequestOptions,
  discovery?: Discovery,
  notice?: (text: string) => void,
): Promise<SetupRequestResult[]> {
  const asked = new Map<string, Promise<SetupRequestResult | undefined>>();
  const results: SetupRequestResult[] = [];
  for (const setup of model.setups) {
    const target = requestTarget(setup);
    if (!target) continue;
    const found = scriptFor(setup, target, discovery);
    const key = `${endpointKey(target)}\u0000${found ? found.url : (setup.script ?? '')}`;
    let pending = asked.get(key);
    const first = !pending;
    if (!pending) {
      pending = requestSetup(model, setup, opts, found);
      asked.set(key, pending);
    }
    const r = await pending;
    if (r && first) {
      results.push(r);
      if (r.level === 'fastcgi' && discovery && notice) {
        const mine = discovery.scripts.filter((d) => d.setup?.id === setup.id);
        const untraced = mine.find((d) => d.routeError !== undefined);
        // A script found whose route ends before the backend (Apache answers 403, 404…): Apache never asks the backend for it.
        const stopped = mine.find((d) => d.route && d.route.outcome !== 'fastcgi');
        const why = untraced
          ? `${untraced.file} was found but its request could not be traced (${untraced.routeError})`
          : stopped?.route
            ? `${stopped.url} was found, but ${model.webServer === 'nginx' ? 'nginx' : 'Apache'} ${stopped.route.outcome === 'status' ? `answers ${stopped.route.status} itself` : 'serves it without the backend'} (the route says why)`
            : `no script of a site served by ${setup.definedAt.file}:${setup.definedAt.line} was found`;
        notice(
          `${formatTarget(target)}: ${why}, so the request tests only that the backend speaks FastCGI, not that a site works.`,
        );
      }
    }
  }
  return results;
}
