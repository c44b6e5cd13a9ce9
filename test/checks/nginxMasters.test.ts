/**
 * Several nginx masters on one machine, each with its own configuration
 * (a system nginx and a second one started with -c): which configuration
 * `trace` reads for a URL (chooseNginxMaster over locateNginxMasters), and
 * the ports the web-server choice sees (every master's).
 */
import { describe, expect, it } from 'vitest';
import { nginxListenPorts } from '../../src/checks/listenPorts.js';
import { runNginxTrace } from '../../src/checks/traceNginx.js';
import { chooseNginxMaster, nginxMasterRoots } from '../../src/checks/webServerChoice.js';
import { formatServerHeading } from '../../src/report/checkText.js';
import { createStyle } from '../../src/report/style.js';
import { locateNginxMasters, locateNginxRoot, MemoryNginxSource } from '../../src/nginx/index.js';
import type { RouteRequest } from '../../src/routing/types.js';
import { parseRouteUrl } from '../../src/routing/url.js';
import { fixtureSystem } from '../../src/system/fixture.js';

const conf = (port: number, body: string) =>
  `events { }\nhttp {\n  server {\n    listen ${port};\n    location / { return 200 "${body}"; }\n  }\n}\n`;

const source = new MemoryNginxSource({
  '/etc/nginx/nginx.conf': conf(80, 'system'),
  '/srv/other/nginx.conf': conf(8080, 'other'),
  '/srv/third/conf/nginx.conf': conf(9090, 'third'),
});

const SYSTEM = ['nginx: master process /usr/sbin/nginx -g daemon on; master_process on;'];
const OTHER = ['nginx: master process /usr/sbin/nginx -c /srv/other/nginx.conf'];
const THIRD = ['nginx: master process /usr/sbin/nginx -p /srv/third/'];
const WORKER = ['nginx: worker process'];

function request(url: string): RouteRequest {
  const r = parseRouteUrl(url, {});
  if ('error' in r) throw new Error(r.error);
  return r;
}

const machine = (...cmdlines: string[][]) =>
  fixtureSystem({ processes: cmdlines.map((cmdline, i) => ({ pid: 100 + i, comm: 'nginx', cmdline })) });

async function traced(url: string, ...cmdlines: string[][]) {
  const out = await runNginxTrace(request(url), {
    offline: true,
    timeoutMs: 1000,
    system: machine(...cmdlines),
    source,
    asRoot: true,
  });
  if (!out.ok) throw new Error(out.why);
  return out;
}

describe('the running masters', () => {
  it('one entry per distinct configuration, in process order; a master without -c reads the compiled-in file', () => {
    const masters = locateNginxMasters({ commandLines: [SYSTEM, WORKER, OTHER, THIRD, OTHER], source });
    expect(masters.map((m) => [m.root, m.prefix])).toEqual([
      ['/etc/nginx/nginx.conf', '/usr/share/nginx/'],
      ['/srv/other/nginx.conf', '/usr/share/nginx/'],
      ['/srv/third/conf/nginx.conf', '/srv/third/'],
    ]);
  });

  it('--root a running master reads: that master, with its -p', () => {
    const located = locateNginxRoot({
      root: '/srv/third/conf/nginx.conf',
      commandLines: [SYSTEM, THIRD],
      source,
    });
    expect(located).toMatchObject({ how: 'option', prefix: '/srv/third/', master: THIRD[0] });
  });

  it('the web-server choice sees every master’s ports', () => {
    expect(nginxListenPorts({ commandLines: [SYSTEM, OTHER], source })?.sort()).toEqual([80, 8080]);
    expect(nginxListenPorts({ commandLines: [], source })).toEqual([80]);
  });
});

