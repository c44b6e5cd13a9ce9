import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import {
  formatNagios,
  formatNagiosUnknown,
  formatPerfDatum,
  nagiosState,
  nagiosText,
} from '../../src/report/nagios.js';
import { fixture, run } from './support.js';

const err: Finding = {
  id: 'socket-missing',
  severity: 'error',
  title: 'No socket | at all',
  message: 'm',
  evidence: [],
};
const warn: Finding = {
  id: 'socket-in-private-tmp',
  severity: 'warning',
  title: 'Socket in /tmp',
  message: 'm',
  evidence: [],
};
const info: Finding = { id: 'app-stderr', severity: 'info', title: 'stderr', message: 'm', evidence: [] };

describe('Nagios / Icinga plugin output', () => {
  it('chooses the state: tool failure UNKNOWN, errors CRITICAL, warnings WARNING, else OK', () => {
    expect(nagiosState([], 2)).toBe('UNKNOWN');
    expect(nagiosState([err, warn], 1)).toBe('CRITICAL');
    expect(nagiosState([warn, info], 0)).toBe('WARNING');
    expect(nagiosState([warn], 1, 'warning')).toBe('CRITICAL');
    expect(nagiosState([info], 0)).toBe('OK');
  });

  it('formats perfdata as label=value[UOM];warn;crit;min;max', () => {
    expect(formatPerfDatum({ label: 'time', value: 0.001234567, uom: 's', min: 0 })).toBe('time=0.00123457s;;;0');
    expect(formatPerfDatum({ label: 'size', value: 5, uom: 'B', min: 0 })).toBe('size=5B;;;0');
    expect(formatPerfDatum({ label: 'failed', value: 2, min: 0, max: 10 })).toBe('failed=2;;;0;10');
    expect(formatPerfDatum({ label: 'a b', value: 1 })).toBe("'a b'=1");
  });

  it('writes one line; the text cannot break it or start the perfdata early', () => {
    expect(nagiosText('a | b\nc\r\td')).toBe('a / b c d');
    const r = formatNagios({
      findings: [err, warn],
      exitCode: 1,
      perf: [{ label: 'time', value: 0.5, uom: 's', min: 0 }],
    });
    expect(r).toEqual({
      state: 'CRITICAL',
      exitCode: 2,
      text: 'FCGI-DOCTOR CRITICAL - 1 error, 1 warning: No socket / at all [socket-missing] | time=0.5s;;;0 errors=1;;;0 warnings=1;;;0 info=0;;;0\n',
    });
    expect(formatNagios({ findings: [warn], exitCode: 0 }).text).toBe(
      'FCGI-DOCTOR WARNING - 1 warning: Socket in /tmp [socket-in-private-tmp] | errors=0;;;0 warnings=1;;;0 info=0;;;0\n',
    );
    expect(formatNagios({ findings: [info], exitCode: 0, okText: 'all good' })).toMatchObject({
      exitCode: 0,
      text: 'FCGI-DOCTOR OK - all good (1 info) | errors=0;;;0 warnings=0;;;0 info=1;;;0\n',
    });
    expect(formatNagios({ findings: [], exitCode: 2, failure: 'cannot read x' })).toMatchObject({
      exitCode: 3,
      state: 'UNKNOWN',
    });
    expect(formatNagiosUnknown('bad\nthing')).toBe('FCGI-DOCTOR UNKNOWN - bad thing\n');
  });

  it('check --format nagios: CRITICAL (2) for the seed vhost, OK (0) for a clean one, WARNING (1) for a warning', async () => {
    const crit = await run(['check', '--offline', fixture('seed', 'lazy-vhost'), '--format', 'nagios']);
    expect(crit.code).toBe(2);
    expect(crit.stdout).toMatch(
      /^FCGI-DOCTOR CRITICAL - \d+ errors?: .*\[[a-z-]+\] \| setups=\d+;;;0 errors=[1-9]\d*;;;0 warnings=\d+;;;0 info=\d+;;;0\n$/,
    );
    const warning = await run(['check', '--offline', fixture('seed', 'external-socket-vhost'), '--format', 'nagios']);
    expect(warning.code).toBe(1);
    expect(warning.stdout).toMatch(/^FCGI-DOCTOR WARNING - 1 warning: /);
    const strict = await run([
      'check',
      '--offline',
      fixture('seed', 'external-socket-vhost'),
      '--format',
      'nagios',
      '--fail-on',
      'warning',
    ]);
    expect(strict.code).toBe(2);
  });

  it('a tool failure is UNKNOWN (3) with one line on stdout', async () => {
    for (const args of [
      ['check', '--offline', '/nonexistent/vhost.conf', '--format', 'nagios'],
      ['ping', 'not a target at all', '--format=nagios'],
      ['ping', '/tmp/x.sock', '--format', 'nagios', '--timeout', 'soon'],
      ['logs', '/nonexistent/error.log', '--format', 'nagios'],
      ['check', '--no-such-option', '--format', 'nagios'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stdout, args.join(' ')).toMatch(/^FCGI-DOCTOR UNKNOWN - [^\n]+\n$/);
    }
  });

  it('the other formats keep exit status 2 for the same failures', async () => {
    for (const format of ['text', 'json', 'sarif', 'github']) {
      const r = await run(['check', '--offline', '/nonexistent/vhost.conf', '--format', format]);
      expect(r.code, format).toBe(2);
    }
  });
});
