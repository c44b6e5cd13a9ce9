import { posix } from 'node:path';
import type { ConfigModel } from '../config/index.js';
import { FcgiClientError } from '../../client/errors.js';
import { evaluateExpectations } from '../../client/expectations.js';
import { buildRequestEnvironment } from '../../client/params.js';
import { sendRequest, type FcgiResponse } from '../../client/request.js';
import type { Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';
import type { FastcgiSetup } from '../../setups/types.js';
import { findingForClientError, findingsForResponse } from './outcome.js';

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
  /** the SCRIPT_FILENAME sent, and whether the configuration names it (else we picked it) */
  script: string;
  scriptKnown: boolean;
  response?: FcgiResponse;
  error?: FcgiClientError;
  findings: Finding[];
}

export interface SetupRequestOptions {
  timeoutMs: number;
  /** version for SERVER_SOFTWARE */
  toolVersion: string;
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
function chooseScript(model: ConfigModel, setup: FastcgiSetup): { script: string; scriptKnown: boolean; documentRoot: string } {
  const documentRoot = (documentRootOf(model, setup) ?? '/var/www/html').replace(/\/+$/, '') || '/';
  if (setup.script) return { script: setup.script, scriptKnown: true, documentRoot };
  return { script: posix.join(documentRoot, 'index.php'), scriptKnown: false, documentRoot };
}

function setupFindings(setup: FastcgiSetup, findings: Finding[]): Finding[] {
  return findings.map((f) => ({ ...f, setup: setup.id, location: f.location ?? { file: setup.definedAt.file, line: setup.definedAt.line, includedFrom: setup.definedAt.includedFrom } }));
}

export async function requestSetup(model: ConfigModel, setup: FastcgiSetup, opts: SetupRequestOptions): Promise<SetupRequestResult | undefined> {
  const target = requestTarget(setup);
  if (!target) return undefined;
  const { script, scriptKnown, documentRoot } = chooseScript(model, setup);
  const serverName = setup.vhost?.serverName ?? 'localhost';
  const params = buildRequestEnvironment({ script, documentRoot, serverName, softwareVersion: opts.toolVersion });
  const result: SetupRequestResult = { setup, target, script, scriptKnown, findings: [] };
  try {
    result.response = await sendRequest(target, { params, timeoutMs: opts.timeoutMs });
  } catch (err) {
    if (!(err instanceof FcgiClientError)) throw err;
    result.error = err;
    result.findings = setupFindings(setup, [findingForClientError(target, err)]);
    return result;
  }
  const expectations = evaluateExpectations(result.response, {});
  let findings = findingsForResponse(target, result.response, expectations);
  if (!scriptKnown) {
    // We made the script name up: a 404 or 403 about it says nothing of the backend's health.
    findings = findings.filter((f) => !['primary-script-unknown', 'script-extension-denied', 'script-unreadable', 'script-missing', 'backend-error-status', 'app-stderr'].includes(f.id) || result.response!.status >= 500);
  }
  result.findings = setupFindings(setup, findings);
  return result;
}

/** Every setup with an endpoint, one request each, endpoints shared by several setups asked once. */
export async function requestSetups(model: ConfigModel, opts: SetupRequestOptions): Promise<SetupRequestResult[]> {
  const asked = new Map<string, Promise<SetupRequestResult | undefined>>();
  const results: SetupRequestResult[] = [];
  for (const setup of model.setups) {
    const target = requestTarget(setup);
    if (!target) continue;
    const key = `${target.kind === 'unix' ? target.path : `${target.host}:${target.port}`}\u0000${setup.script ?? ''}`;
    let pending = asked.get(key);
    const first = !pending;
    if (!pending) {
      pending = requestSetup(model, setup, opts);
      asked.set(key, pending);
    }
    const r = await pending;
    if (r && first) results.push(r);
  }
  return results;
}
