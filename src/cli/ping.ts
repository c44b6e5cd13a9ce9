import { createReadStream, statSync } from 'node:fs';
import { FcgiClientError } from '../client/errors.js';
import { evaluateExpectations, type Expectations } from '../client/expectations.js';
import { runLoad } from '../client/load.js';
import { buildRequestEnvironment } from '../client/params.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  queryManagementValues,
  sendRequest,
  type FcgiResponse,
} from '../client/request.js';
import { formatTarget, type Target } from '../client/target.js';
import { monotonicMs } from '../client/clock.js';
import { seconds } from '../client/connect.js';
import type { RequestBody, RecordTrace } from '../client/connection.js';
import { MANAGEMENT_VARIABLES, Role } from '../protocol/constants.js';
import { refineSilentClose } from '../checks/request/foreignProtocol.js';
import { findingForClientError, findingsForResponse } from '../checks/request/outcome.js';
import { findingForManagementError } from '../checks/request/managementValues.js';
import { findingForLoad } from '../checks/request/load.js';
import { listSocketsIfDirectory } from '../checks/request/socketDirectory.js';
import type { Finding } from '../findings/finding.js';
import { buildEnvelope, formatJson } from '../report/envelope.js';
import { formatPingText, type PingReport } from '../report/pingText.js';
import { formatSuppressedText } from '../report/suppressedText.js';
import { pingJsonExtras, pingJsonlExtras } from '../report/pingJson.js';
import { formatTrace } from '../report/traceText.js';
import { loadStyle } from '../report/style.js';
import { FORMATS, writeFindingsFormat } from './formats.js';
import { colorEnabled, UsageError, type CliIO } from './io.js';
import { exitStatusFor, parseFailOn } from './exitStatus.js';
import {
  parseDuration,
  parseFormat,
  parsePair,
  parsePositiveInt,
  parseRegex,
  parseStatusList,
  parseTargetArgument,
} from './parse.js';
import { loadSuppressions, reported, suppress, type SuppressionOptions } from './suppressions.js';
import { TOOL_VERSION } from './version.js';
import { formatBytes } from '../util/bytes.js';

export interface PingOptions extends SuppressionOptions {
  script?: string;
  documentRoot?: string;
  uri?: string;
  method?: string;
  param?: string[];
  header?: string[];
  bodyFile?: string;
  timeout?: string;
  connectTimeout?: string;
  expectStatus?: string[];
  expectBody?: string;
  expectHeader?: string[];
  getValues?: boolean;
  count?: string;
  concurrency?: string;
  keepConn?: boolean;
  role?: string;
  maxResponseBytes?: string;
  failOn?: string;
  format?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

/** `--count` with `--format jsonl`: a line of figures per second of the load test. */
const LOAD_INTERVAL_MS = 1000;

/** Standard input read whole: CONTENT_LENGTH must be known before the body is sent. */
const MAX_STDIN_BODY = 64 * 1024 * 1024;

/**
 * Standard input read whole, under the command's deadline: `sleep 30 | ping
 * … --body-file -` must end at --timeout, not when the writer does. On
 * timeout the stream is destroyed, so the process does not wait for it either.
 */
function readStdinBody(stdin: NodeJS.ReadableStream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (outcome: () => void, abandon = false) => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      if (abandon) {
        // Errors after we stopped listening (a premature close) mean nothing any more.
        stdin.on('error', () => undefined);
        (stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      }
      outcome();
    };
    const onData = (chunk: Buffer | string) => {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      total += b.length;
      if (total > MAX_STDIN_BODY) {
        finish(
          () =>
            reject(
              new UsageError(
                `request body on standard input is over ${formatBytes(MAX_STDIN_BODY)}: use --body-file FILE`,
              ),
            ),
          true,
        );
        return;
      }
      chunks.push(b);
    };
    const onEnd = () => finish(() => resolve(Buffer.concat(chunks)));
    const onError = (err: Error) =>
      finish(() => reject(new UsageError(`cannot read the request body from standard input: ${err.message}`)), true);
    const timer = setTimeout(
      () =>
        finish(
          () =>
            reject(
              new UsageError(
                `--timeout ${seconds(timeoutMs)} ran out while reading the request body from standard input (${total} bytes read, no end yet): nothing was sent to the backend`,
              ),
            ),
          true,
        ),
      timeoutMs,
    );
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
  });
}

