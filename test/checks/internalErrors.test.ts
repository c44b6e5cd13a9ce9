/**
 * A check that crashes is a bug of ours, never "no problem found": the run
 * ends in exit status 2 with the findings the other steps gathered and the
 * name of the step that failed, in every format. The throwing checks are
 * injected through the runners' own interface; no real check is touched.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../src/apache/source.js';
import { analyzeConfig, CONFIG_CHECKS, type ConfigCheck } from '../../src/checks/config/index.js';
import { PROBE_CHECKS, runProbes, type ProbeCheck } from '../../src/checks/probes/index.js';
import { runCheck } from '../../src/checks/run.js';
import { runCheckCommand } from '../../src/cli/check.js';
import { fixtureSystem } from '../../src/system/fixture.js';
import { captureIO, ROOT } from '../client/support.js';
import { errorsText, outputValidator } from '../report/support.js';
import { assertRanClean } from './strict.js';
import { BASE } from './config/helpers.js';

const boom: ConfigCheck = {
  ids: ['execcgi-off'],
  run() {
    throw new Error('boom in the check');
  },
};
const probeBoom: ProbeCheck = {
  ids: ['socket-permission-denied'],
  run() {
    throw new TypeError("Cannot read properties of undefined (reading 'uid')");
  },
};
const LAZY = join(ROOT, 'fixtures', 'seed', 'lazy-vhost');
/** Options Indexes +ExecCGI: options-mixed-syntax, found by a check that does not crash. */
const MIXED = `${BASE}<Directory /x>\nOptions Indexes +ExecCGI\n</Directory>\n`;

function analyzeWith(checks: readonly ConfigCheck[]) {
  return analyzeConfig({
    root: '/srv/httpd.conf',
    serverRoot: '/srv',
    source: new MemoryFileSource({ '/srv/httpd.conf': MIXED }),
    env: {},
    checks,
  });
}

describe('a configuration check that throws', () => {
  it('is an internal error naming the check, not a config-analysis-limit warning; the other findings stay', () => {
    const r = analyzeWith([...CONFIG_CHECKS, boom]);
    expect(r.internalErrors).toEqual([
      { step: 'the configuration check for execcgi-off', message: 'boom in the check' },
    ]);
    expect(r.findings.map((f) => f.id)).toContain('options-mixed-syntax');
    expect(r.findings.map((f) => f.id)).not.toContain('config-analysis-limit');
  });
  it('makes the strict test helper fail, so a crashing check cannot pass a "stays quiet" test', () => {
    expect(() => assertRanClean(analyzeWith([boom]))).toThrow(
      /a check failed: the configuration check for execcgi-off: boom/,
    );
    expect(() => assertRanClean(analyzeWith(CONFIG_CHECKS))).not.toThrow();
  });
});

describe('a live check that throws', () => {
  it('is an internal error of runProbes, not a notice', async () => {
    const { model } = analyzeWith(CONFIG_CHECKS);
    const r = await runProbes(model, fixtureSystem({}), { checks: [...PROBE_CHECKS, probeBoom] });
    expect(r.internalErrors).toEqual([
      {
        step: 'the live check for socket-permission-denied',
        message: "Cannot read properties of undefined (reading 'uid')",
      },
    ]);
    expect(r.notices.join('\n')).not.toMatch(/failed/);
  });
  it('a probe runner that throws leaves the configuration findings and names the step', async () => {
    const report = await runCheck(
      {
        root: '/srv/httpd.conf',
        serverRoot: '/srv',
        source: new MemoryFileSource({ '/srv/httpd.conf': MIXED }),
        env: {},
        offline: false,
        timeoutMs: 500,
        toolVersion: 'test',
      },
      async () => {
        throw new Error('probe runner exploded');
      },
    );
    expect(report.internalErrors).toContainEqual({ step: 'the live probes', message: 'probe runner exploded' });
    expect(report.findings.map((f) => f.id)).toContain('options-mixed-syntax');
    expect(report.steps.probes).toBe(false);
  });
  it('any later step that throws (here --http) is named too, and the steps after it still run', async () => {
    const report = await runCheck(
      {
        root: '/srv/httpd.conf',
        serverRoot: '/srv',
        source: new MemoryFileSource({ '/srv/httpd.conf': MIXED }),
        env: {},
        offline: false,
        timeoutMs: 500,
        toolVersion: 'test',
      },
      async () => ({ findings: [], notices: [] }),
      async () => {
        throw new Error('web runner exploded');
      },
    );
    expect(report.internalErrors).toEqual([
      { step: 'the requests through the web server (--http)', message: 'web runner exploded' },
    ]);
    expect(report.steps).toMatchObject({ probes: true, requests: true, logs: true });
    expect(report.findings.map((f) => f.id)).toContain('options-mixed-syntax');
  });
});

describe('check on the command line with a step that throws', () => {
  async function run(format: string, runners: Parameters<typeof runCheckCommand>[3], offline = true) {
    const io = captureIO();
    const code = await runCheckCommand(LAZY, { offline, format }, io, runners);
    return { code, out: io.stdoutText };
  }

  it('exits 2 (not 0 or 1), and JSON lists the failed step beside the findings gathered so far', async () => {
    const r = await run('json', { configChecks: [...CONFIG_CHECKS, boom] });
    expect(r.code).toBe(2);
    const json = JSON.parse(r.out);
    const validate = outputValidator();
    expect(validate(json), errorsText(validate.errors)).toBe(true);
    expect(validate({ ...json, internalErrors: [{ step: 'x' }] })).toBe(false);
    expect(json.internalErrors).toEqual([
      { step: 'the configuration check for execcgi-off', message: 'boom in the check' },
    ]);
    expect(json.findings.map((f: { id: string }) => f.id)).toContain('options-mixed-syntax');
  });
  it('a healthy run has an empty internalErrors list and keeps its exit status', async () => {
    const r = await run('json', {});
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).internalErrors).toEqual([]);
  });
  it('text names the step and says the check could not be completed', async () => {
    const r = await run('text', { configChecks: [...CONFIG_CHECKS, boom] });
    expect(r.code).toBe(2);
    expect(r.out).toContain('fcgi-doctor failed in the configuration check for execcgi-off: boom in the check');
    expect(r.out).toContain('options-mixed-syntax');
    expect(r.out).toMatch(/the check could not be completed \(exit 2\)/);
  });
  it('sarif, github and nagios say it too', async () => {
    const sarif = await run('sarif', { configChecks: [boom] });
    expect(sarif.code).toBe(2);
    const inv = JSON.parse(sarif.out).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications[0].message.text).toContain('the configuration check for execcgi-off');
    const gh = await run('github', { configChecks: [boom] });
    expect(gh.code).toBe(2);
    expect(gh.out).toMatch(
      /^::error title=fcgi-doctor could not finish::fcgi-doctor failed in the configuration check for execcgi-off/m,
    );
    const nagios = await run('nagios', { configChecks: [boom] });
    expect(nagios.code).toBe(3);
    expect(nagios.out).toMatch(/^FCGI-DOCTOR UNKNOWN - fcgi-doctor failed in the configuration check for execcgi-off/);
  });
  it('a live probe runner that throws ends in exit 2 too, naming the live probes', async () => {
    const r = await run(
      'json',
      {
        probes: async () => ({
          findings: [],
          notices: [],
          internalErrors: [{ step: 'the live check for socket-permission-denied', message: 'x' }],
        }),
      },
      false,
    );
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).internalErrors).toEqual([
      { step: 'the live check for socket-permission-denied', message: 'x' },
    ]);
  });
});
