/**
 * The configuration on disk changed after the running Apache loaded it: seen
 * from the files' change times and the start of Apache's oldest live child.
 */
import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../../src/apache/source.js';
import { configChangedSinceLoad } from '../../../src/checks/http/notReloaded.js';
import { fixtureSystem } from '../../../src/system/fixture.js';
import { apacheProcesses, config, NOW, PIDFILE, ROOT } from '../probes/helpers.js';
import { analyzeStrict } from '../strict.js';

const HOUR = 3600_000;
const { model } = analyzeStrict({
  root: ROOT,
  serverRoot: '/srv',
  source: new MemoryFileSource({ [ROOT]: config('<VirtualHost *:80>\n  ServerName a.test\n</VirtualHost>') }),
  env: {},
});

function machine(configChangedAt: number, running = true) {
  return fixtureSystem({
    files: { [ROOT]: { content: 'x', mtimeMs: configChangedAt }, ...(running ? { [PIDFILE]: '100\n' } : {}) },
    processes: running ? apacheProcesses() : [],
  });
}

describe('configChangedSinceLoad', () => {
  it('a file changed after the oldest child started: the change is not live, with both times', () => {
    // apacheProcesses() start an hour before NOW.
    const n = configChangedSinceLoad(model, machine(NOW - 10 * 60_000));
    expect(n).toEqual({
      file: ROOT,
      changedAtMs: NOW - 10 * 60_000,
      loadedBeforeMs: NOW - HOUR,
      how: expect.any(String),
    });
  });

  it('a file older than the children: nothing proven (Apache may run it)', () => {
    expect(configChangedSinceLoad(model, machine(NOW - 2 * HOUR))).toBeUndefined();
  });

  it('within a second of the start (the clock of process start times): nothing claimed', () => {
    expect(configChangedSinceLoad(model, machine(NOW - HOUR + 500))).toBeUndefined();
  });

  it('no Apache running: nothing to compare with', () => {
    expect(configChangedSinceLoad(model, machine(NOW, false))).toBeUndefined();
  });
});
