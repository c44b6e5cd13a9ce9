import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FINDINGS } from '../../src/findings/registry.js';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIO, ROOT } from '../client/support.js';
import { errorsText, outputValidator } from '../report/support.js';

async function run(args: string[], stdin = '') {
  const io = captureIO(stdin);
  const code = await main(args, io);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

const mixed = join(ROOT, 'fixtures', 'logs', 'mixed-noise.log');

describe('fcgi-doctor logs', () => {
  it('finds the FastCGI problems in a noisy log and exits 1', async () => {
    const r = await run(['logs', mixed, '--format', 'json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.command).toBe('logs');
    const ids = json.findings.map((f: { id: string }) => f.id);
    expect(ids).toContain('primary-script-unknown');
    expect(ids).toContain('socket-missing');
    expect(json.stats.lines).toBe(200);
  });

  it('reads standard input and finds nothing in noise', async () => {
    const noise =
      '[Tue Mar 05 10:00:00.000000 2024] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 (Debian) configured -- resuming normal operations\n';
    const r = await run(['logs', '-'], noise);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no known FastCGI problem');
    // one line read: "1 line", not "1 lines"
    expect(r.stdout).toMatch(/^ {2}1 line, /m);
  });

  it('exits 2 when a log it was told to read cannot be read', async () => {
    const r = await run(['logs', '/nonexistent/error.log']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/does not exist/);
  });

  it('--timeout stops a long scan at the deadline, says so, and still reports', async () => {
    const line = '[Tue Mar 05 10:00:00.000000 2024] [core:notice] [pid 1:tid 1] AH00094: Command line: apache2\n';
    // ~38 MB in 64 KiB pieces, as a pipe delivers it: far more than 1 ms of reading.
    const piece = line.repeat(700);
    const io = captureIO();
    io.stdin = Readable.from(
      (function* () {
        for (let i = 0; i < 572; i++) yield Buffer.from(piece);
      })(),
    );
    const code = await main(['logs', '-', '--timeout', '1ms', '--format', 'json'], io);
    expect(code).toBe(0);
    const json = JSON.parse(io.stdoutText);
    const validate = outputValidator();
    expect(validate(json), errorsText(validate.errors)).toBe(true);
    expect(json.notices.map((n: { code: string }) => n.code)).toContain('deadline');
    expect(json.stats.lines).toBeLessThan(400_000);
  });

  it('escapes control characters a log line carries', async () => {
    const hostile =
      "[Tue Mar 05 10:02:20.308661 2024] [proxy_fcgi:error] [pid 2240:tid 1] [client 203.0.113.50:40100] AH01071: Got error 'Primary script unknown \u001b]0;pwned\u0007'\n";
    const r = await run(['logs', '-'], hostile);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('\\e]0;pwned');
  });
});

describe('fcgi-doctor explain and rules', () => {
  it('explains a log rule', async () => {
    const r = await run(['explain', 'fpm-primary-script-unknown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('primary-script-unknown');
    expect(r.stdout).toContain('How to fix');
  });

  it('exits 2 on an unknown id, suggesting close ones', async () => {
    const r = await run(['explain', 'primary-script']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean .*primary-script-unknown/);
  });

  it('lists the catalog as JSON', async () => {
    const r = await run(['rules', '--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.rules.length).toBeGreaterThan(100);
    expect(json.rules[0]).toHaveProperty('finding');
  });

  it('lists the finding ids of the registry, with who emits each and the contract flag', async () => {
    const r = await run(['rules', '--format', 'json']);
    const json = JSON.parse(r.stdout) as {
      findingIds: Array<{
        id: string;
        severity: string;
        title: string;
        parts: string[];
        contract: boolean;
        appliesTo: string[];
      }>;
    };
    expect(
      json.findingIds.map(({ id, severity, title, parts, contract }) => ({ id, severity, title, parts, contract })),
    ).toEqual(
      FINDINGS.map((f) => ({
        id: f.id,
        severity: f.severity,
        title: f.title,
        parts: [...f.parts],
        contract: 'contract' in f,
      })),
    );
    expect(json.findingIds.find((f) => f.id === 'slow-request')).toMatchObject({
      parts: ['status', 'logs'],
      contract: false,
      appliesTo: ['php-fpm'],
    });
    const text = await run(['rules', '--no-color']);
    expect(text.stdout).toMatch(/^ {2}slow-request +info +status,logs +A PHP request was slower/m);
  });
});
