import { MemoryFileSource } from '../../../src/apache/source.js';
import { analyzeStrict, assertRanClean } from '../strict.js';
import { BASE, FASTCGI, FCGID, PROXY } from '../config/helpers.js';
import { runProbes, type ProbeOptions, type ProbeResult } from '../../../src/checks/probes/index.js';
import type { Finding } from '../../../src/findings/finding.js';
import { fixtureSystem, type FixtureData, type FixtureProcess } from '../../../src/system/fixture.js';

/** Every FastCGI module loaded, on the same base as the configuration checks' tests. */
export const MODULES = `${BASE}${PROXY}${FCGID}${FASTCGI}`;

export const ROOT = '/srv/httpd.conf';
export const PIDFILE = '/srv/run/httpd.pid';

/** A server configuration around `body`: User/Group www-data, a PidFile, every FastCGI module loaded. */
export function config(body: string): string {
  return `${MODULES}User www-data\nGroup www-data\nPidFile ${PIDFILE}\nDocumentRoot /var/www/html\n${body}\n`;
}

const HOUR = 3600_000;
export const NOW = 1_800_000_000_000;

/** A running Apache: root master 100, an event worker (threaded) 101, a single-threaded child 102 (mod_fcgid's manager). */
export function apacheProcesses(extra: FixtureProcess[] = []): FixtureProcess[] {
  const argv = ['/usr/sbin/apache2', '-k', 'start'];
  return [
    { pid: 100, ppid: 1, comm: 'apache2', cmdline: argv, startedAtMs: NOW - HOUR },
    { pid: 101, ppid: 100, comm: 'apache2', cmdline: argv, uid: 33, gid: 33, threads: 27, startedAtMs: NOW - HOUR },
    { pid: 102, ppid: 100, comm: 'apache2', cmdline: argv, uid: 33, gid: 33, threads: 1, startedAtMs: NOW - HOUR },
    ...extra,
  ];
}

export interface Machine extends FixtureData {
  /** Apache is running (pid file + processes); default true. */
  apacheRunning?: boolean;
}

/** The configuration checks, then the live ones on a fixture machine; fails the test if any check crashed. */
export async function probe(conf: string, machine: Machine = {}, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const { model, findings } = analyzeStrict({
    root: ROOT,
    serverRoot: '/srv',
    source: new MemoryFileSource({ [ROOT]: config(conf) }),
    env: {},
  });
  const running = machine.apacheRunning ?? true;
  const files = { ...(running ? { [PIDFILE]: '100\n' } : {}), ...(machine.files ?? {}) };
  const processes = [...(running ? apacheProcesses() : []), ...(machine.processes ?? [])];
  const system = fixtureSystem({ ...machine, files, processes });
  const result = await runProbes(model, system, { now: NOW, configFindings: findings, ...opts });
  assertRanClean(result);
  return result;
}

export const ids = (r: ProbeResult) => r.findings.map((f) => f.id);
export const errors = (r: ProbeResult) => r.findings.filter((f) => f.severity === 'error');

export function only(r: ProbeResult, id: string): Finding {
  const list = r.findings.filter((f) => f.id === id);
  if (list.length !== 1) throw new Error(`expected one ${id}, got ${JSON.stringify(ids(r))}`);
  return list[0] as Finding;
}

export const probeText = (f: Finding) =>
  f.evidence
    .filter((e) => e.kind === 'probe')
    .map((e) => e.text)
    .join('\n');

/** The Debian PHP 8.2 pool, as installed. */
export const DEBIAN_POOL = {
  '/etc/php/8.2/fpm/php-fpm.conf': '[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n',
  '/etc/php/8.2/fpm/pool.d/www.conf':
    '[www]\nuser = www-data\ngroup = www-data\nlisten = /run/php/php8.2-fpm.sock\nlisten.owner = www-data\nlisten.group = www-data\npm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n',
};

/** The live FPM 8.2 master and a worker holding inode 500 (its socket). */
export const FPM_PROCESSES: FixtureProcess[] = [
  {
    pid: 200,
    comm: 'php-fpm8.2',
    cmdline: ['php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)'],
    sockets: [500],
  },
  { pid: 201, ppid: 200, comm: 'php-fpm8.2', cmdline: ['php-fpm: pool www'], uid: 33, gid: 33, sockets: [500] },
];

export const fpmSocket = (opts: { uid?: number; gid?: number; mode?: number } = {}) => ({
  '/run/php/php8.2-fpm.sock': {
    type: 'socket' as const,
    uid: opts.uid ?? 33,
    gid: opts.gid ?? 33,
    mode: opts.mode ?? 0o660,
  },
});

export const PHP_HANDLER = (sock: string) =>
  `<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>`;
