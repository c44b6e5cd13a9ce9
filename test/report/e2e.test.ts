/**
 * The real bin as a child process (execa): what a CI step or a monitoring
 * engine sees, stdout and exit status, for each format.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, delay, ensureBuilt, makeTempDir, type TempDir } from '../client/support.js';
import { fixture } from './support.js';

const FORMATS = ['text', 'json', 'sarif', 'github', 'nagios'] as const;

function cli(args: string[]) {
  return execa(process.execPath, [BIN, ...args], {
    reject: false,
    env: { NO_COLOR: '1' },
    extendEnv: true,
    stdin: 'ignore',
  });
}

/** The contract's status for every format but nagios, which maps 0/1/2 findings to OK/WARNING/CRITICAL and a tool failure to UNKNOWN. */
function expected(contract: number, nagios: number, format: string): number {
  return format === 'nagios' ? nagios : contract;
}

describe('the bin, end to end: exit status of each format', () => {
  let dir: TempDir;
  let serve: ResultPromise;
  let sock: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = makeTempDir('e2e');
    sock = dir.join('app.sock');
    serve = execa(process.execPath, [BIN, 'serve', sock, '--quiet'], { reject: false });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await delay(50);
  }, 120_000);
  afterAll(async () => {
    serve.kill('SIGTERM');
    await serve;
    dir.remove();
  });

  for (const format of FORMATS) {
    it(`--format ${format}`, async () => {
      const cases: Array<[string[], number, number]> = [
        [['check', '--offline', fixture('seed', 'lazy-vhost')], 1, 2],
        [['check', '--offline', fixture('seed', 'external-socket-vhost')], 0, 1],
        [['check', '--offline', fixture('seed', 'external-socket-vhost'), '--fail-on', 'warning'], 1, 2],
        [['check', '--offline', dir.join('absent.conf')], 2, 3],
        [['logs', fixture('logs', 'mixed-noise.log')], 1, 2],
        [['logs', dir.join('absent.log')], 2, 3],
        [['ping', sock, '--script', '/ping'], 0, 0],
        [['ping', sock, '--expect-body', 'no such words'], 1, 2],
        [['ping', dir.join('absent.sock')], 1, 2],
        [['ping', sock, '--fail-on', 'sometimes'], 2, 3],
        [['ping', sock, '--count', '50', '--concurrency', '5'], 0, 0],
      ];
      for (const [args, contract, nagios] of cases) {
        const r = await cli([...args, '--format', format]);
        const what = `${args.join(' ')} --format ${format}\n${r.stdout}\n${r.stderr}`;
        expect(r.exitCode, what).toBe(expected(contract, nagios, format));
        const out = String(r.stdout);
        if (format === 'json' && contract !== 2) expect(() => JSON.parse(out), what).not.toThrow();
        if (format === 'sarif' && contract !== 2) expect(JSON.parse(out).version, what).toBe('2.1.0');
        if (format === 'nagios') expect(out, what).toMatch(/^FCGI-DOCTOR (OK|WARNING|CRITICAL|UNKNOWN) - [^\n]+\n?$/);
      }
    });
  }

  it('ping --format nagios carries the time and size of the response, and the load figures', async () => {
    const one = await cli(['ping', sock, '--script', '/ping', '--format', 'nagios']);
    expect(one.stdout).toMatch(
      /^FCGI-DOCTOR OK - 200 OK from .*app\.sock in [\d.]+ ms \| time=[\d.e-]+s;;;0 size=\d+B;;;0 errors=0;;;0 warnings=0;;;0 info=0;;;0$/,
    );
    const load = await cli(['ping', sock, '--count', '20', '--format', 'nagios']);
    expect(load.stdout).toMatch(
      /^FCGI-DOCTOR OK - 20 of 20 requests to .* ok, \d+ requests\/s \| requests_per_second=[\d.]+;;;0 latency_median=[\d.e-]+s;;;0 latency_p99=[\d.e-]+s;;;0 failed=0;;;0;20 errors=0/,
    );
    const down = await cli(['ping', dir.join('absent.sock'), '--format', 'nagios']);
    expect(down.stdout).toMatch(/^FCGI-DOCTOR CRITICAL - 1 error: .*\[socket-missing\] \|/);
  });

  it('github annotations of ping failures, and nothing but the annotations and a summary line', async () => {
    const r = await cli(['ping', dir.join('absent.sock'), '--format', 'github']);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^::error title=The socket does not exist \[socket-missing\]::/);
    expect(lines.at(-1)).toMatch(/^fcgi-doctor .*absent\.sock: 1 error, 0 warnings, 0 info \(exit 1\)$/);
  });

  it('--help of every command has examples', async () => {
    // The commands as the top-level help lists them: a command added later is checked too.
    const top = await cli(['--help']);
    const listed = [
      ...String(top.stdout)
        .split('Commands:')[1]!
        .matchAll(/^ {2}([a-z]+) /gm),
    ]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    expect(listed).toEqual(
      expect.arrayContaining(['ping', 'check', 'logs', 'status', 'serve', 'explain', 'rules', 'completion']),
    );
    for (const cmd of listed) {
      const r = await cli([cmd, '--help']);
      expect(r.exitCode, cmd).toBe(0);
      expect(r.stdout, cmd).toContain('Examples:');
      expect(r.stdout, cmd).toMatch(new RegExp(`^\\s+fcgi-doctor ${cmd} `, 'm'));
    }
    const ping = await cli(['ping', '--help']);
    expect(ping.stdout).toMatch(/--format <format> +output format: text, json, sarif, github,\s+nagios/);
    expect(ping.stdout).toContain('--fail-on <severity>');
  });
});
