/**
 * A finding can be huge (100,000 evidence lines from a configuration, a
 * message quoting a 7 MB header block): what people read is cut, with how
 * much more there is; JSON keeps it all.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import { capList, capText, SHOWN } from '../../src/report/cap.js';
import { buildEnvelope, formatJson } from '../../src/report/envelope.js';
import { formatFinding } from '../../src/report/findingText.js';
import { formatGithub } from '../../src/report/github.js';
import { formatNagios } from '../../src/report/nagios.js';
import { formatSarif } from '../../src/report/sarif.js';
import { createStyle } from '../../src/report/style.js';

const EVIDENCE = 100_000;
const huge: Finding = {
  id: 'backend-bad-response',
  severity: 'error',
  title: `The backend sent ${'a malformed response '.repeat(1000)}`,
  message: `The response is not a valid CGI response: ${'malformed header line: "X-A aaaa"; '.repeat(150_000)}`,
  location: { file: '/srv/site.conf', line: 1 },
  evidence: Array.from({ length: EVIDENCE }, (_, i) => ({
    kind: 'config' as const,
    text: `/srv/site.conf:${i + 2}: SetEnv VAR${i} ${'v'.repeat(250)}`,
  })),
  fix: 'f'.repeat(1_000_000),
};

const KIB = 1024;

describe('what a person reads of a huge finding is bounded', () => {
  const outputs: Array<[string, () => string]> = [
    ['text', () => formatFinding(createStyle(), huge)],
    ['github', () => formatGithub([huge], { exitCode: 1, cwd: '/' })],
    ['sarif', () => formatSarif([huge], { toolVersion: '0.1.0', cwd: '/', docFor: () => undefined })],
    ['nagios', () => formatNagios({ findings: [huge], exitCode: 1 }).text],
  ];
  for (const [format, make] of outputs) {
    it(`${format}: under 40 KiB, saying how many evidence lines are not shown`, () => {
      const out = make();
      expect(out.length).toBeLessThan(40 * KIB);
      if (format !== 'nagios') {
        expect(out).toContain(`${EVIDENCE - SHOWN.evidence} more evidence lines (--format json lists them all)`);
        expect(out).toContain('SetEnv VAR0 ');
        expect(out).not.toContain(`SetEnv VAR${SHOWN.evidence} `);
        expect(out).toMatch(/more characters\)/);
      }
    });
  }

  it('json keeps every evidence line and the whole message', () => {
    const back = JSON.parse(formatJson(buildEnvelope('0.1.0', 'check', 't', [huge]))) as { findings: Finding[] };
    expect(back.findings[0]!.evidence).toHaveLength(EVIDENCE);
    expect(back.findings[0]!.message).toBe(huge.message);
  });
});

describe('cap helpers', () => {
  it('capList keeps the first items and counts the rest', () => {
    expect(capList([1, 2, 3], 5)).toEqual({ shown: [1, 2, 3], more: 0 });
    expect(capList([1, 2, 3, 4], 2)).toEqual({ shown: [1, 2], more: 2 });
  });

  it('capText says how many characters were cut, and never splits a surrogate pair', () => {
    expect(capText('abc', 3)).toBe('abc');
    expect(capText('abcdef', 3)).toBe('abc… (3 more characters)');
    expect(capText('ab😀cd', 3)).toBe('ab… (4 more characters)');
  });
});

describe('many findings of one kind (100,000 lines that each need a module not loaded)', () => {
  const many: Finding[] = Array.from({ length: 100_000 }, (_, i) => ({
    id: 'config-syntax-error',
    severity: 'error' as const,
    title: 'SetEnv needs env_module, which is not loaded',
    message: `Apache refuses to start: SetEnv VAR${i} value${i} needs env_module.`,
    location: { file: '/srv/httpd.conf', line: i + 2 },
    evidence: [{ kind: 'config' as const, text: `/srv/httpd.conf:${i + 2}: SetEnv VAR${i} value${i}` }],
    fix: 'Load the module (Debian: a2enmod env).',
  }));
  const other: Finding = { id: 'socket-missing', severity: 'error', title: 'No socket', message: 'none', evidence: [] };
  const note = `… ${100_000 - SHOWN.findingsPerKind} more findings like "SetEnv needs env_module, which is not loaded" [config-syntax-error] (--format json lists them all)`;

  it('text (the check report): five of them, then how many more; other kinds untouched', async () => {
    const { formatCheckText } = await import('../../src/report/checkText.js');
    const summary = {
      rootFile: '/srv/httpd.conf',
      serverRoot: '/srv',
      layout: 'custom',
      targetLoaded: true,
      fastcgiModules: [],
      steps: { config: true as const, probes: false, requests: false, logs: false },
      logsScanned: [],
      setups: [],
      notices: [],
    };
    const out = formatCheckText(createStyle(), summary, [...many, other], { exitCode: 1 });
    expect(out.length).toBeLessThan(16 * KIB);
    expect(out.match(/\[config-syntax-error\]$/gm)).toHaveLength(SHOWN.findingsPerKind);
    expect(out).toContain(note);
    expect(out).toContain('No socket [socket-missing]');
    expect(out).toContain('100001 errors, 0 warnings, 0 info');
  });

  it('github: five annotations and a plain line counting the rest; the summary counts all', () => {
    const out = formatGithub([...many, other], { exitCode: 1, cwd: '/' });
    expect(out.length).toBeLessThan(16 * KIB);
    expect(out.match(/^::error /gm)).toHaveLength(SHOWN.findingsPerKind + 1);
    expect(out).toContain(`fcgi-doctor: ${note}`);
    expect(out.trimEnd().split('\n').at(-1)).toBe('fcgi-doctor: 100001 errors, 0 warnings, 0 info (exit 1)');
  });

  it('sarif: a hundred results of the kind and the count of the others, valid against the SARIF schema', async () => {
    const { sarifValidator, errorsText } = await import('./support.js');
    const log = JSON.parse(
      formatSarif([...many, other], { toolVersion: '0.1.0', cwd: '/', docFor: () => undefined }),
    ) as { runs: Array<{ results: unknown[]; properties?: { omittedResults: unknown[] } }> };
    expect(log.runs[0]!.results).toHaveLength(SHOWN.sarifResultsPerKind + 1);
    expect(log.runs[0]!.properties!.omittedResults).toEqual([
      {
        ruleId: 'config-syntax-error',
        title: 'SetEnv needs env_module, which is not loaded',
        count: 100_000 - SHOWN.sarifResultsPerKind,
      },
    ]);
    const validate = sarifValidator();
    expect(validate(log), errorsText(validate.errors)).toBe(true);
  });

  it('json: every one of them', () => {
    const back = JSON.parse(formatJson(buildEnvelope('0.1.0', 'check', 't', [...many, other]))) as {
      findings: Finding[];
      summary: { error: number };
    };
    expect(back.findings).toHaveLength(100_001);
    expect(back.summary.error).toBe(100_001);
  });
});
