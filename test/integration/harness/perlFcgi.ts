/**
 * A libfcgi-perl (`use FCGI;`) app, started the classic way:
 * `spawn-fcgi -n -s <sock> -u www-data -g www-data -U www-data -G www-data -M 0660 -- /usr/bin/perl app.pl`.
 * spawn-fcgi (running as root) binds the socket, chowns it, drops to the user
 * and, with -n, execs the app with the listening socket as file descriptor 0,
 * which is what FCGI::Request() accepts on by default. The same app source
 * runs under mod_fcgid (which also passes the socket as fd 0).
 */
import { harnessServer, type HarnessServer } from './server.js';
import { readFileSync } from 'node:fs';
import type { Endpoint } from './endpoint.js';
import { startProcess } from './process.js';
import { makeDir, makeTempDir, writeFile } from './tempdir.js';
import { waitFor, waitForEndpoint } from './waitFor.js';

export const SPAWN_FCGI_BINARY = '/usr/bin/spawn-fcgi';
export const PERL_BINARY = '/usr/bin/perl';

/**
 * Echo app: answers each request with a JSON object of its params, plus
 * BODY_LENGTH (bytes of FCGI_STDIN read) and PID; `?status=NNN` sets the
 * Status, `?stderr=text` writes text to FCGI_STDERR.
 */
export const PERL_ECHO_APP = `#!/usr/bin/perl
use strict;
use warnings;
use FCGI;
use IO::Handle;
use JSON::PP;

my ($in, $out, $err) = (IO::Handle->new, IO::Handle->new, IO::Handle->new);
my %env;
my $request = FCGI::Request($in, $out, $err, \\%env);
my $json = JSON::PP->new->canonical(1);

while ($request->Accept() >= 0) {
    my $len = $env{CONTENT_LENGTH} || 0;
    my $body = '';
    while (length($body) < $len) {
        my $n = read($in, my $chunk, $len - length($body));
        last unless $n;
        $body .= $chunk;
    }
    my %q = map { my ($k, $v) = split /=/, $_, 2; ($k, defined $v ? $v : '') } grep { length } split /&/, ($env{QUERY_STRING} || '');
    print $err $q{stderr}, "\\n" if defined $q{stderr};
    my %reply = (%env, BODY_LENGTH => length($body), PID => $$);
    my $data = $json->encode(\\%reply);
    print $out "Status: ", ($q{status} || '200'), "\\r\\n";
    print $out "Content-Type: application/json\\r\\n\\r\\n";
    print $out $data;
    $request->Finish();
}
`;

export interface StartPerlFcgiOptions {
  /** App source (default PERL_ECHO_APP). */
  source?: string;
  /** Socket path (default `<dir>/run/perl-fcgi.sock`). */
  socketPath?: string;
  /** -u/-g: the app's user and group (default www-data); `null` keeps root. */
  user?: string | null;
  group?: string | null;
  /** -U/-G: the socket's owner and group (default www-data); `null` leaves them root's. */
  socketOwner?: string | null;
  socketGroup?: string | null;
  /** -M: the socket's mode (default '0660'). */
  socketMode?: string;
  timeoutMs?: number;
}

export interface PerlFcgiServer extends HarnessServer {
  endpoint: Endpoint & { kind: 'unix' };
  appPath: string;
}

export async function startPerlFcgi(opts: StartPerlFcgiOptions = {}): Promise<PerlFcgiServer> {
  const tmp = makeTempDir('perl-fcgi');
  try {
    makeDir(tmp.join('run'));
    const appPath = writeFile(tmp.join('app', 'app.pl'), opts.source ?? PERL_ECHO_APP, 0o755);
    const socketPath = opts.socketPath ?? tmp.join('run', 'perl-fcgi.sock');
    const user = opts.user === undefined ? 'www-data' : opts.user;
    const group = opts.group === undefined ? (user === null ? null : 'www-data') : opts.group;
    const sOwner = opts.socketOwner === undefined ? 'www-data' : opts.socketOwner;
    const sGroup = opts.socketGroup === undefined ? 'www-data' : opts.socketGroup;
    const args = ['-n', '-s', socketPath, '-M', opts.socketMode ?? '0660'];
    if (user !== null) args.push('-u', user);
    if (group !== null) args.push('-g', group);
    if (sOwner !== null) args.push('-U', sOwner);
    if (sGroup !== null) args.push('-G', sGroup);
    args.push('--', PERL_BINARY, appPath);
    const logPath = tmp.join('perl-fcgi.log');
    const proc = startProcess(SPAWN_FCGI_BINARY, args, {
      name: 'spawn-fcgi perl',
      outputPath: logPath,
      cwd: tmp.join('app'),
      ownedPaths: [tmp.path],
    });
    const endpoint = { kind: 'unix' as const, path: socketPath };
    const stop = async () => {
      await proc.stop();
      tmp.remove();
    };
    try {
      await waitForEndpoint(endpoint, { process: proc, timeoutMs: opts.timeoutMs ?? 20_000 });
      // spawn-fcgi binds before it execs perl: the socket accepts (into the
      // backlog) even if the app then dies. Wait for the exec, then make sure
      // the app survived its start (use FCGI etc.).
      await waitFor(() => readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').startsWith(PERL_BINARY), {
        what: 'spawn-fcgi to exec perl',
        process: proc,
        timeoutMs: 5000,
      });
      await waitFor(
        async () => {
          await new Promise((r) => setTimeout(r, 150));
          return true;
        },
        { what: 'perl to load the app', process: proc, timeoutMs: 2000 },
      );
      if (proc.exited()) throw new Error(`perl FastCGI app exited at start:\n${proc.output(4096)}`);
    } catch (e) {
      await stop();
      throw e;
    }
    return { ...harnessServer(tmp.path, logPath, proc, stop), endpoint, appPath };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}
