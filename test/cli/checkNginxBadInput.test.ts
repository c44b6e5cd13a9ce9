/**
 * Bad nginx configurations through the whole CLI (bin/fcgi-doctor.cjs, the
 * built bundle), as a user meets them: binary files, a huge line, an include
 * loop, unbalanced braces, a FIFO named by an include, and files the user
 * running the doctor may not read. Each ends with the documented exit status
 * (1: nginx would refuse it, reported as nginx-config-error at its file and
 * line), a plain message, no stack trace and no hang — the spawn's timeout is
 * a guard against a hang, not a measure of speed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir, type TempDir } from '../client/support.js';

let tmp: TempDir;
beforeAll(() => {
  tmp = makeTempDir('nginx-bad');
});
afterAll(() => tmp.remove());

/** A tree of its own: nginx.conf with `http { BODY }`, and the given files beside it. */
function tree(name: string, body: string, files: Record<string, string | Buffer> = {}): string {
  const dir = tmp.join(name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(`${dir}/${f}`, text);
  writeFileSync(`${dir}/nginx.conf`, `events {}\nhttp {\n${body}\n}\n`);
  return `${dir}/nginx.conf`;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  findings: {
    id: string;
    severity: string;
    title: string;
    message: string;
    location?: { file: string; line?: number };
  }[];
}

function check(root: string, opts: { uid?: number } = {}): Run {
  const r = spawnSync(
    process.execPath,
    [BIN, 'check', '--offline', '--server', 'nginx', '--root', root, '--format', 'json'],
    {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' },
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
    },
  );
  expect(r.error, 'the run ended on its own (no hang)').toBeUndefined();
  // Never a stack trace, whatever the input.
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.stderr).not.toContain('internal error');
  const findings = r.stdout ? (JSON.parse(r.stdout) as { findings: Run['findings'] }).findings : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, findings };
}

const configErrors = (r: Run) => r.findings.filter((f) => f.id === 'nginx-config-error');

describe('check on a broken nginx tree, through the CLI', () => {
  it('a binary file included: named as binary, lexed as nginx would, exit 1', () => {
    const bytes = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0x3b, 0x7b, 0xff, 0xfe, 0x0a, 0x7d]);
    const r = check(tree('binary', '  include bin.conf;', { 'bin.conf': bytes }));
    expect(r.status).toBe(1);
    expect(configErrors(r).some((f) => f.location?.file.endsWith('/bin.conf'))).toBe(true);
  });

  it('a 1 MiB line: "too long parameter", exit 1', () => {
    const r = check(tree('long', `  server_name ${'a'.repeat(1024 * 1024)};`));
    expect(r.status).toBe(1);
    expect(
      configErrors(r)
        .map((f) => f.message)
        .join('\n'),
    ).toContain('too long parameter');
  });

  it('two files including each other: stopped at the include line, exit 1', () => {
    const r = check(
      tree('loop', '  include a.conf;', { 'a.conf': 'include b.conf;\n', 'b.conf': 'include a.conf;\n' }),
    );
    expect(r.status).toBe(1);
    expect(configErrors(r).map((f) => f.title)).toContain(
      'An include loop: nginx cannot start with this configuration',
    );
  });

  it('an unbalanced brace: nginx\'s "unexpected end of file" at the file nginx names, exit 1', () => {
    const r = check(tree('brace', '  server {\n    listen 8080;\n    location / {\n  }'));
    expect(r.status).toBe(1);
    expect(
      configErrors(r)
        .map((f) => f.message)
        .join('\n'),
    ).toContain('unexpected end of file');
  });

  it('a FIFO named by an include is never opened (it would block): said, exit 1', () => {
    const root = tree('fifo', '  include pipe.conf;');
    const made = spawnSync('mkfifo', [root.replace(/nginx\.conf$/, 'pipe.conf')]);
    expect(made.status).toBe(0);
    const r = check(root);
    expect(r.status).toBe(1);
    const f = configErrors(r).find((x) => x.location?.file.endsWith('/nginx.conf'));
    expect(f?.severity).toBe('error');
    // The doctor's words, never put in nginx's mouth.
    expect(f?.message).toContain('fcgi-doctor did not open it');
    expect(f?.message).not.toContain('nginx reports');
  });

  it.skipIf(process.getuid?.() !== 0)(
    'run as a user who may not read an included file: the blind spot is said, no error claimed for it, no crash',
    () => {
      const root = tree('unreadable', '  include secret.conf;', { 'secret.conf': 'server { listen 8080; }\n' });
      const dir = root.replace(/\/nginx\.conf$/, '');
      chmodSync(`${dir}/secret.conf`, 0o600);
      // The tree and this test file's private TMPDIR (ours, made by test/setup) must let nobody in; /tmp already does.
      for (const d of [dir, tmp.path, dirname(tmp.path)])
        if (d !== '/tmp' && d.startsWith('/tmp/')) chmodSync(d, 0o755);
      const r = check(root, { uid: 65534 });
      expect([0, 1]).toContain(r.status);
      expect(r.findings.some((f) => f.severity === 'error')).toBe(false);
      const f = r.findings.find((x) => x.id === 'config-file-unreadable');
      expect(f?.severity).toBe('warning');
      expect(f?.message).toContain('secret.conf');
      expect(f?.message).toContain("nginx reads its configuration as root, so this is not an error of nginx's");
    },
  );
});
