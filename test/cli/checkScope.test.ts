/**
 * `check FILE` on a server with two sites, one broken: the healthy site's check
 * passes (and says what is wrong elsewhere), the broken one's fails, the whole
 * server's fails (issue 14, the scope of check FILE).
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { assertNoCrashInOutput } from '../checks/strict.js';
import { captureIO, makeTempDir, ROOT, type TempDir } from '../client/support.js';
import { errorsText, outputValidator } from '../report/support.js';

const TREE = join(ROOT, 'fixtures', 'two-sites');
const HEALTHY = join(TREE, 'sites-available', 'healthy.conf');
const BROKEN = join(TREE, 'sites-available', 'broken.conf');
const validate = outputValidator();

interface Doc {
  summary: Record<string, number>;
  findings: Array<{ id: string; severity: string }>;
  elsewhere?: { summary: Record<string, number>; sites: string[]; findings: Array<{ id: string }> };
}

describe('check FILE counts only what FILE defines and what reaches its vhosts', () => {
  let dir: TempDir;
  let app: RunningServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = makeTempDir('scope');
    chmodSync(dir.path, 0o755);
    const socket = dir.join('app.sock');
    app = await startServer({ kind: 'unix', path: socket }, { mode: 0o666 });
    env = { TWO_SITES_ROOT: TREE, TWO_SITES_RUN: dir.path, TWO_SITES_SOCKET: socket };
  });
  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  async function check(args: string[]) {
    const io = captureIO();
    io.env = env;
    const code = await main(['check', '--no-color', ...args], io);
    assertNoCrashInOutput(io.stdoutText);
    return { code, stdout: io.stdoutText, stderr: io.stderrText };
  }

  async function json(args: string[]) {
    const r = await check([...args, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(validate(doc), errorsText(validate.errors)).toBe(true);
    return { code: r.code, doc: doc as unknown as Doc };
  }

  it('offline: the healthy site exits 0 and sums up the broken one in one line', async () => {
    const r = await check(['--offline', HEALTHY]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      // The warning: the broken site's socket sits in the test's TMPDIR, under /tmp.
      /elsewhere on this server \(from the configuration and the logs\): 1 error(, 1 warning)? in 1 other site \(.*sites-enabled\/broken\.conf\), not counted here; --verbose lists (it|them) — `fcgi-doctor check` with no file checks the whole server, live/,
    );
    expect(r.stdout).not.toContain('[proxy-url-invalid]');
    expect(r.stdout).not.toContain('broken.example');
  });

  it('offline: --verbose lists the findings elsewhere, still not counted', async () => {
    const r = await check(['--offline', '--verbose', HEALTHY]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('listed below, not counted here');
    expect(r.stdout).toContain('[proxy-url-invalid]');
    expect(r.stdout).toMatch(/0 errors, .* — no error found \(exit 0\)\n/);
  });

  it('offline: the broken site exits 1; the whole server exits 1 and sets nothing apart', async () => {
    expect((await check(['--offline', BROKEN])).code).toBe(1);
    const all = await check(['--offline', '--root', join(TREE, 'apache2.conf')]);
    expect(all.code).toBe(1);
    expect(all.stdout).not.toContain('elsewhere on this server');
    expect(all.stdout).toContain('[proxy-url-invalid]');
  });

  it('offline JSON: summary is the in-scope counts, elsewhere holds the rest; it validates against the schema', async () => {
    const healthy = await json(['--offline', HEALTHY]);
    expect(healthy.code).toBe(0);
    expect(healthy.doc.summary.error).toBe(0);
    expect(healthy.doc.elsewhere?.summary).toMatchObject({ error: 1 });
    expect(healthy.doc.elsewhere?.findings.map((f: { id: string }) => f.id)).toContain('proxy-url-invalid');
    expect(healthy.doc.elsewhere?.sites).toEqual([join(TREE, 'sites-enabled', 'broken.conf')]);
    const all = await json(['--offline', '--root', join(TREE, 'apache2.conf')]);
    expect(all.doc.elsewhere).toBeUndefined();
  });

  it('live: a socket missing in the broken site fails its check, not the healthy one (the server is not running here)', async () => {
    // No Apache serves this tree: server-not-running concerns every site alike, so it is set aside here.
    const ignore = ['--ignore', 'server-not-running'];
    const healthy = await json([...ignore, HEALTHY]);
    const ids = healthy.doc.findings.filter((f) => f.severity === 'error').map((f: { id: string }) => f.id);
    expect(ids).toEqual([]);
    expect(healthy.code).toBe(0);
    // The other site is judged on its configuration only: check FILE does not probe it (its socket is not looked at).
    expect(healthy.doc.elsewhere?.findings.map((f: { id: string }) => f.id)).not.toContain('socket-missing');
    const text = await check([...ignore, HEALTHY]);
    expect(text.stdout).toMatch(
      /elsewhere on this server \(from the configuration and the logs\): \d errors? in 1 other site/,
    );
    const broken = await json([...ignore, BROKEN]);
    expect(broken.code).toBe(1);
    expect(broken.doc.findings.map((f: { id: string }) => f.id)).toContain('socket-missing');
    expect((await check([...ignore, '--root', join(TREE, 'apache2.conf')])).code).toBe(1);
  });

  it('SARIF and github carry only the findings in scope', async () => {
    const sarif = await check(['--offline', HEALTHY, '--format', 'sarif']);
    expect(sarif.code).toBe(0);
    expect(sarif.stdout).not.toContain('proxy-url-invalid');
    const gh = await check(['--offline', HEALTHY, '--format', 'github']);
    expect(gh.stdout).not.toContain('proxy-url-invalid');
  });
});
