import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { assertNoCrashInOutput } from '../checks/strict.js';
import { captureIO, makeTempDir, ROOT, type TempDir } from '../client/support.js';

const fixture = (...p: string[]) => join(ROOT, 'fixtures', ...p);

async function check(args: string[], env: Record<string, string> = {}) {
  const io = captureIO();
  io.env = env;
  const code = await main(['check', ...args], io);
  // A crashed step must fail the test, whatever the test then asserts.
  assertNoCrashInOutput(io.stdoutText);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

describe('check --offline', () => {
  it("reports the seed's lazy vhost Options line and exits 1", async () => {
    const r = await check(['--offline', fixture('seed', 'lazy-vhost'), '--format', 'json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.command).toBe('check');
    const mixed = json.findings.find((f: { id: string }) => f.id === 'options-mixed-syntax');
    expect(mixed.location).toMatchObject({ file: fixture('seed', 'lazy-vhost'), line: 7 });
    expect(json.checked.steps).toEqual({ config: true, probes: false, requests: false, logs: false });
    expect(json.checked.setups[0]).toMatchObject({ module: 'fastcgi', mode: 'static', endpoint: '/tmp/fcgi.sock' });
  });

  it('exits 2 for a file that does not exist', async () => {
    const r = await check(['--offline', '/nonexistent/vhost.conf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist/);
  });

  it('--fail-on warning turns a warning into exit 1', async () => {
    const ok = await check(['--offline', fixture('seed', 'external-socket-vhost')]);
    expect(ok.code).toBe(0);
    const strict = await check(['--offline', fixture('seed', 'external-socket-vhost'), '--fail-on', 'warning']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('socket-in-private-tmp');
  });
});

describe('check of something that is not a file', () => {
  it('a FIFO or a device named as the file to check: exit 2, said plainly, never opened (a FIFO would block)', async () => {
    const dir = makeTempDir('check-fifo');
    try {
      const fifo = dir.join('site.conf');
      execFileSync('mkfifo', [fifo]);
      for (const target of [fifo, '/dev/zero']) {
        const r = await check(['--offline', target]);
        expect(r.code).toBe(2);
        expect(r.stdout).toContain(`${target} is not a regular file (a device, a FIFO or a socket)`);
      }
    } finally {
      dir.remove();
    }
  });
});

describe('check with a real request to the backend', () => {
  let dir: TempDir;
  let app: RunningServer;
  let socket: string;
  beforeAll(async () => {
    dir = makeTempDir('check');
    // mkdtemp makes the directory 0700: the web server's user could not reach the socket in it.
    chmodSync(dir.path, 0o755);
    socket = dir.join('app.sock');
    // 0666: the web server's user must be able to connect, or check rightly says it cannot.
    app = await startServer({ kind: 'unix', path: socket }, { mode: 0o666 });
  });
  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  it('finds the demo vhost healthy when its backend answers', async () => {
    const r = await check([fixture('demo', 'external-app-vhost.conf'), '--format', 'json'], {
      FCGI_DEMO_SOCKET: socket,
    });
    const json = JSON.parse(r.stdout);
    expect(json.summary.error).toBe(0);
    expect(r.code).toBe(0);
    expect(json.checked.setups[0].request).toMatchObject({ status: 200, script: '/var/www/test/htdocs/app.py' });
  });

  it('reports a missing socket at the config line that names it', async () => {
    const missing = dir.join('typo.sock');
    const r = await check([fixture('demo', 'external-app-vhost.conf'), '--format', 'json'], {
      FCGI_DEMO_SOCKET: missing,
    });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    const f = json.findings.find((x: { id: string }) => x.id === 'socket-missing');
    expect(f.location).toMatchObject({ file: fixture('demo', 'external-app-vhost.conf'), line: 18 });
    expect(f.setup).toBe(json.checked.setups[0].id);
    expect(f.evidence.some((e: { kind: string }) => e.kind === 'request')).toBe(true);
  });

  it('prints the text report with the setup block and the verdict', async () => {
    const r = await check([fixture('demo', 'external-app-vhost.conf')], { FCGI_DEMO_SOCKET: socket });
    expect(r.stdout).toContain('fastcgi · external');
    expect(r.stdout).toMatch(/request\s+200 OK/);
    expect(r.stdout).toMatch(/no error found \(exit 0\)\n$/);
  });
});
