import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectFile } from '../../src/cli/suppressions.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { makeTempDir, type TempDir } from '../client/support.js';
import { errorsText, fixture, outputValidator, run, sarifValidator } from '../report/support.js';

// The seed vhost: one warning, socket-in-private-tmp, at line 16 (FastCgiExternalServer … -socket /tmp/fcgi.sock).
const VHOST = fixture('seed', 'external-socket-vhost');
const VHOST_TEXT = readFileSync(VHOST, 'utf8');
const validate = outputValidator();

let dir: TempDir;
beforeAll(() => {
  dir = makeTempDir('suppress');
});
afterAll(() => dir.remove());

/** The seed vhost with `comment` inserted before its line `before` (1-based). */
function vhostWith(name: string, before: number, comment: string): string {
  const lines = VHOST_TEXT.split('\n');
  lines.splice(before - 1, 0, comment);
  const file = dir.join(name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

function projectFile(name: string, text: string): string {
  const file = dir.join(name);
  writeFileSync(file, text);
  return file;
}

const check = (...args: string[]) => run(['check', '--offline', '--fail-on', 'warning', '--no-color', ...args]);
const json = (r: { stdout: string }) =>
  JSON.parse(r.stdout) as {
    findings: Array<{ id: string; severity: string; title?: string; message?: string }>;
    summary: Record<string, number>;
    suppressed: Array<{ id: string; reason: string; source: string }>;
  };

describe('--ignore', () => {
  it('takes the warning out of what counts: --fail-on warning exits 0 instead of 1, and says so', async () => {
    const without = await check(VHOST);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('[socket-in-private-tmp]');
    const r = await check(VHOST, '--ignore', 'socket-in-private-tmp');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('[socket-in-private-tmp]');
    expect(r.stdout).toContain('1 finding suppressed (socket-in-private-tmp); --verbose lists them');
    const verbose = await check(VHOST, '--ignore', 'other-id,socket-in-private-tmp', '--verbose');
    expect(verbose.stdout).toMatch(
      /warning The socket \/tmp\/fcgi\.sock is under \/tmp \[socket-in-private-tmp\] at .*external-socket-vhost:16\n\s+suppressed by --ignore: given with --ignore/,
    );
  });

  it('a wrong id changes nothing', async () => {
    const r = await check(VHOST, '--ignore', 'socket-in-private-temp');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[socket-in-private-tmp]');
  });

  it('rejects what is not an id (exit 2)', async () => {
    const r = await check(VHOST, '--ignore', 'a b');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ignore takes finding ids');
  });

  it('logs and ping take it too; there an --ignore that matched nothing is reported as info', async () => {
    const log = fixture('logs', 'php-fpm-max-children.log');
    const before = json(await run(['logs', log, '--format', 'json']));
    const after = await run([
      'logs',
      log,
      '--format',
      'json',
      '--ignore',
      'max-children-reached',
      '--ignore',
      'no-such-finding',
    ]);
    const j = json(after);
    expect(j.findings.filter((f) => f.id === 'max-children-reached')).toHaveLength(0);
    expect(j.summary.suppressed).toBe(before.findings.filter((f) => f.id === 'max-children-reached').length);
    expect(j.suppressed.every((s) => s.id === 'max-children-reached' && s.source === '--ignore')).toBe(true);
    expect(j.findings.filter((f) => f.id === 'suppression-unused')).toEqual([
      expect.objectContaining({ severity: 'info' }),
    ]);
    expect(validate(j), errorsText(validate.errors)).toBe(true);
  });
});

describe('ping --ignore', () => {
  let app: RunningServer;
  let sock: string;
  beforeAll(async () => {
    sock = dir.join('app.sock');
    app = await startServer({ kind: 'unix', path: sock });
  });
  afterAll(() => app.close());

  it('a failed expectation suppressed: exit 0, counted in text and JSON', async () => {
    const failing = await run(['ping', sock, '--expect-body', 'no such text']);
    expect(failing.code).toBe(1);
    const r = await run([
      'ping',
      sock,
      '--expect-body',
      'no such text',
      '--ignore',
      'expectation-failed',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const j = json(r);
    expect(j.suppressed).toEqual([{ id: 'expectation-failed', reason: 'given with --ignore', source: '--ignore' }]);
    expect(validate(j), errorsText(validate.errors)).toBe(true);
    const text = await run([
      'ping',
      sock,
      '--expect-body',
      'no such text',
      '--ignore',
      'expectation-failed',
      '--no-color',
    ]);
    expect(text.stdout).toContain('1 finding suppressed (expectation-failed)');
  });
});

describe('status --ignore', () => {
  it('counts what it took out in JSON (valid), text and nagios', async () => {
    const absent = dir.join('no-pool.sock');
    const plain = json(await run(['status', absent, '--format', 'json']));
    expect(plain.findings.map((f) => f.id)).toContain('socket-missing');
    const r = await run(['status', absent, '--format', 'json', '--ignore', 'socket-missing']);
    const j = json(r);
    expect(j.findings.map((f) => f.id)).not.toContain('socket-missing');
    expect(j.summary.suppressed).toBe(1);
    expect(validate(j), errorsText(validate.errors)).toBe(true);
    expect((await run(['status', absent, '--ignore', 'socket-missing', '--no-color'])).stdout).toContain(
      '1 finding suppressed (socket-missing)',
    );
    expect((await run(['status', absent, '--ignore', 'socket-missing', '--format', 'nagios'])).stdout).toContain(
      '(1 suppressed)',
    );
  });
});

describe('the project file', () => {
  it('suppresses by id and path glob, named with --config; the source is its file:line', async () => {
    const cfg = projectFile(
      'by-path.yaml',
      `# accepted warnings\nignore:\n  - id: socket-in-private-tmp\n    reason: Apache runs without systemd here\n    path: "${VHOST.replace(/[^/]+$/, '*-vhost')}"\n`,
    );
    const r = await check(VHOST, '--config', cfg, '--format', 'json');
    expect(r.code).toBe(0);
    expect(json(r).suppressed).toEqual([
      { id: 'socket-in-private-tmp', reason: 'Apache runs without systemd here', source: `${cfg}:3` },
    ]);
  });

  it("a path glob that does not match the finding's file suppresses nothing", async () => {
    const cfg = projectFile(
      'wrong-path.yaml',
      'ignore:\n  - id: socket-in-private-tmp\n    reason: r\n    path: sites-enabled/*.conf\n',
    );
    const r = await check(VHOST, '--config', cfg);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[socket-in-private-tmp]');
  });

  it('a setup glob', async () => {
    const hit = projectFile(
      'setup.yaml',
      'ignore:\n  - id: socket-in-private-tmp\n    reason: r\n    setup: "fastcgi:external:*"\n',
    );
    expect((await check(VHOST, '--config', hit)).code).toBe(0);
    const miss = projectFile(
      'setup-miss.yaml',
      'ignore:\n  - id: socket-in-private-tmp\n    reason: r\n    setup: "fcgid:*"\n',
    );
    expect((await check(VHOST, '--config', miss)).code).toBe(1);
  });

  it.each([
    [
      'no reason',
      'ignore:\n  - id: socket-in-private-tmp\n',
      ':2: the ignore entry for socket-in-private-tmp needs a reason',
    ],
    ['no id', 'ignore:\n  - reason: because\n', ':2: an ignore entry needs an id'],
    ['an unknown key', 'ignore:\n  - id: a\n    reason: b\n    paths: x\n', ':4: unknown key "paths"'],
    ['an empty reason', 'ignore:\n  - id: a\n    reason: ""\n', ':3: "reason" must be a non-empty text'],
    ['a list instead of a mapping', '- id: a\n', ':1: the file must be a mapping'],
    ['a typo at the top', 'ignores:\n  - id: a\n', ':1: unknown key "ignores"'],
    ['bad YAML', 'ignore:\n  - id: [a\n', 'not valid YAML'],
  ])('%s is a usage error (exit 2) naming the file and line', async (_what, text, message) => {
    const cfg = projectFile('bad.yaml', text);
    const r = await check(VHOST, '--config', cfg);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}${message.startsWith(':') ? '' : ':'}`);
    expect(r.stderr).toContain(message.replace(/^:\d+: /, ''));
    if (message.startsWith(':')) expect(r.stderr).toContain(`${cfg}${message}`);
  });

  it('--config naming no file is a usage error', async () => {
    const r = await check(VHOST, '--config', dir.join('absent.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such file');
  });

  it('is found upward from the working directory, and not above a .git directory', () => {
    const top = dir.join('repo');
    mkdirSync(`${top}/.git`, { recursive: true });
    mkdirSync(`${top}/a/b`, { recursive: true });
    expect(findProjectFile(`${top}/a/b`)).toBeUndefined();
    writeFileSync(`${top}/.fcgi-doctor.yaml`, 'ignore: []\n');
    expect(findProjectFile(`${top}/a/b`)).toBe(`${top}/.fcgi-doctor.yaml`);
    writeFileSync(dir.join('.fcgi-doctor.yaml'), 'ignore: []\n');
    mkdirSync(dir.join('repo2', '.git'), { recursive: true });
    // Above the repository's top: never.
    expect(findProjectFile(dir.join('repo2'))).toBeUndefined();
    expect(findProjectFile(dir.join('repo2', '.git'))).toBeUndefined();
  });
});

describe('inline comments in the Apache files', () => {
  it('# fcgi-doctor: ignore ID reason right above the directive suppresses it; the source is the comment', async () => {
    const file = vhostWith('inline.conf', 16, '# fcgi-doctor: ignore socket-in-private-tmp no systemd on this host');
    const r = await check(file, '--format', 'json');
    expect(r.code).toBe(0);
    expect(json(r).suppressed).toEqual([
      { id: 'socket-in-private-tmp', reason: 'no systemd on this host', source: `${file}:16` },
    ]);
  });

  it('a comment not directly above suppresses nothing, and is reported even offline', async () => {
    const file = vhostWith('gap.conf', 15, '# fcgi-doctor: ignore socket-in-private-tmp no systemd on this host');
    // The seed has a blank line 15 before the directive: now the comment is on 15, the blank on 16, the directive on 17.
    const r = await check(file, '--format', 'json');
    expect(r.code).toBe(1);
    const j = json(r);
    expect(j.findings.map((f) => f.id).sort()).toEqual(['socket-in-private-tmp', 'suppression-unused']);
    expect(j.suppressed).toEqual([]);
  });

  it('a comment for another id suppresses nothing', async () => {
    const file = vhostWith('other-id.conf', 16, '# fcgi-doctor: ignore socket-missing no systemd on this host');
    expect((await check(file)).code).toBe(1);
  });

  it('a comment without a reason is no suppression, and says so', async () => {
    const file = vhostWith('no-reason.conf', 16, '# fcgi-doctor: ignore socket-in-private-tmp');
    const r = await check(file, '--format', 'json');
    expect(r.code).toBe(1);
    expect(json(r).findings.find((f) => f.id === 'suppression-unused')).toMatchObject({
      title: `The fcgi-doctor comment at ${file}:16 suppresses nothing`,
      message: expect.stringContaining('gives no reason'),
    });
  });

  it('# fcgi-doctor: ignore-file ID reason covers the whole file', async () => {
    const file = vhostWith(
      'file-level.conf',
      1,
      '# fcgi-doctor: ignore-file socket-in-private-tmp every socket of this legacy site is in /tmp',
    );
    const r = await check(file, '--format', 'json');
    expect(r.code).toBe(0);
    expect(json(r).suppressed[0]?.source).toBe(`${file}:1`);
  });
});

describe('every format counts the suppressed findings', () => {
  const args = [VHOST, '--ignore', 'socket-in-private-tmp'];

  it('json: summary.suppressed and the suppressed list, valid against the schema', async () => {
    const r = await check(...args, '--format', 'json');
    const j = json(r);
    expect(j.summary).toEqual({ error: 0, warning: 0, info: 0, suppressed: 1 });
    expect(validate(j), errorsText(validate.errors)).toBe(true);
  });

  it('sarif: a result with suppressions (kind, justification), valid SARIF 2.1.0', async () => {
    const r = await check(...args, '--format', 'sarif');
    const log = JSON.parse(r.stdout) as {
      runs: Array<{ results: Array<{ ruleId: string; suppressions?: unknown[] }> }>;
    };
    const results = log.runs[0]!.results;
    expect(results).toEqual([
      expect.objectContaining({
        ruleId: 'socket-in-private-tmp',
        suppressions: [
          {
            kind: 'external',
            status: 'accepted',
            justification: 'given with --ignore',
            properties: { source: '--ignore' },
          },
        ],
      }),
    ]);
    const sarif = sarifValidator();
    expect(sarif(log), errorsText(sarif.errors)).toBe(true);
    expect(r.code).toBe(0);
    const inline = vhostWith('sarif-inline.conf', 16, '# fcgi-doctor: ignore socket-in-private-tmp no systemd');
    const s = JSON.parse((await check(inline, '--format', 'sarif')).stdout) as typeof log;
    expect(s.runs[0]!.results[0]!.suppressions).toEqual([
      expect.objectContaining({ kind: 'inSource', justification: 'no systemd' }),
    ]);
  });

  it('github: on the closing line, and no annotation', async () => {
    const r = await check(...args, '--format', 'github');
    expect(r.stdout).not.toContain('::warning');
    expect(r.stdout).toMatch(/0 errors, 0 warnings, 0 info, 1 suppressed \(exit 0\)/);
  });

  it('nagios: in the text and the performance data', async () => {
    const r = await check(...args, '--format', 'nagios');
    expect(r.stdout.trim()).toMatch(/^FCGI-DOCTOR OK - .*\(1 suppressed\) \|.* suppressed=1;;;0$/);
    expect(r.code).toBe(0);
  });

  it('text: the count under the summary', async () => {
    const r = await check(...args);
    expect(r.stdout).toMatch(/0 errors, 0 warnings, 0 info — no error found \(exit 0\)\n1 finding suppressed/);
  });
});
