import { analyzeConfig } from '../checks/config/index.js';
import { parseSince, rotatedLogSources, scanLogs, type LogNotice, type LogSource } from '../logs/index.js';
import { buildEnvelope, formatJson } from '../report/envelope.js';
import { formatLogsText } from '../report/logsText.js';
import { formatSuppressedText } from '../report/suppressedText.js';
import { loadStyle } from '../report/style.js';
import { definedOnly, exitStatusFor, parseFailOn } from './check.js';
import { FORMATS, writeFindingsFormat } from './formats.js';
import { colorEnabled, UsageError, type CliIO } from './io.js';
import { parseDuration, parseFormat } from './parse.js';
import { loadSuppressions, reported, suppress, type SuppressionOptions } from './suppressions.js';
import { TOOL_VERSION } from './version.js';
import { liveFileSystem } from '../system/fileSystem.js';
import { fpmLogFiles } from '../system/fpmLogs.js';
import { liveSystem } from '../system/index.js';
import { fpmLogsOf } from '../checks/probes/fpmLogs.js';
import { fpmLogFindings, type FpmLogTargets } from '../checks/fpmLogTargets.js';
import { isProbeError } from '../system/types.js';

// `logs /dev/stdin` means standard input; opened as a file it would be refused (a pipe).
const STDIN_NAMES: ReadonlySet<string> = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

const CANNOT_READ: ReadonlySet<LogNotice['code']> = new Set(['unreadable', 'missing', 'not-a-file', 'read-error']);

export interface LogsCliOptions extends SuppressionOptions {
  since?: string;
  timeout?: string;
  root?: string;
  failOn?: string;
  format?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

/** With no file named: the ErrorLogs Apache's configuration names, and PHP-FPM's logs, with their rotated siblings. */
async function defaultSources(
  root: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<{ sources: LogSource[]; from: string; fpm: FpmLogTargets }> {
  const { model } = analyzeConfig({ root, env: definedOnly(env) });
  const fs = liveFileSystem();
  const paths = new Set<string>();
  for (const log of model.errorLogs)
    if (log.target.startsWith('/') && !isProbeError(fs.stat(log.target))) paths.add(log.target);
  for (const p of fpmLogFiles(fs)) paths.add(p);
  // Every FPM installation's error_log and each pool's slowlog, as its configuration names them.
  const fpm = fpmLogsOf(liveSystem());
  for (const f of fpm.files) if (!isProbeError(fs.stat(f.path))) paths.add(f.path);
  const all: LogSource[] = [];
  for (const p of paths) all.push(...(await rotatedLogSources(p)));
  return { sources: all, from: model.filesRead.length ? model.rootFile : 'the usual places', fpm };
}

export async function runLogsCommand(files: string[], opts: LogsCliOptions, io: CliIO): Promise<number> {
  const format = parseFormat(opts.format ?? 'text', FORMATS);
  const failOn = parseFailOn(opts.failOn);
  let since: Date | undefined;
  try {
    since = opts.since ? parseSince(opts.since) : undefined;
  } catch (err) {
    throw new UsageError(`--since: ${(err as Error).message}`);
  }
  const suppressions = await loadSuppressions(opts, reported('logs'));
  const explicit = files.length > 0;
  const { sources, fpm } = explicit
    ? {
        fpm: undefined,
        sources: files.map(
          (f): LogSource =>
            STDIN_NAMES.has(f) ? { name: '(standard input)', stream: io.stdin as AsyncIterable<Buffer> } : { path: f },
        ),
      }
    : await defaultSources(opts.root, io.env);
  // FPM's logs that are not files here (syslog, a foreground master's stderr, workers' stderr
  // discarded): the notes `check` shows, from the same place (src/checks/fpmLogTargets.ts).
  const elsewhere: LogNotice[] = (fpm?.notes ?? []).map((message) => ({
    source: 'PHP-FPM',
    code: 'elsewhere',
    message,
  }));
  if (!explicit && sources.length === 0) {
    const where = elsewhere.length ? ` (${elsewhere.map((n) => n.message).join(' ')})` : '';
    throw new UsageError(
      `no error log found: name one (fcgi-doctor logs /var/log/apache2/error.log), or - for standard input${where}`,
    );
  }
  // --timeout bounds the whole scan: a monitoring check must answer, even on a huge log.
  const deadline = opts.timeout ? Date.now() + parseDuration(opts.timeout, '--timeout') : undefined;
  const scan = await scanLogs(sources, { since, deadline, deadlineName: `--timeout ${opts.timeout ?? ''}` });
  const result = { ...scan, notices: [...scan.notices, ...elsewhere] };
  // A log the user named and we could not read: the tool could not do its job. A log read
  // in part (cut by --timeout, long lines, a damaged .gz read up to the damage) is reported.
  const unreadableNamed = explicit && result.notices.some((n) => CANNOT_READ.has(n.code));
  // FPM's limits named at their pool file line (request_terminate_timeout, pm.max_children).
  const scanned = fpm ? fpmLogFindings(result.findings, result.groups, fpm) : result.findings;
  const { findings, suppressed } = suppress(scanned, suppressions);
  const exitCode = unreadableNamed ? 2 : exitStatusFor(findings, failOn);
  const target = sources.map((s) => ('path' in s ? s.path : s.name)).join(', ');
  if (format === 'json') {
    io.stdout(
      formatJson(
        buildEnvelope(
          TOOL_VERSION,
          'logs',
          target,
          findings,
          { notices: result.notices, stats: result.stats },
          suppressed,
        ),
      ),
    );
  } else if (format === 'jsonl') {
    const { writeFindingsJsonl } = await import('./jsonl.js');
    await writeFindingsJsonl(
      'logs',
      target,
      { findings, suppressed, exitStatus: exitCode, extra: { notices: result.notices, stats: result.stats } },
      io,
    );
  } else if (format === 'openmetrics' || format === 'prometheus') {
    const { formatLogsMetrics } = await import('../report/logsMetrics.js');
    io.stdout(
      formatLogsMetrics(
        { target, findings, suppressed: suppressed.length, exitCode, stats: result.stats, atMs: Date.now() },
        format,
      ),
    );
  } else if (format !== 'text') {
    const code = await writeFindingsFormat(
      format,
      {
        command: 'logs',
        target,
        findings,
        suppressed,
        exitCode,
        failOn,
        subject: { kind: 'logs', stats: result.stats, notices: result.notices },
      },
      io,
    );
    if (unreadableNamed) for (const n of result.notices) io.stderr(`fcgi-doctor: ${n.message}\n`);
    return code;
  } else {
    const style = await loadStyle(colorEnabled(io, opts.color));
    io.stdout(
      formatLogsText(
        style,
        { target, findings, notices: result.notices, stats: result.stats, exitCode },
        { quiet: opts.quiet },
      ),
    );
    io.stdout(formatSuppressedText(style, suppressed, opts.verbose));
  }
  if (
    unreadableNamed &&
    (format === 'json' || format === 'jsonl' || format === 'openmetrics' || format === 'prometheus')
  )
    for (const n of result.notices) io.stderr(`fcgi-doctor: ${n.message}\n`);
  return exitCode;
}
