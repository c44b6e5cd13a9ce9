import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { memoryFpmFileReader, readFpmConfig } from '../../src/fpm/index.js';
import { errorLogOf, fpmLogTargets, poolServes, fpmLogFindings } from '../../src/checks/fpmLogTargets.js';
import { fpmLogsOf } from '../../src/checks/probes/fpmLogs.js';
import { scanLogs } from '../../src/logs/index.js';
import { fixtureSystem } from '../../src/system/fixture.js';

const MAIN = '/etc/php/8.3/fpm/php-fpm.conf';
const WWW = '/etc/php/8.3/fpm/pool.d/www.conf';
const API = '/etc/php/8.3/fpm/pool.d/api.conf';

const files: Record<string, string> = {
  [MAIN]: '[global]\nerror_log = /var/log/php8.3-fpm.log\ninclude=/etc/php/8.3/fpm/pool.d/*.conf\n',
  [WWW]: [
    '[www]',
    'user = www-data',
    'listen = /run/php/php8.3-fpm.sock',
    'pm = static',
    'pm.max_children = 1',
    'request_terminate_timeout = 1s',
    'slowlog = /var/log/php8.3-fpm.www.slow.log',
    'catch_workers_output = yes',
    '',
  ].join('\n'),
  [API]:
    '[api]\nuser = www-data\nlisten = 127.0.0.1:9001\npm = static\npm.max_children = 4\nslowlog = log/api.slow.log\n',
};

function read(main = MAIN, over: Record<string, string> = {}, prefix = '/usr') {
  return readFpmConfig(main, { reader: memoryFpmFileReader({ ...files, ...over }), prefix });
}

