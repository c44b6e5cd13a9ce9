import { Command, CommanderError, Option } from 'commander';
import { isUsageError, processIO, type CliIO } from './io.js';
import { escapeControl } from '../report/escape.js';
import { FORMATS, wantsNagios } from './formats.js';
import { collect } from './parse.js';
import { TOOL_VERSION } from './version.js';

const OUTPUT_HELP =
  'write the report to this file, whole or not at all (a temporary file renamed over it), instead of standard output';

/** --output FILE: the command's standard output goes to FILE, written atomically (./output.ts); loaded only when asked. */
async function withOutput(file: string | undefined, io: CliIO, run: (io: CliIO) => Promise<number>): Promise<number> {
  if (file === undefined) return run(io);
  const { runToFile } = await import('./output.js');
  return runToFile(file, io, run);
}

/**
 * Wiring only: parse arguments, load the one command asked for (lazily, so
 * `ping` does not pay for the configuration parser), return the exit status.
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  const program = new Command('fcgi-doctor')
    .description('A doctor for FastCGI deployments: Apache, PHP-FPM, uWSGI, fcgiwrap and friends')
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError('(fcgi-doctor --help lists the commands)')
    .exitOverride()
    // Commander's errors quote the arguments: escaped, as is everything from outside (`explain $'\e]0;x\a'`).
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(escapeControl(s)) });

  const common = (cmd: Command, formats: readonly string[]) =>
    cmd
      .addOption(new Option('--format <format>', `output format: ${formats.join(', ')}`).default('text'))
      .option('-q, --quiet', 'findings only')
      .option('-v, --verbose', 'everything: each record or probe and its evidence')
      .option('--no-color', 'no colour (also NO_COLOR=1)')
      .option(
        '--ignore <ids>',
        'suppress findings of these ids (comma list, repeatable); counted, listed with --verbose',
        collect,
      )
      .option(
        '--config <file>',
        'the project file of suppressions (default: .fcgi-doctor.yaml here or in a directory above)',
      )
      .option('--output <file>', OUTPUT_HELP);

  // Each command's options, defined only when needed: `fcgi-doctor ping …` builds
  // ping alone (start-up counts for a health check); help, completion and
  // anything unknown get them all, so listings and suggestions stay whole.
  const define = new Map<string, () => void>();

  define.set('ping', () => {
    common(
      program
        .command('ping')
        .description('send one real FastCGI request straight to a backend')
        .argument('<target>', '/path.sock, unix:/path, host:port, [::1]:9000, tcp://host:port or fcgi://host:port')
        .option(
          '--script <path>',
          "SCRIPT_FILENAME (sets DOCUMENT_ROOT and SCRIPT_NAME to match); /ping reaches PHP-FPM's ping.path",
        )
        .option('--document-root <dir>', "DOCUMENT_ROOT (default: the script's directory)")
        .option('--uri <uri>', 'REQUEST_URI, with ?query for QUERY_STRING (default: SCRIPT_NAME)')
        .option('--method <method>', 'REQUEST_METHOD (default GET, POST with a body)')
        .option('--param <name=value>', 'a FastCGI parameter (repeatable; wins over defaults)', collect)
        .option('--header <name=value>', 'an HTTP request header, sent as HTTP_NAME (repeatable)', collect)
        .option('--body-file <file>', 'request body from a file, or - for standard input')
        .option('--timeout <duration>', 'whole request deadline: 5, 5s, 500ms', '5s')
        .option('--connect-timeout <duration>', 'connect deadline (default: --timeout)')
        .option('--expect-status <n>', 'expected status (repeatable or comma list; default: any 2xx or 3xx)', collect)
        .option('--expect-body <regex>', 'the body must match this regular expression')
        .option('--expect-header <name=regex>', 'a header must match (repeatable)', collect)
        .option(
          '--get-values',
          'ask FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS (waits at most 1s: many backends never answer)',
        )
        .option('--count <n>', 'send n requests and report latency and requests per second')
        .option('--concurrency <n>', 'requests in flight at once with --count', '1')
        .option('--keep-conn', 'with --count: reuse connections (FCGI_KEEP_CONN)')
        .option('--role <role>', 'responder (default) or authorizer')
        .option('--max-response-bytes <n>', 'stop reading a response beyond this size (default 8 MiB)')
        .option('--fail-on <severity>', 'exit 1 on findings of this severity or worse: error (default) or warning'),
      FORMATS,
    )
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor ping /run/php/php8.2-fpm.sock --script /ping --expect-body pong
    fcgi-doctor ping 127.0.0.1:9000 --script /var/www/html/index.php --expect-status 200
    fcgi-doctor ping unix:/tmp/fcgi.sock --format json
    fcgi-doctor ping /tmp/fcgi.sock --count 10000 --concurrency 32
    fcgi-doctor ping /run/php/php-fpm.sock --script /ping --expect-body pong --format nagios
    fcgi-doctor ping /run/php/php-fpm.sock --script /ping --format openmetrics

  Exit status: 0 the request completed and every expectation held; 1 it failed or
  an expectation did not hold; 2 bad arguments or unreadable input. With
  --format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.`,
      )
      .action(async (target: string, opts) => {
        const { runPing } = await import('./ping.js');
        exitCode = await withOutput(opts.output, io, (out) => runPing(target, opts, out));
      });
  });

  define.set('check', () => {
    common(
      program
        .command('check')
        .description('diagnose the FastCGI setups of a vhost file, or of the whole server')
        .argument(
          '[file]',
          'a vhost or nginx site file (sites-available or sites-enabled), a directory, or apache2.conf/httpd.conf/nginx.conf; none: the usual places',
        )
        .option('--offline', 'configuration only: no probes, no requests, no logs')
        .option('--http', 'also ask the web server itself for a URL of each setup (catches source code served as text)')
        .option('--since <when>', 'read log lines since: 2h, 30m, 7d or a date (default 24h)')
        .option('--root <file>', 'the root configuration file, when it is not in a usual place')
        .option('--server-root <dir>', 'ServerRoot, when the configuration does not say')
        .option(
          '--server <server>',
          'apache or nginx: whose configuration FILE is (default: told by the file; none: both found)',
        )
        .option('--timeout <duration>', 'deadline of each request to a backend', '5s')
        .option('--fail-on <severity>', 'exit 1 on findings of this severity or worse: error (default) or warning'),
      FORMATS,
    )
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor check /etc/apache2/sites-available/test
    fcgi-doctor check --offline /etc/apache2/sites-enabled/app.conf --format json
    fcgi-doctor check                      # the whole server: /etc/apache2 or /etc/httpd, and /etc/nginx
    fcgi-doctor check /etc/nginx/sites-available/default
    fcgi-doctor check --root /opt/httpd/conf/httpd.conf --fail-on warning
    fcgi-doctor check --offline site.conf --format sarif > fcgi-doctor.sarif
    fcgi-doctor check --offline site.conf --format github   # annotations in GitHub Actions
    fcgi-doctor check /etc/apache2/sites-enabled/app.conf --format nagios
    fcgi-doctor check --format openmetrics --output /var/lib/node_exporter/textfile/fcgi-check.prom

  Exit status: 0 no error found; 1 at least one error (or warning, with
  --fail-on warning); 2 the configuration could not be read or bad arguments.
  With --format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.`,
      )
      .action(async (file: string | undefined, opts) => {
        const { runCheckCommand } = await import('./check.js');
        exitCode = await withOutput(opts.output, io, (out) => runCheckCommand(file, opts, out));
      });
  });

  define.set('trace', () => {
    common(
      program
        .command('trace')
        .description(
          'how Apache or nginx routes one URL to which backend with which FastCGI params; then that very request',
        )
        .argument('<url>', 'the URL a browser asks for: http://blog.example.org/index.php/foo?x=1')
        .option('--offline', 'the route only: send no request to the backend')
        .option('--root <file>', 'the root configuration file, when it is not in a usual place')
        .option('--server-root <dir>', 'ServerRoot, when the configuration does not say')
        .option('--method <method>', 'the request method (default GET)')
        .option('--header <name=value>', 'a request header the browser sends (repeatable)', collect)
        .option('--timeout <duration>', 'deadline of the request to the backend', '5s')
        .option(
          '--server <server>',
          "the web server whose configuration routes the URL: apache or nginx (default: the one on this machine; with both, the one listening on the URL's port)",
        )
        .option('--fail-on <severity>', 'exit 1 on findings of this severity or worse: error (default) or warning'),
      ['text', 'json', 'sarif', 'github'],
    )
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor trace http://blog.example.org/index.php/foo?x=1
    fcgi-doctor trace --offline https://shop.example.org/ --format json
    fcgi-doctor trace http://localhost/app.php --header 'Accept=application/json' --method POST
    fcgi-doctor trace http://example.org/ --root /opt/httpd/conf/httpd.conf
    fcgi-doctor trace --server nginx http://shop.example.org/index.php/x?y=1

  Exit status: 0 the URL reaches a working backend, a static file or a
  redirect; 1 it ends in an error status (403, 404, 500… from the web server
  or the backend) or the backend fails; 2 bad URL or arguments, unreadable
  configuration, both web servers and no way to tell which (--server), or an
  internal error.`,
      )
      .action(async (url: string, opts) => {
        const { runTraceCommand } = await import('./trace.js');
        exitCode = await withOutput(opts.output, io, (out) => runTraceCommand(url, opts, out));
      });
  });

  define.set('logs', () => {
    common(
      program
        .command('logs')
        .description('match error logs against the catalog of known FastCGI messages')
        .argument(
          '[files...]',
          "log files (rotated and .gz too), or - for standard input; none: the ErrorLogs of the Apache configuration and PHP-FPM's logs",
        )
        .option('--since <when>', 'only lines since: 2h, 30m, 7d or a date')
        .option('--timeout <duration>', 'stop reading at this deadline and report what was read (for monitoring)')
        .option('--root <file>', 'the Apache configuration to take ErrorLog paths from')
        .option('--fail-on <severity>', 'exit 1 on findings of this severity or worse: error (default) or warning'),
      FORMATS,
    )
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor logs /var/log/apache2/error.log --since 2h
    journalctl -u php8.2-fpm | fcgi-doctor logs -
    fcgi-doctor logs --format json
    fcgi-doctor logs /var/log/apache2/error.log --since 15m --format nagios
    fcgi-doctor logs --since 15m --format openmetrics --output /var/lib/node_exporter/textfile/fcgi-logs.prom

  Exit status: 0 no error found; 1 at least one error (or warning, with
  --fail-on warning); 2 a log named could not be read, or bad arguments.
  With --format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.`,
      )
      .action(async (files: string[], opts) => {
        const { runLogsCommand } = await import('./logs.js');
        exitCode = await withOutput(opts.output, io, (out) => runLogsCommand(files, opts, out));
      });
  });

  define.set('status', () => {
    common(
      program
        .command('status')
        .description("a PHP-FPM pool's health from its status page: figures, thresholds, liveness and readiness probes")
        .argument(
          '[target]',
          "the pool's socket or address, as ping takes it: /run/php/php-fpm.sock, 127.0.0.1:9000, fcgi://host:port",
        )
        .option(
          '--all',
          'every PHP-FPM pool on the machine (every installed PHP version and running master), one row each',
        )
        .option(
          '--fpm-config <file>',
          "read pools from this php-fpm.conf instead of the machine's (repeatable): with --all, the pools listed; with TARGET, its pool file",
          collect,
        )
        .option('--path <path>', "the pool's pm.status_path (default: from the pool file when readable, else /status)")
        .option(
          '--interval <duration>',
          'sample twice this far apart: changes of the counters and requests per second (e.g. 5s)',
        )
        .option('--max-listen-queue <n>', 'fail when more connections than this wait for a worker (TCP pools)')
        .option('--min-idle <n>', 'fail when fewer workers than this are idle')
        .option('--max-busy-percent <p>', 'fail when more than this share of pm.max_children is busy')
        .option(
          '--fail-on-new <counters>',
          'fail when these counters grow during --interval: max-children-reached, slow-requests (comma list)',
          collect,
        )
        .option(
          '--probe <kind>',
          'liveness (is the pool alive? a busy pool is) or readiness (does it have room? thresholds hold)',
        )
        .option('--timeout <duration>', 'deadline of each status request: a stuck pool fails fast', '3s')
        .option(
          '--max-response-bytes <n>',
          'stop reading a status page beyond this size (default 4 MiB, at most 256 MiB)',
        )
        .option(
          '--serve-metrics <address>',
          'serve GET /metrics for Prometheus at HOST:PORT (a bare PORT: 127.0.0.1), each scrape a fresh read of every pool (or of TARGET)',
        ),
      ['text', 'json', 'nagios', 'jsonl', 'openmetrics', 'prometheus'],
    )
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor status /run/php/php-fpm.sock
    fcgi-doctor status 127.0.0.1:9000 --interval 5s -v
    fcgi-doctor status /run/php/php-fpm.sock --probe liveness          # container liveness
    fcgi-doctor status 127.0.0.1:9000 --probe readiness --max-listen-queue 10 --min-idle 1
    fcgi-doctor status 127.0.0.1:9000 --interval 5s --fail-on-new max-children-reached,slow-requests --format nagios
    fcgi-doctor status --all                                          # every pool, one row each
    fcgi-doctor status --all --fpm-config /etc/php/8.3/fpm/php-fpm.conf --format json
    fcgi-doctor status --all --format openmetrics --output /var/lib/node_exporter/textfile/fcgi.prom
    fcgi-doctor status --serve-metrics 127.0.0.1:9253               # GET /metrics for Prometheus

  The pool needs pm.status_path (e.g. "pm.status_path = /status") in its pool
  file; status asks for it over FastCGI, as the web server would. A pool with
  pm.status_listen (PHP >= 8.0) is read there: FPM answers it even when every
  worker is busy.

  Exit status: 0 the pool answered and every threshold held (--probe liveness:
  the pool is alive, even when every worker is busy); 1 a threshold or the probe
  failed, or the page could not be read (--all: of any pool with a
  pm.status_path; a pool without one is listed, not failed); 2 bad arguments. With --format nagios:
  0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. With --serve-metrics: 0 after SIGTERM
  or SIGINT, 2 when the address cannot be bound.`,
      )
      .action(async (target: string | undefined, opts) => {
        const { runStatus } = await import('./status.js');
        exitCode =
          opts.serveMetrics !== undefined
            ? await runStatus(target, opts, io)
            : await withOutput(opts.output, io, (out) => runStatus(target, opts, out));
      });
  });

  define.set('explain', () => {
    program
      .command('explain')
      .description('what a finding id or log rule means, why it happens and how to fix it')
      .argument('<id>', 'a finding id (socket-permission-denied) or a log rule id')
      .addOption(new Option('--format <format>', 'output format: text, json').default('text'))
      .option('--no-color', 'no colour')
      .option('--output <file>', OUTPUT_HELP)
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor explain socket-permission-denied
    fcgi-doctor explain primary-script-unknown --format json
    fcgi-doctor rules                      # every id explain knows`,
      )
      .action(async (id: string, opts) => {
        const { runExplain } = await import('./explain.js');
        exitCode = await withOutput(opts.output, io, (out) => runExplain(id, opts, out));
      });
  });

  define.set('rules', () => {
    program
      .command('rules')
      .description('the catalog: every finding id and every known log message')
      .addOption(new Option('--format <format>', 'output format: text, json').default('text'))
      .option('--no-color', 'no colour')
      .option('--output <file>', OUTPUT_HELP)
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor rules
    fcgi-doctor rules --format json | jq -r '.findingIds[].id'`,
      )
      .action(async (opts) => {
        const { runRules } = await import('./explain.js');
        exitCode = await withOutput(opts.output, io, (out) => runRules(opts, out));
      });
  });

  define.set('serve', () => {
    program
      .command('serve')
      .description('a stand-in FastCGI app that echoes what it receives')
      .argument(
        '[target]',
        'Unix socket path or host:port; none: the listening socket on file descriptor 0 (process managers)',
      )
      .option('--mode <octal>', 'Unix socket mode, e.g. 0660')
      .option('--group <group>', 'Unix socket group')
      .option('-q, --quiet', 'no start-up line')
      .option('-v, --verbose', 'a line on stderr per request, and per connection it closes')
      .option(
        '--max-connections <n>',
        'connections open at once; at the cap a new one closes the one quiet longest (default 1024)',
      )
      .option(
        '--idle-timeout <duration>',
        'close a connection with no request in progress after this long (default 30s)',
      )
      .option(
        '--stall-timeout <duration>',
        'close a connection whose half-sent request, or unread answer, makes no progress this long (default 15s)',
      )
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor serve /tmp/fcgi.sock --mode 0660 --group www-data
    fcgi-doctor serve 127.0.0.1:9000
    FcgidWrapper "/usr/bin/fcgi-doctor serve" virtual   (mod_fcgid hands it fd 0)`,
      )
      .action(async (target: string | undefined, opts) => {
        const { runServe } = await import('./serve.js');
        exitCode = await runServe(target, opts, io);
      });
  });

  define.set('completion', () => {
    program
      .command('completion')
      .description('print a shell completion script: commands, options and --format values')
      .argument('<shell>', 'bash or zsh')
      .option('--output <file>', OUTPUT_HELP)
      .addHelpText(
        'after',
        `
  Examples:
    fcgi-doctor completion bash > /etc/bash_completion.d/fcgi-doctor
    echo 'source <(fcgi-doctor completion bash)' >> ~/.bashrc
    fcgi-doctor completion zsh > "\${fpath[1]}/_fcgi-doctor"     # then: compinit`,
      )
      .action(async (shell: string, opts) => {
        const { runCompletion } = await import('./completion.js');
        exitCode = await withOutput(opts.output, io, (out) => runCompletion(shell, program, out));
      });
  });

  const asked = argv[0] !== undefined && argv[0] !== 'completion' ? define.get(argv[0]) : undefined;
  if (asked) asked();
  else for (const d of define.values()) d();

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      if (err.exitCode === 0) return 0;
      return toolFailure(argv, io, err.message.replace(/^error: /, ''));
    }
    if (isUsageError(err)) {
      io.stderr(`fcgi-doctor: ${escapeControl(err.message)}\n`);
      return toolFailure(argv, io, err.message);
    }
    // A stack trace helps us, not the person at the broken server: only on request.
    const detail = io.env.FCGI_DOCTOR_DEBUG
      ? ((err as Error).stack ?? String(err))
      : `${(err as Error).message ?? String(err)} (FCGI_DOCTOR_DEBUG=1 shows the stack)`;
    io.stderr(`fcgi-doctor: internal error: ${escapeControl(detail)}\n`);
    return toolFailure(argv, io, `internal error: ${(err as Error).message ?? String(err)}`);
  }
}

/** Exit status 2, the tool could not do its job; a monitoring plugin (--format nagios) says UNKNOWN instead, on one line of stdout. */
async function toolFailure(argv: string[], io: CliIO, reason: string): Promise<number> {
  if (!wantsNagios(argv)) {
    const { wantsJsonl, writeJsonlFailure } = await import('./jsonl.js');
    if (wantsJsonl(argv)) await writeJsonlFailure(argv, reason, io);
    return 2;
  }
  const { formatNagiosUnknown, NAGIOS_EXIT } = await import('../report/nagios.js');
  io.stdout(formatNagiosUnknown(reason));
  return NAGIOS_EXIT.UNKNOWN;
}
