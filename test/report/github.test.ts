import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import { escapeData, escapeProperty, formatGithub, formatGithubAnnotation } from '../../src/report/github.js';
import { fixture, run } from './support.js';

const base: Finding = {
  id: 'socket-missing',
  severity: 'error',
  title: 'No socket',
  message: 'nothing at /run/php.sock',
  evidence: [],
};

describe('GitHub Actions workflow commands', () => {
  it('escapes data: % first, then CR and LF', () => {
    expect(escapeData('100%\r\nnext')).toBe('100%25%0D%0Anext');
    expect(escapeData('%0A')).toBe('%250A');
    expect(escapeData('a: b, c')).toBe('a: b, c');
  });

  it('escapes properties: also : and ,', () => {
    expect(escapeProperty('C:\\dir,x 50%\n')).toBe('C%3A\\dir%2Cx 50%25%0A');
  });

  it('maps severities to error, warning and notice', () => {
    expect(formatGithubAnnotation(base)).toMatch(/^::error title=/);
    expect(formatGithubAnnotation({ ...base, severity: 'warning' })).toMatch(/^::warning /);
    expect(formatGithubAnnotation({ ...base, severity: 'info' })).toMatch(/^::notice /);
  });

  it('writes file (relative to the workspace) and line, and the title with the id', () => {
    const line = formatGithubAnnotation(
      { ...base, location: { file: '/ws/repo/conf/site.conf', line: 12 }, fix: 'start it' },
      '/ws/repo',
    );
    expect(line).toBe(
      '::error file=conf/site.conf,line=12,title=No socket [socket-missing]::nothing at /run/php.sock%0A%0AFix: start it',
    );
  });

  it('keeps text from a log from starting a workflow command of its own', () => {
    const hostile: Finding = {
      ...base,
      title: 'x::y, z',
      message: 'line\n::add-mask::secret\r\n::stop-commands::tok',
      evidence: [{ kind: 'log', text: '100% ::error::boom' }],
    };
    const out = formatGithub([hostile], { exitCode: 1, cwd: '/' });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      '::error title=x%3A%3Ay%2C z [socket-missing]::line%0A::add-mask::secret%0D%0A::stop-commands::tok%0A%0Alog: 100%25 ::error::boom',
    );
    expect(lines[1]).toBe('fcgi-doctor: 1 error, 0 warnings, 0 info (exit 1)');
  });

  it('check --format github annotates the seed vhost lines and exits 1', async () => {
    const r = await run(['check', '--offline', fixture('seed', 'lazy-vhost'), '--format', 'github']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '::error file=fixtures/seed/lazy-vhost,line=7,title=Options mixes words with and without +/- [options-mixed-syntax]::',
    );
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^fcgi-doctor .*lazy-vhost: \d+ errors?, \d+ warnings?, \d+ info \(exit 1\)$/,
    );
  });
});