describe('the FPM logs of the pools serving a setup', () => {
  it('picks the pool listening at the endpoint, its slowlog and the installation error_log', () => {
    const t = fpmLogTargets([{ config: read() }], [{ kind: 'unix', path: '/run/php/php8.3-fpm.sock' }]);
    expect(t.pools.map((p) => p.name)).toEqual(['www']);
    expect(t.files).toEqual([
      { path: '/var/log/php8.3-fpm.log', kind: 'error_log', pools: ['www'] },
      { path: '/var/log/php8.3-fpm.www.slow.log', kind: 'slowlog', pools: ['www'] },
    ]);
    expect(t.notes.join('\n')).toContain(`Pool www has catch_workers_output (${WWW}:8)`);
    // Plain data: it travels in the probes' result, which is JSON.
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('matches a TCP pool on loopback, takes a relative slowlog from the prefix; no endpoint → every pool', () => {
    const api = fpmLogTargets([{ config: read() }], [{ kind: 'tcp', host: 'localhost', port: 9001 }]);
    expect(api.pools.map((p) => p.name)).toEqual(['api']);
    expect(api.files.map((f) => f.path)).toEqual(['/var/log/php8.3-fpm.log', '/usr/log/api.slow.log']);
    expect(fpmLogTargets([{ config: read() }]).pools.map((p) => p.name)).toEqual(['api', 'www']);
    expect(fpmLogTargets([{ config: read() }], [{ kind: 'tcp', host: '127.0.0.1', port: 9002 }]).files).toEqual([]);
  });

  it('says a syslog error_log goes to syslog and reads nothing there', () => {
    const t = fpmLogTargets(
      [{ config: read(MAIN, { [MAIN]: '[global]\nerror_log = syslog\ninclude=/etc/php/8.3/fpm/pool.d/*.conf\n' }) }],
      [{ kind: 'unix', path: '/run/php/php8.3-fpm.sock' }],
    );
    expect(t.files.map((f) => f.kind)).toEqual(['slowlog']);
    expect(t.notes[0]).toContain('goes to syslog');
    expect(t.notes[0]).toContain(`${MAIN}:2`);
  });

  it('says where a syslog error_log is read: the unit of the installation, the facility and tag', () => {
    const config = read(MAIN, {
      [MAIN]: '[global]\nerror_log = syslog\nsyslog.facility = local3\ninclude=/etc/php/8.3/fpm/pool.d/*.conf\n',
    });
    const [note] = fpmLogTargets([{ config, version: '8.3' }]).notes;
    expect(note).toContain('`journalctl -u php8.3-fpm`');
    expect(note).toContain('facility local3, tagged php-fpm');
    expect(note).toContain('| fcgi-doctor logs -');
    // Without a version (RHEL, a master of unknown build): the unit is php-fpm.
    expect(fpmLogTargets([{ config }]).notes[0]).toContain('`journalctl -u php-fpm`');
  });

  it("says a foreground master's stderr is read with docker logs", () => {
    const config = read(MAIN, {
      [MAIN]: '[global]\nerror_log = /proc/self/fd/2\ninclude=/etc/php/8.3/fpm/pool.d/*.conf\n',
    });
    const t = fpmLogTargets([{ config }]);
    expect(t.files.filter((f) => f.kind === 'error_log')).toEqual([]);
    expect(t.notes[0]).toContain('the standard error of its master');
    expect(t.notes[0]).toContain('`docker logs CONTAINER`');
  });

  it('says whose workers write stderr nowhere: catch_workers_output is no by default', () => {
    const t = fpmLogTargets([{ config: read() }]);
    // api sets nothing (FPM's default, no): its workers' stderr goes to /dev/null.
    expect(t.notes).toContain(
      "Pool api does not set catch_workers_output = yes (FPM's default is no): what its workers write to stderr is discarded (sent to /dev/null), not written to /var/log/php8.3-fpm.log.",
    );
    expect(t.notes.join('\n')).toContain(`Pool www has catch_workers_output (${WWW}:8)`);
    // Only the pools concerned: www serves the setup, api's note is not this check's business.
    const www = fpmLogTargets([{ config: read() }], [{ kind: 'unix', path: '/run/php/php8.3-fpm.sock' }]);
    expect(www.notes.join('\n')).not.toContain('Pool api');
  });

  it('resolves the default and relative error_log as FPM does, and does not read FPM stderr', () => {
    const plain = read(MAIN, { [MAIN]: '[global]\n' });
    expect(errorLogOf(plain)).toEqual({ path: '/var/log/php-fpm.log' });
    const prefixed = read(MAIN, { [MAIN]: '[global]\nerror_log = $prefix/log/fpm.log\n' }, '/opt/fpm');
    expect(errorLogOf(prefixed)).toEqual({ path: '/opt/fpm/log/fpm.log' });
    // Checked with php-fpm8.2 -t: `log/x.log` lands in /var/log without -p, under -p's directory with it.
    const relative = read(MAIN, { [MAIN]: '[global]\nerror_log = log/x.log\n' });
    expect(errorLogOf(relative)).toEqual({ path: '/var/log/x.log' });
    const withP = read(MAIN, { [MAIN]: '[global]\nerror_log = log/x.log\n' }, '/srv/fpm');
    expect(errorLogOf(withP)).toEqual({ path: '/srv/fpm/log/x.log' });
    const docker = read(MAIN, { [MAIN]: '[global]\nerror_log = /proc/self/fd/2\n' });
    expect(errorLogOf(docker)).toHaveProperty('note');
  });

  it('matches listen forms with the web server endpoint', () => {
    expect(
      poolServes({ kind: 'tcp', host: '', port: 9000, ipv6: false }, { kind: 'tcp', host: '127.0.0.1', port: 9000 }),
    ).toBe(true);
    expect(
      poolServes(
        { kind: 'tcp', host: '10.0.0.1', port: 9000, ipv6: false },
        { kind: 'tcp', host: '127.0.0.1', port: 9000 },
      ),
    ).toBe(false);
    expect(poolServes({ kind: 'unix', path: '/a.sock' }, { kind: 'tcp', host: '127.0.0.1', port: 9000 })).toBe(false);
    expect(poolServes(undefined, { kind: 'unix', path: '/a.sock' })).toBe(false);
  });
});

describe('findings from FPM log name the pool file line', () => {
  it('request_terminate_timeout and pm.max_children, from the pool file', async () => {
    const log = [
      '[06-Dec-2026 10:00:01] WARNING: [pool www] child 42, script \'/srv/www/slow.php\' (request: "GET /slow.php") execution timed out (2.63 sec), terminating',
      '[06-Dec-2026 10:00:02] WARNING: [pool www] server reached pm.max_children setting (1), consider raising it',
      '[06-Dec-2026 10:00:03] WARNING: [pool api] server reached pm.max_children setting (4), consider raising it',
      '',
    ].join('\n');
    const scan = await scanLogs([{ name: '/var/log/php8.3-fpm.log', stream: Readable.from([log]) }]);
    const t = fpmLogTargets([{ config: read() }], [{ kind: 'unix', path: '/run/php/php8.3-fpm.sock' }]);
    const out = fpmLogFindings(scan.findings, scan.groups, t);
    const timeout = out.find((f) => f.id === 'backend-timeout');
    expect(timeout?.evidence).toContainEqual({
      kind: 'config',
      text: `${WWW}:6: request_terminate_timeout = 1s (pool www)`,
    });
    const www = out.find((f) => f.id === 'max-children-reached' && f.message.includes('www'));
    expect(www?.evidence).toContainEqual({ kind: 'config', text: `${WWW}:5: pm.max_children = 1 (pool www)` });
    // api shares the error_log but serves no checked setup: its line is not this check's business…
    expect(out.some((f) => f.message.includes('api'))).toBe(false);
    // … while read with every pool (`logs`), it names api's own line.
    const all = fpmLogFindings(scan.findings, scan.groups, fpmLogTargets([{ config: read() }]));
    const api = all.find((f) => f.id === 'max-children-reached' && f.message.includes('api'));
    expect(api?.evidence).toContainEqual({ kind: 'config', text: `${API}:5: pm.max_children = 4 (pool api)` });
  });
});

describe('fpmLogsOf on a machine', () => {
  it('reads the installations found and skips a slowlog not written yet', () => {
    const system = fixtureSystem({ files });
    const t = fpmLogsOf(system, [{ kind: 'unix', path: '/run/php/php8.3-fpm.sock' }]);
    expect(t.files.map((f) => f.path)).toEqual(['/var/log/php8.3-fpm.log']);
    const withSlow = fixtureSystem({ files: { ...files, '/var/log/php8.3-fpm.www.slow.log': '' } });
    expect(fpmLogsOf(withSlow, [{ kind: 'unix', path: '/run/php/php8.3-fpm.sock' }]).files).toHaveLength(2);
  });
});

describe('two installations, each with a pool www', () => {
  it('names the line of the pool writing to the log the lines came from', async () => {
    const other = readFpmConfig('/etc/php/8.2/fpm/php-fpm.conf', {
      reader: memoryFpmFileReader({
        '/etc/php/8.2/fpm/php-fpm.conf':
          '[global]\nerror_log = /var/log/php8.2-fpm.log\n[www]\nlisten = /run/php/php8.2-fpm.sock\nrequest_terminate_timeout = 30s\n',
      }),
      prefix: '/usr',
    });
    const t = fpmLogTargets([{ config: other }, { config: read() }]);
    const log =
      "[06-Dec-2026 10:00:01] WARNING: [pool www] child 42, script '/srv/a.php' execution timed out (1.2 sec), terminating\n";
    const scan = await scanLogs([{ name: '/var/log/php8.3-fpm.log', stream: Readable.from([log]) }]);
    const [f] = fpmLogFindings(scan.findings, scan.groups, t);
    expect(f?.evidence).toContainEqual({ kind: 'config', text: `${WWW}:6: request_terminate_timeout = 1s (pool www)` });
  });
});
