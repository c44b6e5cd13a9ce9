import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import {
  applySuppressions,
  parseInlineSuppression,
  unusedSuppressionFinding,
  type SuppressionEntry,
} from '../../src/findings/suppress.js';
import { matchGlob, resolvePathGlob } from '../../src/cli/projectFile.js';

const tmpWarning: Finding = {
  id: 'socket-in-private-tmp',
  severity: 'warning',
  title: 'The socket /tmp/app.sock is under /tmp',
  message: '…',
  location: { file: '/etc/apache2/sites-available/app.conf', line: 17 },
  evidence: [],
  setup: 'fastcgi:external:/srv/app.py@/etc/apache2/sites-available/app.conf:17',
};
const otherError: Finding = {
  id: 'socket-missing',
  severity: 'error',
  title: 'x',
  message: 'x',
  location: { file: '/etc/apache2/sites-available/app.conf', line: 17 },
  evidence: [],
};

const entry = (over: Partial<SuppressionEntry>): SuppressionEntry => ({
  id: 'socket-in-private-tmp',
  reason: 'no systemd here',
  source: '/srv/.fcgi-doctor.yaml:2',
  kind: 'external',
  reportUnused: true,
  ...over,
});

const apply = (entries: SuppressionEntry[]) => applySuppressions([tmpWarning, otherError], entries, matchGlob);

describe('applySuppressions', () => {
  it('an entry by id takes that finding out and keeps the others', () => {
    const r = apply([entry({})]);
    expect(r.findings).toEqual([otherError]);
    expect(r.suppressed).toEqual([{ finding: tmpWarning, entry: entry({}) }]);
    expect(r.unused).toEqual([]);
  });

  it('a wrong id suppresses nothing and is unused', () => {
    const e = entry({ id: 'socket-in-private-temp' });
    const r = apply([e]);
    expect(r.findings).toEqual([tmpWarning, otherError]);
    expect(r.suppressed).toEqual([]);
    expect(r.unused).toEqual([e]);
  });

  it('a path glob must match the location file', () => {
    expect(apply([entry({ path: '/etc/apache2/sites-available/*.conf' })]).suppressed).toHaveLength(1);
    expect(apply([entry({ path: '**/app.conf' })]).suppressed).toHaveLength(1);
    expect(apply([entry({ path: '/etc/**/app.conf' })]).suppressed).toHaveLength(1);
    // `*` stops at a slash, as fnmatch's does for a path.
    expect(apply([entry({ path: '/etc/*/app.conf' })]).suppressed).toHaveLength(0);
    expect(apply([entry({ path: '/etc/apache2/sites-enabled/*.conf' })]).suppressed).toHaveLength(0);
    // A finding with no location cannot match a path.
    const r = applySuppressions([{ ...tmpWarning, location: undefined }], [entry({ path: '**/*' })], matchGlob);
    expect(r.suppressed).toHaveLength(0);
  });

  it('a setup glob must match the setup id', () => {
    expect(apply([entry({ setup: 'fastcgi:external:*' })]).suppressed).toHaveLength(1);
    expect(apply([entry({ setup: 'fcgid:*' })]).suppressed).toHaveLength(0);
  });

  it('an in-source entry matches its file at its line, or the whole file without a line', () => {
    const file = '/etc/apache2/sites-available/app.conf';
    expect(apply([entry({ kind: 'inSource', file, line: 17 })]).suppressed).toHaveLength(1);
    expect(apply([entry({ kind: 'inSource', file, line: 16 })]).suppressed).toHaveLength(0);
    expect(apply([entry({ kind: 'inSource', file: '/etc/apache2/other.conf', line: 17 })]).suppressed).toHaveLength(0);
    expect(apply([entry({ kind: 'inSource', file })]).suppressed).toHaveLength(1);
  });

  it('an inert entry (a misplaced comment) matches nothing', () => {
    const r = apply([
      entry({ kind: 'inSource', file: tmpWarning.location!.file, line: 17, inert: 'not above a directive' }),
    ]);
    expect(r.suppressed).toHaveLength(0);
    expect(r.unused).toHaveLength(1);
  });

  it('the first matching entry is named, and every matching entry counts as used', () => {
    const a = entry({ source: '--ignore' });
    const b = entry({ source: '/srv/.fcgi-doctor.yaml:5' });
    const r = apply([a, b]);
    expect(r.suppressed[0]?.entry).toBe(a);
    expect(r.unused).toEqual([]);
  });
});

describe('unusedSuppressionFinding', () => {
  it('is info, located at the entry, and says what did not match', () => {
    const f = unusedSuppressionFinding(entry({ path: '**/x.conf' }));
    expect(f.id).toBe('suppression-unused');
    expect(f.severity).toBe('info');
    expect(f.location).toEqual({ file: '/srv/.fcgi-doctor.yaml', line: 2 });
    expect(f.message).toContain('No finding socket-in-private-tmp (path **/x.conf) was reported');
    expect(unusedSuppressionFinding(entry({ source: '--ignore' })).location).toBeUndefined();
  });
});

describe('parseInlineSuppression', () => {
  it('reads ignore and ignore-file with ids and a reason', () => {
    expect(parseInlineSuppression('# fcgi-doctor: ignore socket-in-private-tmp no systemd here')).toEqual({
      scope: 'line',
      ids: ['socket-in-private-tmp'],
      reason: 'no systemd here',
    });
    expect(parseInlineSuppression('#fcgi-doctor: ignore-file a,b  shared host')).toEqual({
      scope: 'file',
      ids: ['a', 'b'],
      reason: 'shared host',
    });
  });
  it('is undefined for other comments and an error for a malformed marker', () => {
    expect(parseInlineSuppression('# an ordinary comment about fcgi-doctor')).toBeUndefined();
    expect(parseInlineSuppression('# fcgi-doctor: ignore socket-in-private-tmp')).toEqual({
      error: expect.stringContaining('no reason'),
    });
    expect(parseInlineSuppression('# fcgi-doctor: disable x why')).toEqual({
      error: expect.stringContaining('not ignore'),
    });
  });
});

describe('project-file path globs', () => {
  it('are read as .gitignore reads them', () => {
    expect(resolvePathGlob('app.conf', '/srv/site')).toBe('**/app.conf');
    expect(resolvePathGlob('conf/*.conf', '/srv/site')).toBe('/srv/site/conf/*.conf');
    expect(resolvePathGlob('/etc/apache2/*.conf', '/srv/site')).toBe('/etc/apache2/*.conf');
  });
});
