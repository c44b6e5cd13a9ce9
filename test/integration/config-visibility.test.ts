/**
 * `check` run by a user who may not read part of the configuration (the
 * built bin as `nobody`, through setpriv): Apache reads its configuration as
 * root, so a directory hidden from this user is "not visible to this user,
 * run with sudo", never "An Include matches no file … Apache stops at startup".
 */
import { execa } from 'execa';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, requireBuiltCli } from './harness/requireServer.js';
import { makeTempDir } from './harness/tempdir.js';

const built = requireBuiltCli();
const isRoot = process.getuid?.() === 0;

async function check(args: string[], asNobody: boolean) {
  const argv = [BIN, 'check', '--offline', ...args];
  const r = asNobody
    ? await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv], {
        reject: false,
        timeout: 30_000,
        env: { NO_COLOR: '1' },
      })
    : await execa(process.execPath, argv, { reject: false, timeout: 30_000, env: { NO_COLOR: '1' } });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe.skipIf(!built || !isRoot)('check as a user who may not read an included directory', () => {
  const tmp = makeTempDir('visibility');
  afterAll(() => tmp.remove());
  const conf = (name: string, include: string) => {
    const root = tmp.join(name);
    mkdirSync(tmp.join(name, 'conf.d'), { recursive: true });
    chmodSync(root, 0o755);
    writeFileSync(tmp.join(name, 'conf.d', 'a.conf'), 'ServerAdmin admin@example.test\n');
    // root-only, as /etc/apache2/conf.d/private often is
    chmodSync(tmp.join(name, 'conf.d'), 0o700);
    writeFileSync(tmp.join(name, 'httpd.conf'), `ServerRoot ${root}\nServerName example.test\n${include}\n`, {
      mode: 0o644,
    });
    return tmp.join(name, 'httpd.conf');
  };

  it.each([
    ['a directory', 'Include conf.d', 'Could not open config directory'],
    ['a wildcard in it', 'Include conf.d/*.conf', 'Could not open directory'],
    ['a file in it', 'Include conf.d/a.conf', 'Could not examine'],
    ['a file in it, optional', 'IncludeOptional conf.d/a.conf', 'Could not examine'],
  ])('Include of %s: not visible to this user (run with sudo), not include-not-found', async (_what, include, msg) => {
    const file = conf(`t${include.length}`, include);
    const r = await check([file, '--format', 'json'], true);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    expect(json.findings.map((f: { id: string; severity: string }) => [f.id, f.severity])).toEqual([
      ['config-file-unreadable', 'warning'],
    ]);
    const [f] = json.findings;
    expect(f.title).toBe('Part of the configuration is not visible to this user');
    expect(f.message).toContain(`${msg} ${tmp.path}`);
    expect(f.message).toContain('Permission denied');
    expect(f.fix).toContain('sudo');
    expect(f.location).toMatchObject({ file, line: 3 });
    expect(r.code).toBe(0);

    const text = await check([file], true);
    expect(text.stdout).toContain('not visible to this user');
    expect(text.stdout).not.toContain('An Include matches no file');
    expect(text.stdout).not.toContain('Apache stops at startup');

    // As root (as Apache reads it) the directory is read and nothing is said.
    const asRoot = await check([file, '--format', 'json'], false);
    expect(JSON.parse(asRoot.stdout).findings).toEqual([]);
    expect(asRoot.code).toBe(0);
  });
});

if (!isRoot && process.env['CI']) {
  it('the visibility test must run as root in CI (it drops to nobody)', () => {
    throw new Error(
      'run the integration tests as root: test/integration/config-visibility.test.ts drops to nobody with setpriv',
    );
  });
}
