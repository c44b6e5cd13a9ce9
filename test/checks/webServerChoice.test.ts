import { describe, expect, it } from 'vitest';
import { chooseWebServer, rootFileIsNginx, webServerPresence } from '../../src/checks/webServerChoice.js';
import { fixtureSystem } from '../../src/system/fixture.js';

const NGINX_CONF = 'user www-data;\nevents { worker_connections 768; }\nhttp { include /etc/nginx/sites-enabled/*; }\n';
const APACHE_CONF =
  'ServerRoot "/etc/apache2"\nInclude ports.conf\n<Directory />\n  Require all denied\n</Directory>\n';

function machine(files: Record<string, string>, cmdlines: string[][] = []) {
  return fixtureSystem({
    files,
    processes: cmdlines.map((cmdline, i) => ({
      pid: 100 + i,
      comm: (cmdline[0] ?? 'x').split(/[ /]/).pop() ?? 'x',
      cmdline,
    })),
  });
}

const ports = (apache: number[] | undefined, nginx: number[] | undefined) => (k: 'apache' | 'nginx') =>
  k === 'apache' ? apache : nginx;

describe('which web server routes a URL', () => {
  it('takes --server as given, and refuses another name', () => {
    const system = machine({});
    expect(chooseWebServer({ server: 'nginx', port: 80, system, listenPorts: ports([], []) })).toMatchObject({
      ok: true,
      server: 'nginx',
    });
    const bad = chooseWebServer({ server: 'lighttpd', port: 80, system, listenPorts: ports([], []) });
    expect(bad).toMatchObject({ ok: false });
    expect(bad.ok ? '' : bad.message).toContain('apache or nginx');
  });

  it('only nginx on the machine (its configuration, or its running master): nginx', () => {
    const byFile = machine({ '/etc/nginx/nginx.conf': NGINX_CONF });
    expect(chooseWebServer({ port: 80, system: byFile, listenPorts: ports(undefined, [80]) })).toMatchObject({
      ok: true,
      server: 'nginx',
    });
    const byMaster = machine({}, [['nginx: master process /usr/sbin/nginx -c /opt/nginx.conf']]);
    expect(webServerPresence(byMaster).nginx.running).toBe(true);
    expect(chooseWebServer({ port: 8080, system: byMaster, listenPorts: ports(undefined, []) })).toMatchObject({
      server: 'nginx',
    });
  });

  it('only Apache: Apache, whatever the port', () => {
    const system = machine({ '/etc/apache2/apache2.conf': APACHE_CONF }, [['/usr/sbin/apache2', '-k', 'start']]);
    expect(chooseWebServer({ port: 8443, system, listenPorts: ports([80], undefined) })).toMatchObject({
      ok: true,
      server: 'apache',
    });
  });

  it('both: the one whose configuration listens on the URL port', () => {
    const system = machine({ '/etc/apache2/apache2.conf': APACHE_CONF, '/etc/nginx/nginx.conf': NGINX_CONF });
    expect(chooseWebServer({ port: 8080, system, listenPorts: ports([8080], [80]) })).toMatchObject({
      server: 'apache',
    });
    expect(chooseWebServer({ port: 80, system, listenPorts: ports([8080], [80, 443]) })).toMatchObject({
      server: 'nginx',
    });
  });

  it('both on the same port, or neither: asks for --server', () => {
    const system = machine({ '/etc/apache2/apache2.conf': APACHE_CONF, '/etc/nginx/nginx.conf': NGINX_CONF });
    const same = chooseWebServer({ port: 80, system, listenPorts: ports([80], [80]) });
    expect(same.ok).toBe(false);
    expect(same.ok ? '' : same.message).toMatch(/both listen on port 80.*--server apache or --server nginx/);
    const none = chooseWebServer({ port: 9000, system, listenPorts: ports([80], undefined) });
    expect(none.ok ? '' : none.message).toContain('neither listens on port 9000');
  });

  it('both listen on the port, one runs: the running one answers', () => {
    const files = { '/etc/apache2/apache2.conf': APACHE_CONF, '/etc/nginx/nginx.conf': NGINX_CONF };
    const nginxRuns = machine(files, [['nginx: master process /usr/sbin/nginx -g daemon on; master_process on;']]);
    expect(chooseWebServer({ port: 80, system: nginxRuns, listenPorts: ports([80], [80]) })).toMatchObject({
      ok: true,
      server: 'nginx',
    });
    const bothRun = machine(files, [['/usr/sbin/apache2', '-k', 'start'], ['nginx: master process /usr/sbin/nginx']]);
    expect(chooseWebServer({ port: 80, system: bothRun, listenPorts: ports([80], [80]) }).ok).toBe(false);
  });

  it('reads the ports only when both are there', () => {
    let asked = 0;
    const system = machine({ '/etc/nginx/nginx.conf': NGINX_CONF });
    chooseWebServer({
      port: 80,
      system,
      listenPorts: () => {
        asked++;
        return [];
      },
    });
    expect(asked).toBe(0);
  });

  it('--root decides by the file: nginx by its name or its statements, else Apache', () => {
    const system = machine({
      '/opt/web/main.conf': NGINX_CONF,
      '/opt/web/httpd.conf': APACHE_CONF,
      '/srv/conf/nginx.conf': '',
      '/opt/web/odd.conf': '# only a comment: http { }\nServerName x\n',
    });
    const pick = (root: string) => chooseWebServer({ root, port: 80, system, listenPorts: ports([80], [80]) });
    expect(pick('/opt/web/main.conf')).toMatchObject({ server: 'nginx' });
    expect(pick('/opt/web/httpd.conf')).toMatchObject({ server: 'apache' });
    expect(pick('/srv/conf/nginx.conf')).toMatchObject({ server: 'nginx' });
    expect(rootFileIsNginx('/opt/web/odd.conf', system.fs)).toBe(false);
    expect(rootFileIsNginx('/no/such/file.conf', system.fs)).toBe(false);
  });
});
