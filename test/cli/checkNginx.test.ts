/**
 * `check` on nginx files through the CLI (issue 17 §4): a site file is told
 * from an Apache vhost by its content, read with the nginx.conf of its tree,
 * scoped like Apache's `check FILE`; `--server` overrides; the JSON output
 * names the server.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { assertNoCrashInOutput } from '../checks/strict.js';
import { captureIO, makeTempDir, ROOT, type TempDir } from '../client/support.js';
import { errorsText, outputValidator } from '../report/support.js';

const debian = (f: string) => readFileSync(join(ROOT, 'fixtures/nginx/parity/debian-php', f), 'utf8');

async function check(args: string[]) {
  const io = captureIO();
  io.env = {};
  const code = await main(['check', ...args], io);
  assertNoCrashInOutput(io.stdoutText);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

let tmp: TempDir;
const site = (name: string) => tmp.join('sites-available', name);

beforeAll(() => {
  tmp = makeTempDir('nginx-cli');
  for (const d of ['sites-available', 'sites-enabled', 'snippets']) mkdirSync(tmp.join(d));
  writeFileSync(
    tmp.join('nginx.conf'),
    `user www-data;\nevents {}\nhttp {\n  include ${tmp.join('sites-enabled')}/*;\n}\n`,
  );
  for (const f of ['fastcgi.conf', 'fastcgi_params', 'snippets/fastcgi-php.conf'])
    writeFileSync(tmp.join(f), debian(f));
  writeFileSync(
    site('shop'),
    `server {\n  listen 8081;\n  server_name shop.example;\n  root /srv/shop;\n  location ~ \\.php$ {\n    include fastcgi_params;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n`,
  );
  writeFileSync(
    site('blog'),
    `server {\n  listen 8082;\n  server_name blog.example;\n  root /srv/blog;\n  location ~ \\.php$ {\n    include snippets/fastcgi-php.conf;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n`,
  );
  writeFileSync(site('draft'), 'server {\n  listen 8083;\n}\n');
  symlinkSync(site('shop'), tmp.join('sites-enabled', 'shop'));
  symlinkSync(site('blog'), tmp.join('sites-enabled', 'blog'));
});
afterAll(() => tmp.remove());

describe('check FILE on an nginx site', () => {
  it('reads it as nginx (by its content), with its tree, and reports the missing SCRIPT_FILENAME at its line', async () => {
    const r = await check(['--offline', site('shop'), '--format', 'json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.checked.server).toBe('nginx');
    expect(json.checked.rootFile).toBe(tmp.join('nginx.conf'));
    expect(json.checked.targetLoaded).toBe(true);
    expect(json.checked.setups.map((s: { module: string; endpoint: string }) => [s.module, s.endpoint])).toEqual([
      ['nginx', '/run/php/php8.2-fpm.sock'],
      ['nginx', '/run/php/php8.2-fpm.sock'],
    ]);
    const f = json.findings.find((x: { id: string }) => x.id === 'fastcgi-param-missing');
    expect(f.location).toMatchObject({ file: tmp.join('sites-enabled', 'shop'), line: 7 });
    const validate = outputValidator();
    expect(validate(json), errorsText(validate.errors)).toBe(true);
  });

  it("is scoped to FILE: the healthy site's check passes, the other site's problem is elsewhere", async () => {
    const r = await check(['--offline', site('blog')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('site file');
    expect(r.stdout).toContain('(read by nginx)');
    expect(r.stdout).toMatch(/elsewhere on this server .*1 error/);
  });

  it('says a site of sites-available/ nginx does not read, and how to enable it', async () => {
    const r = await check(['--offline', site('draft'), '--format', 'json']);
    const json = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    const f = json.findings.find((x: { id: string }) => x.id === 'site-not-loaded');
    expect(f.fix).toContain(`ln -s ${site('draft')} ${tmp.join('sites-enabled')}/draft`);
  });

  it('--server apache reads the same file as Apache would (no nginx setup)', async () => {
    const r = await check(['--offline', '--server', 'apache', site('shop'), '--format', 'json']);
    const json = JSON.parse(r.stdout);
    expect(json.checked.server).toBeUndefined();
    expect(json.checked.setups).toEqual([]);
  });

  it('reads a site outside every nginx configuration on its own (a repository in CI)', async () => {
    const repo = makeTempDir('nginx-repo');
    try {
      mkdirSync(repo.join('deploy'));
      writeFileSync(
        repo.join('deploy', 'site.conf'),
        'server {\n  listen 8080;\n  root /srv/app;\n  location ~ \\.php$ {\n    include fastcgi_params;\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}\n',
      );
      const r = await check(['--offline', repo.join('deploy', 'site.conf'), '--format', 'json']);
      const json = JSON.parse(r.stdout);
      expect(json.checked).toMatchObject({ server: 'nginx', layout: 'standalone', targetLoaded: true });
      expect(json.checked.setups.map((x: { endpoint: string }) => x.endpoint)).toEqual(['127.0.0.1:9000']);
      const ids = json.findings.map((x: { id: string }) => x.id);
      expect(ids).not.toContain('site-not-loaded');
      expect(ids).not.toContain('nginx-config-error');
    } finally {
      repo.remove();
    }
  });

  it('honours a # fcgi-doctor: ignore comment right above the directive', async () => {
    writeFileSync(
      site('legacy'),
      'server {\n  listen 8084;\n  location ~ \\.php$ {\n    include fastcgi_params;\n    # fcgi-doctor: ignore fastcgi-param-missing the app reads its script name from PATH_TRANSLATED\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}\n',
    );
    symlinkSync(site('legacy'), tmp.join('sites-enabled', 'legacy'));
    const r = await check(['--offline', site('legacy'), '--format', 'json']);
    const json = JSON.parse(r.stdout);
    expect(json.findings.map((x: { id: string }) => x.id)).not.toContain('fastcgi-param-missing');
    expect(json.suppressed).toContainEqual(expect.objectContaining({ id: 'fastcgi-param-missing' }));
    expect(r.code).toBe(0);
  });

  it('refuses another --server', async () => {
    const r = await check(['--offline', '--server', 'lighttpd', site('shop')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server: expected apache or nginx');
  });
});
