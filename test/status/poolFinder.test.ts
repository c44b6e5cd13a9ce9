import { describe, expect, it } from 'vitest';
import type { Target } from '../../src/client/target.js';
import { poolFinder } from '../../src/status/poolFinder.js';
import { fixtureSystem, type FixtureProcess } from '../../src/system/fixture.js';
import type { SystemProbes } from '../../src/system/index.js';

const sock: Target = { kind: 'unix', path: '/run/app/fpm.sock' };

/**
 * A master started with a private configuration (/srv/app/php-fpm.conf, pool
 * www, 7 children), while Debian's default files in the usual places claim the
 * same socket with 5: the running master's file is the one that counts.
 */
function machine(extra: FixtureProcess[] = []): { system: SystemProbes; listed: () => number } {
  const system = fixtureSystem({
    files: {
      '/srv/app/php-fpm.conf':
        '[global]\npid = /srv/app/fpm.pid\n[www]\nlisten = /run/app/fpm.sock\npm = dynamic\npm.max_children = 7\npm.status_path = /status\n',
      '/etc/php/8.2/fpm/php-fpm.conf': '[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n',
      '/etc/php/8.2/fpm/pool.d/www.conf': '[www]\nlisten = /run/app/fpm.sock\npm = dynamic\npm.max_children = 5\n',
    },
    processes: [
      { pid: 100, ppid: 1, comm: 'php-fpm8.2', cmdline: ['php-fpm: master process (/srv/app/php-fpm.conf)'] },
      { pid: 101, ppid: 100, comm: 'php-fpm8.2', cmdline: ['php-fpm: pool www'] },
      { pid: 102, ppid: 100, comm: 'php-fpm8.2', cmdline: ['php-fpm: pool www'] },
      ...extra,
    ],
  });
  let listed = 0;
  const commandLines = system.processes.commandLines.bind(system.processes);
  system.processes.commandLines = () => {
    listed++;
    return commandLines();
  };
  return { system, listed: () => listed };
}

describe('poolFinder: the pool file behind a status page', () => {
  it("walks from a worker the page names to its master's configuration, without listing every process", () => {
    const { system, listed } = machine();
    const facts = poolFinder(system, sock)({ pool: 'www', pids: [101, 102] });
    expect(facts).toMatchObject({ name: 'www', file: '/srv/app/php-fpm.conf', maxChildren: 7, statusPath: '/status' });
    expect(listed()).toBe(0);
  });

  it('without a hint, searches the usual places and the masters (and finds the first file that claims the socket)', () => {
    const { system, listed } = machine();
    const facts = poolFinder(system, sock)();
    expect(facts).toMatchObject({ file: '/etc/php/8.2/fpm/pool.d/www.conf', maxChildren: 5 });
    expect(listed()).toBe(1);
  });

  it('falls back to the search when the ids are not workers of that pool here (another host, another container, a reused id)', () => {
    const { system, listed } = machine([
      { pid: 200, ppid: 1, comm: 'bash', cmdline: ['/bin/bash'] },
      { pid: 300, ppid: 100, comm: 'php-fpm8.2', cmdline: ['php-fpm: pool other'] },
    ]);
    const find = poolFinder(system, sock);
    expect(find({ pool: 'www', pids: [4242] })?.file).toBe('/etc/php/8.2/fpm/pool.d/www.conf');
    expect(find({ pool: 'www', pids: [200] })?.file).toBe('/etc/php/8.2/fpm/pool.d/www.conf');
    expect(find({ pool: 'www', pids: [300] })?.file).toBe('/etc/php/8.2/fpm/pool.d/www.conf');
    expect(listed()).toBe(3);
  });

  it("falls back when the master's configuration has no pool on this target", () => {
    const { system } = machine();
    const other: Target = { kind: 'unix', path: '/run/other.sock' };
    expect(poolFinder(system, other)({ pool: 'www', pids: [101] })).toBeUndefined();
  });
});
