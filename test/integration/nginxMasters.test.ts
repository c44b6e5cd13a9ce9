/**
 * Two real nginx masters on one machine, each with its own -c and port (as a
 * system nginx and a second one started by hand): `trace` on each port reads
 * the configuration of the master that listens there, whatever else runs
 * (other nginx masters of the machine included), and says which it chose.
 * `check --server nginx` with no file makes a section of each.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type NginxServer } from './harness/nginx.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';

const ready = hasBinary(BINARIES.nginx) && requireBuiltCli();

function site(name: string) {
  return (ctx: { port: number }) => `server {
        listen 127.0.0.1:${ctx.port};
        server_name _;
        root /srv/${name};
        location ~ \\.php$ {
            include fastcgi_params;
            fastcgi_param SCRIPT_FILENAME /srv/${name}$fastcgi_script_name;
            fastcgi_pass unix:/run/fcgi-doctor-masters-${name}.sock;
        }
    }`;
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!ready)('several nginx masters on one machine', () => {
  let a: NginxServer;
  let b: NginxServer;
  beforeAll(async () => {
    a = await startNginx({ http: site('alpha'), masterProcess: true });
    b = await startNginx({ http: site('beta'), masterProcess: true });
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  for (const which of ['alpha', 'beta'] as const) {
    it(`trace on ${which}'s port reads ${which}'s configuration`, () => {
      const server = which === 'alpha' ? a : b;
      const other = which === 'alpha' ? b : a;
      const r = cli([
        'trace',
        `http://127.0.0.1:${server.port}/x.php`,
        '--offline',
        '--server',
        'nginx',
        '--format',
        'json',
      ]);
      expect(r.stderr).toBe('');
      const doc = JSON.parse(r.stdout);
      expect(doc.trace.backend.params.SCRIPT_FILENAME).toBe(`/srv/${which}/x.php`);
      expect(doc.trace.vhost.file).toBe(server.confPath);
      const first = doc.trace.steps[0];
      expect(first).toMatchObject({ what: 'configuration', file: server.confPath });
      expect(first.text).toContain(`listens on port ${server.port}`);
      expect(first.text).toContain(other.confPath);
      expect(first.text).toContain('--root');
      expect(doc.trace.uncertain.join('\n')).not.toContain('masters');
    }, 60_000);
  }

  it('without --server, the port chooses nginx and the master (every master’s listens count)', () => {
    const r = cli(['trace', `http://127.0.0.1:${b.port}/x.php`, '--offline', '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.server).toBe('nginx');
    expect(doc.trace.backend.params.SCRIPT_FILENAME).toBe('/srv/beta/x.php');
  }, 60_000);

  it('check --server nginx with no file: a section for each master', () => {
    const r = cli(['check', '--server', 'nginx', '--format', 'json', '--timeout', '2']);
    const doc = JSON.parse(r.stdout);
    const roots = (doc.servers ?? []).map((s: { server: string; checked: { rootFile: string } }) => [
      s.server,
      s.checked.rootFile,
    ]);
    expect(roots).toContainEqual(['nginx', a.confPath]);
    expect(roots).toContainEqual(['nginx', b.confPath]);
  }, 120_000);
});