describe('chooseNginxMaster', () => {
  const masters = [
    { root: '/a.conf', ports: [80] },
    { root: '/b.conf', ports: [8080] },
    { root: '/c.conf', ports: [8080, 9000] },
  ];
  const ports = (m: { ports: number[] }) => m.ports;

  it('one master: it, and nothing to say', () => {
    expect(chooseNginxMaster(masters.slice(0, 1), 8080, ports)).toEqual({ chosen: masters[0] });
    expect(chooseNginxMaster([], 80, ports)).toBeUndefined();
  });

  it('the only one listening on the port, naming the others and --root', () => {
    const c = chooseNginxMaster(masters.slice(0, 2), 8080, ports);
    expect(c?.chosen.root).toBe('/b.conf');
    expect(c?.uncertain).toBeUndefined();
    expect(c?.why).toContain('2 nginx masters run with different configurations');
    expect(c?.why).toContain('/a.conf');
    expect(c?.why).toContain('--root');
  });

  it('none listening on the port: the first, as a guess', () => {
    const c = chooseNginxMaster(masters, 443, ports);
    expect(c?.chosen.root).toBe('/a.conf');
    expect(c?.uncertain).toMatch(/none listens on port 443.*\/b\.conf, \/c\.conf.*--root/);
  });

  it('several listening on the port: the first of them, as a guess', () => {
    const c = chooseNginxMaster(masters, 8080, ports);
    expect(c?.chosen.root).toBe('/b.conf');
    expect(c?.uncertain).toContain('2 of them listen on port 8080');
  });

  it('a configuration that cannot be read listens on nothing', () => {
    const c = chooseNginxMaster(masters.slice(0, 2), 8080, (m) => (m.root === '/b.conf' ? undefined : m.ports));
    expect(c?.chosen.root).toBe('/a.conf');
    expect(c?.uncertain).toBeDefined();
  });
});

describe('trace with several masters', () => {
  it("reads the configuration of the master that listens on the URL's port, whatever the process order", async () => {
    for (const order of [
      [SYSTEM, OTHER],
      [OTHER, SYSTEM],
    ]) {
      const other = await traced('http://host:8080/x.php', ...order);
      expect(other.config.root).toBe('/srv/other/nginx.conf');
      expect(other.route.status).toBe(200);
      expect(other.route.steps[0]).toMatchObject({ what: 'configuration', file: '/srv/other/nginx.conf' });
      expect(other.route.steps[0]?.text).toContain('/etc/nginx/nginx.conf');
      expect(other.route.uncertain).toEqual([]);
      const system = await traced('http://host/x.php', ...order);
      expect(system.config.root).toBe('/etc/nginx/nginx.conf');
      expect(system.route.status).toBe(200);
    }
  });

  it('no master listens on the port: the first, said as uncertain', async () => {
    const t = await traced('http://host:7000/x.php', OTHER, SYSTEM);
    expect(t.config.root).toBe('/srv/other/nginx.conf');
    expect(t.route.uncertain.join('\n')).toMatch(/none listens on port 7000.*--root/);
  });

  it('one master: no configuration step', async () => {
    const t = await traced('http://host:8080/x.php', OTHER);
    expect(t.route.steps[0]?.what).not.toBe('configuration');
  });

  it('--root decides over the masters', async () => {
    const out = await runNginxTrace(request('http://host:8080/x.php'), {
      root: '/etc/nginx/nginx.conf',
      offline: true,
      timeoutMs: 1000,
      system: machine(SYSTEM, OTHER),
      source,
      asRoot: true,
    });
    if (!out.ok) throw new Error(out.why);
    expect(out.config.root).toBe('/etc/nginx/nginx.conf');
    expect(out.route.steps[0]?.what).not.toBe('configuration');
  });
});

describe('check with several masters', () => {
  it('a section for each distinct configuration, none when one master runs', () => {
    expect(nginxMasterRoots([SYSTEM, WORKER, OTHER, OTHER], source)).toEqual([
      '/etc/nginx/nginx.conf',
      '/srv/other/nginx.conf',
    ]);
    expect(nginxMasterRoots([OTHER, WORKER, OTHER], source)).toEqual([]);
    expect(nginxMasterRoots([], source)).toEqual([]);
  });

  it("each section's heading names its configuration", () => {
    const plainStyle = createStyle();
    expect(formatServerHeading(plainStyle, 'nginx', false, '/srv/other/nginx.conf')).toBe(
      '\n== nginx (/srv/other/nginx.conf) ==\n',
    );
    expect(formatServerHeading(plainStyle, 'apache')).toBe('== Apache ==\n');
  });
});
