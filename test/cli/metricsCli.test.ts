/**
 * The metric formats and `--serve-metrics` through main(), in-process: the
 * exit statuses stay the contract's, the combinations that make no sense are
 * usage errors (exit 2), and the finding formats of check carry the same
 * verdict as JSON.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIO } from '../client/support.js';

const ROOT = join(import.meta.dirname, '..', '..');
const fixture = (...p: string[]) => join(ROOT, 'fixtures', ...p);

async function run(args: string[]) {
  const io = captureIO();
  const code = await main(args, io);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

describe('metric formats through main()', () => {
  it('check --offline: the exit status of json, findings counted by id in both formats', async () => {
    const vhost = fixture('seed', 'lazy-vhost');
    const json = await run(['check', '--offline', vhost, '--format', 'json']);
    const ids = (JSON.parse(json.stdout).findings as Array<{ id: string }>).map((f) => f.id);
    for (const format of ['openmetrics', 'prometheus']) {
      const r = await run(['check', '--offline', vhost, '--format', format]);
      expect(r.code, format).toBe(json.code);
      expect(r.stdout).toMatch(/^fcgi_doctor_up\{command="check",target="[^"]+lazy-vhost"\} 1$/m);
      for (const id of new Set(ids)) expect(r.stdout).toContain(`id="${id}"`);
      expect(r.stdout.endsWith('# EOF\n'), format).toBe(format === 'openmetrics');
    }
  });

  it('check of a file that cannot be read (/dev/zero): exit 2 as before, fcgi_doctor_up 0', async () => {
    const r = await run(['check', '--offline', '/dev/zero', '--format', 'openmetrics']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^fcgi_doctor_up\{[^}]*\} 0$/m);
  });

  it('logs of a file that does not exist: exit 2, up 0; of a log: exit status of json', async () => {
    const missing = await run(['logs', join(ROOT, 'no-such.log'), '--format', 'openmetrics']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/^fcgi_doctor_up\{command="logs",target="[^"]+no-such\.log"\} 0$/m);
  });

  it('status of a socket that does not exist: exit 1 as before, up 0', async () => {
    const r = await run(['status', join(ROOT, 'no-such.sock'), '--format', 'prometheus', '--timeout', '1s']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fcgi_doctor_up\{command="status",target="[^"]+no-such\.sock"\} 0$/m);
    expect(r.stdout).not.toContain('# EOF');
  });
});

describe('status --serve-metrics: what it refuses', () => {
  it.each([
    [['--serve-metrics', 'nonsense'], /--serve-metrics takes HOST:PORT/],
    [['--serve-metrics', '9253', '--format', 'json'], /--format does not go with --serve-metrics/],
    [['--serve-metrics', '9253', '--output', '/tmp/x.prom'], /--output does not go with --serve-metrics/],
    [['--serve-metrics', '9253', '--interval', '5s'], /--interval does not go with --serve-metrics/],
    [['--serve-metrics', '9253', '--probe', 'liveness'], /--probe does not go with --serve-metrics/],
    [['--serve-metrics', '9253', '--path', '/st'], /--path does not go with --serve-metrics/],
  ])('status %j: exit 2', async (args, message) => {
    const r = await run(['status', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});
