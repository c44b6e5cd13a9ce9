import { describe, expect, it } from 'vitest';
import { fnmatch, hasWildcard } from '../../src/util/fnmatch.js';
import { fixtureSystem } from '../../src/system/fixture.js';
import { expandGlob } from '../../src/system/index.js';

describe('fnmatch: one wildcard matcher for Apache and PHP-FPM', () => {
  it('* and ? stay within one component; a wildcard never matches a leading dot', () => {
    expect(fnmatch('*.conf', 'www.conf')).toBe(true);
    expect(fnmatch('*.conf', 'a/b.conf')).toBe(false);
    expect(fnmatch('?.conf', 'ab.conf')).toBe(false);
    expect(fnmatch('*.conf', '.hidden.conf')).toBe(false);
    expect(fnmatch('.*.conf', '.hidden.conf')).toBe(true);
  });
  it('classes, negated with ! or ^, ] first in a class, and a backslash escape', () => {
    expect(fnmatch('8.[0-9]', '8.2')).toBe(true);
    expect(fnmatch('[!a]*', 'apache')).toBe(false);
    expect(fnmatch('[^a]*', 'nginx')).toBe(true);
    expect(fnmatch('[]x]', ']')).toBe(true);
    expect(fnmatch('a\\*', 'a*')).toBe(true);
    expect(fnmatch('a\\*', 'ab')).toBe(false);
    expect(fnmatch('[unclosed', '[unclosed')).toBe(true);
  });
  it('hasWildcard', () => {
    expect(hasWildcard('/etc/php/*/fpm')).toBe(true);
    expect(hasWildcard('/etc/php/8.2/fpm')).toBe(false);
  });
  it("PHP-FPM's pool globs (src/system) match as Apache's Include does: ] first in a class, hidden files only when named", () => {
    const { fs } = fixtureSystem({
      files: {
        '/etc/fpm.d/].conf': 'x',
        '/etc/fpm.d/x.conf': 'x',
        '/etc/fpm.d/.y.conf': 'x',
        '/etc/fpm.d/z.conf': 'x',
      },
    });
    expect(expandGlob(fs, '/etc/fpm.d/[]x].conf')).toEqual(['/etc/fpm.d/].conf', '/etc/fpm.d/x.conf']);
    expect(expandGlob(fs, '/etc/fpm.d/*.conf')).toEqual([
      '/etc/fpm.d/].conf',
      '/etc/fpm.d/x.conf',
      '/etc/fpm.d/z.conf',
    ]);
  });
});