async function readBody(file: string, io: CliIO, timeoutMs: number): Promise<{ body: RequestBody; length: number }> {
  if (file === '-') {
    const data = await readStdinBody(io.stdin, timeoutMs);
    return { body: { data }, length: data.length };
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError(`--body-file ${file} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `cannot read --body-file ${file}: ${(err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message}`,
    );
  }
  return { body: { data: createReadStream(file, { highWaterMark: 64 * 1024 }) }, length: size };
}

function parseExpectations(opts: PingOptions): Expectations {
  return {
    status: opts.expectStatus?.length ? parseStatusList(opts.expectStatus) : undefined,
    body: opts.expectBody !== undefined ? parseRegex(opts.expectBody, '--expect-body') : undefined,
    headers: (opts.expectHeader ?? []).map((h) => {
      const [name, pattern] = parsePair(h, 'expect-header');
      return { name, pattern: parseRegex(pattern, '--expect-header') };
    }),
  };
}

function parseRole(role: string | undefined): number {
  if (role === undefined || role === 'responder') return Role.RESPONDER;
  if (role === 'authorizer') return Role.AUTHORIZER;
  throw new UsageError(`--role takes responder or authorizer, not "${role}"`);
}

export async function runPing(targetText: string, opts: PingOptions, io: CliIO): Promise<number> {
  const format = parseFormat(opts.format ?? 'text', FORMATS);
  const failOn = parseFailOn(opts.failOn);
  const target = parseTargetArgument(targetText);
  const timeoutMs = parseDuration(opts.timeout ?? '5', '--timeout');
  const connectTimeoutMs = opts.connectTimeout ? parseDuration(opts.connectTimeout, '--connect-timeout') : timeoutMs;
  const expectations = parseExpectations(opts);
  const maxResponseBytes = opts.maxResponseBytes
    ? parsePositiveInt(opts.maxResponseBytes, '--max-response-bytes')
    : DEFAULT_MAX_RESPONSE_BYTES;
  const count = opts.count ? parsePositiveInt(opts.count, '--count', 10_000_000) : undefined;
  const concurrency = opts.concurrency ? parsePositiveInt(opts.concurrency, '--concurrency', 4096) : 1;
  const role = parseRole(opts.role);
  const suppressions = await loadSuppressions(opts, reported('ping'));
  if (count !== undefined && opts.bodyFile)
    throw new UsageError('--count sends requests without a body: drop --body-file');
  // --timeout covers the whole command: reading standard input, FCGI_GET_VALUES and the request.
  const startedAt = monotonicMs();
  const left = () => Math.max(1, Math.round(timeoutMs - (monotonicMs() - startedAt)));
  const bodyInfo = opts.bodyFile ? await readBody(opts.bodyFile, io, timeoutMs) : undefined;
  const params = buildRequestEnvironment({
    script: opts.script,
    documentRoot: opts.documentRoot,
    uri: opts.uri,
    method: opts.method ?? (bodyInfo ? 'POST' : 'GET'),
    headers: (opts.header ?? []).map((h) => parsePair(h, 'header')),
    params: (opts.param ?? []).map((p) => parsePair(p, 'param')),
    contentLength: bodyInfo?.length,
    softwareVersion: TOOL_VERSION,
  });
  const where = formatTarget(target);
  const style = await loadStyle(format === 'text' && colorEnabled(io, opts.color));
  const trace = opts.verbose && format === 'text' ? (t: RecordTrace) => io.stderr(formatTrace(style, t)) : undefined;

  const report: PingReport = { target: where, expectations: [], findings: [] };
  const findings: Finding[] = report.findings;

  // A target that cannot be connected to is reported once: the request after --get-values would only repeat it.
  let unreachable = false;
  if (opts.getValues) {
    try {
      report.managementValues = await queryManagementValues(target, MANAGEMENT_VARIABLES, left());
    } catch (err) {
      if (!(err instanceof FcgiClientError)) throw err;
      unreachable = err.details.phase === 'connect' || err.code.startsWith('connect-') || err.code === 'dns';
      findings.push(await listSocketsIfDirectory(target, err, findingForManagementError(target, err)));
    }
  }

  // jsonl: the load test's figures stream out, one line per interval, while it runs.
  const jsonl = format === 'jsonl' ? await import('./jsonl.js') : undefined;
  const head = jsonl ? await jsonl.jsonlHead('ping', where) : undefined;
  const lines = head ? await import('../report/jsonl.js') : undefined;
  if (count !== undefined) {
    report.load = await runLoad(target, {
      ...(head && lines
        ? { onInterval: { everyMs: LOAD_INTERVAL_MS, report: (x) => io.stdout(lines.intervalLine(head, x)) } }
        : {}),
      params,
      count,
      concurrency,
      keepConn: opts.keepConn,
      timeoutMs,
      connectTimeoutMs,
      maxResponseBytes,
      accept: (r) => r.problems.length === 0 && evaluateExpectations(r, expectations).every((e) => e.held),
    });
    const failed = findingForLoad(where, report.load);
    if (failed) findings.push(failed);
  } else if (!unreachable && (!opts.getValues || opts.script || opts.uri)) {
    let response: FcgiResponse | undefined;
    try {
      const remaining = left();
      response = await sendRequest(target, {
        params,
        body: bodyInfo?.body,
        role,
        timeoutMs: remaining,
        connectTimeoutMs: Math.min(connectTimeoutMs, remaining),
        maxResponseBytes,
        trace,
      });
    } catch (err) {
      if (!(err instanceof FcgiClientError)) throw err;
      if (err.code === 'body') throw new UsageError(err.message);
      const finding = await refineSilentClose(findingForClientError(target, err), err, target);
      findings.push(await listSocketsIfDirectory(target, err, finding));
    }
    if (response) {
      report.response = response;
      report.expectations = evaluateExpectations(response, expectations);
      const scriptFilename = params.find(([name]) => name === 'SCRIPT_FILENAME')?.[1];
      const scriptGiven =
        opts.script !== undefined || (opts.param ?? []).some((p) => /^\s*SCRIPT_FILENAME\s*=/.test(p));
      findings.push(
        ...(await explainUnreadable(
          target,
          findingsForResponse(target, response, report.expectations, { scriptFilename, scriptGiven }),
          scriptFilename,
        )),
      );
    }
  }

  const { findings: counted, suppressed } = suppress(findings, suppressions);
  report.findings = counted;
  const exitCode = exitStatusFor(counted, failOn);
  if (format === 'json') {
    io.stdout(formatJson(buildEnvelope(TOOL_VERSION, 'ping', where, counted, pingJsonExtras(report), suppressed)));
  } else if (format === 'jsonl') {
    io.stdout(
      lines!.formatFindingsJsonl(head!, {
        findings: counted,
        suppressed,
        exitStatus: exitCode,
        extra: pingJsonlExtras(report),
      }),
    );
  } else if (format === 'openmetrics' || format === 'prometheus') {
    const { formatPingMetrics } = await import('../report/pingMetrics.js');
    io.stdout(formatPingMetrics({ report, suppressed: suppressed.length, exitCode, atMs: Date.now() }, format));
  } else if (format === 'text') {
    io.stdout(
      formatPingText(style, report, {
        bodyLimit: io.stdoutIsTTY ? 4096 : undefined,
        quiet: opts.quiet,
        verbose: opts.verbose,
      }),
    );
    io.stdout(formatSuppressedText(style, suppressed, opts.verbose));
  } else {
    return writeFindingsFormat(
      format,
      {
        command: 'ping',
        target: where,
        findings: counted,
        suppressed,
        exitCode,
        failOn,
        subject: { kind: 'ping', report },
      },
      io,
    );
  }
  return exitCode;
}

/**
 * A script PHP-FPM would not read gets the workers' user and the step of the
 * path that refuses it. /proc and the file tree are read only on this path.
 */
async function explainUnreadable(
  target: Target,
  found: Finding[],
  scriptFilename: string | undefined,
): Promise<Finding[]> {
  const i = found.findIndex((f) => f.id === 'script-unreadable' || f.id === 'primary-script-unknown');
  if (i === -1 || !scriptFilename?.startsWith('/') || scriptFilename === '/') return found;
  const [access, container, { liveSystem }] = await Promise.all([
    import('../checks/request/scriptAccess.js'),
    import('../checks/request/fpmContainer.js'),
    import('../system/index.js'),
  ]);
  const system = liveSystem();
  const out = [...found];
  // A file that is here but not in the container FPM runs in comes before permissions.
  const inContainer =
    found[i]!.id === 'primary-script-unknown'
      ? container.explainContainerScript(found[i]!, system, target, scriptFilename)
      : undefined;
  const explain =
    found[i]!.id === 'script-unreadable' ? access.explainScriptAccess : access.explainPrimaryScriptUnknown;
  out[i] = inContainer ?? explain(found[i]!, system, target, scriptFilename);
  return out;
}
