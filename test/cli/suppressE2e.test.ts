/**
 * The case the suppressions are for, end to end through the built CLI: a CI
 * job runs `fcgi-doctor check --offline --fail-on warning` on a vhost whose
 * backend listens on a socket in /tmp (the configuration alone can only say
 * "may": the team knows its machines run Apache without systemd, so the warning
 * is accepted). A real stand-in app listens there, as the web server's user, so
 * the live check finds nothing else; the project file is found from the
 * working directory, as a repository's would be. The live check reads the
 * machine instead (systemd not running here: no private /tmp), so there the
 * suppression is reported unused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../client/support.js';

const BIN = join(ROOT, 'bin', 'fcgi-doctor.cjs');
const WWW_DATA = 33;
const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('check --fail-on warning on a vhost with its socket in /tmp (real CLI, real socket)', () => {
  let dir: string;
  let sock: string;
  let app: ChildProcess;
  let vhost: string;

  beforeAll(async () => {
    // In /tmp itself, whatever TMPDIR says: the warning is about /tmp.
    dir = mkdtempSync('/tmp/fcgi-doctor-test-suppress-e2e-');
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'run'));
    chownSync(join(dir, 'run'), WWW_DATA, WWW_DATA);
    sock = join(dir, 'run', 'app.sock');
    app = spawn(process.execPath, [BIN, 'serve', sock, '-q'], { uid: WWW_DATA, gid: WWW_DATA, stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    vhost = join(dir, 'site.conf');
    copyFileSync(join(ROOT, 'fixtures', 'demo', 'external-app-vhost.conf'), vhost);
  });
  afterAll(() => {
    app?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const live = (...extra: string[]) =>
    execa(process.execPath, [BIN, 'check', vhost, '--fail-on', 'warning', '--no-color', ...extra], {
      cwd: join(dir, 'run'),
      env: { FCGI_DEMO_SOCKET: sock, NO_COLOR: '1' },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
  const check = (...extra: string[]) => live('--offline', ...extra);

  it('exits 1 without a suppression: the warning alone fails the job', async () => {
    expect(existsSync(sock)).toBe(true);
    rmSync(join(dir, '.fcgi-doctor.yaml'), { force: true });
    const r = await check('--format', 'json');
    const j = JSON.parse(r.stdout) as { findings: Array<{ id: string; severity: string }> };
    expect(j.findings.filter((f) => f.severity !== 'info').map((f) => f.id)).toEqual(['socket-in-private-tmp']);
    expect(r.exitCode).toBe(1);
  });

  it('exits 0 with the project file found upward, and the text report counts and lists the suppressed warning', async () => {
    writeFileSync(
      join(dir, '.fcgi-doctor.yaml'),
      'ignore:\n  - id: socket-in-private-tmp\n    reason: this host runs Apache without systemd, /tmp is shared\n    path: site.conf\n',
    );
    const r = await check('--verbose');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 finding suppressed (socket-in-private-tmp):');
    expect(r.stdout).toContain(
      `suppressed by ${join(dir, '.fcgi-doctor.yaml')}:2: this host runs Apache without systemd, /tmp is shared`,
    );
  });

  // Where no systemd runs (containers, CI) no unit gives Apache a private /tmp: socket-in-private-tmp does not fire live.
  it.skipIf(existsSync('/run/systemd/system'))(
    'the live check answers the question itself: both entries are stale, reported as info, and the exit status stays 0',
    async () => {
      writeFileSync(
        join(dir, '.fcgi-doctor.yaml'),
        'ignore:\n  - id: socket-in-private-tmp\n    reason: no systemd\n  - id: backend-timeout\n    reason: the app was slow last spring\n',
      );
      const r = await live('--format', 'json');
      const j = JSON.parse(r.stdout) as {
        findings: Array<{ id: string; severity: string; location?: { file: string; line?: number } }>;
        summary: { suppressed: number };
      };
      expect(r.exitCode, r.stdout).toBe(0);
      expect(j.summary.suppressed).toBe(0);
      expect(j.findings.filter((f) => f.id === 'suppression-unused')).toEqual([
        expect.objectContaining({ severity: 'info', location: { file: join(dir, '.fcgi-doctor.yaml'), line: 2 } }),
        expect.objectContaining({ severity: 'info', location: { file: join(dir, '.fcgi-doctor.yaml'), line: 4 } }),
      ]);
    },
  );

  it('the inline comment above the directive does the same without a project file', async () => {
    rmSync(join(dir, '.fcgi-doctor.yaml'), { force: true });
    const text = readFileSync(vhost, 'utf8').replace(
      /^FastCgiExternalServer/m,
      '# fcgi-doctor: ignore socket-in-private-tmp no systemd here\nFastCgiExternalServer',
    );
    const inline = join(dir, 'inline.conf');
    writeFileSync(inline, text);
    const r = await execa(
      process.execPath,
      [BIN, 'check', inline, '--offline', '--fail-on', 'warning', '--format', 'json'],
      {
        cwd: dir,
        env: { FCGI_DEMO_SOCKET: sock },
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      },
    );
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { suppressed: Array<{ source: string }> };
    expect(j.suppressed).toEqual([{ id: 'socket-in-private-tmp', reason: 'no systemd here', source: `${inline}:18` }]);
  });
});
