import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../src/apache/source.js';
import { parseConfig } from '../../src/apache/parser.js';
import { applyOptions, parseOptions } from '../../src/apache/options.js';
import { effectiveOptions, listVhosts } from '../../src/apache/index.js';

describe('Options (set_options)', () => {
  it.each([
    [['FollowSymLinks', '+ExecCGI'], true],
    [['+FollowSymLinks', '+ExecCGI'], false],
    [['Indexes', 'FollowSymLinks'], false],
    [['None', '+ExecCGI'], false],
    [['-Indexes', 'ExecCGI'], true],
  ])('%j mixed=%s', (args, mixed) => {
    expect(parseOptions(args).mixed).toBe(mixed);
  });
  it('reports illegal words and misplaced All/None', () => {
    expect(parseOptions(['Bogus']).errors).toEqual(['Illegal option Bogus']);
    expect(parseOptions(['Indexes', 'All']).errors[0]).toContain('must be the first option');
    expect(parseOptions(['+All']).errors[0]).toContain("You may not use 'Options +All'");
  });
  it('bare lists replace, +/- lists merge', () => {
    const base = new Set(['FollowSymLinks'] as const);
    expect([...applyOptions(base, parseOptions(['Indexes']))]).toEqual(['Indexes']);
    expect([...applyOptions(base, parseOptions(['+ExecCGI', '-FollowSymLinks']))]).toEqual(['ExecCGI']);
    expect([...applyOptions(base, parseOptions(['All']))].sort()).toEqual([
      'ExecCGI',
      'FollowSymLinks',
      'Includes',
      'Indexes',
    ]);
  });
});

describe('effective Options for a file', () => {
  const conf = `Options Indexes
<Directory />
  Options FollowSymLinks
</Directory>
<Directory /var/www/>
  Options +ExecCGI
</Directory>
<DirectoryMatch "^/var/www/private">
  Options -ExecCGI
</DirectoryMatch>
<Directory /var/www/app>
  Options Includes
</Directory>
<VirtualHost *:80>
  <Directory /var/www/vh>
    Options +Indexes
  </Directory>
  <Files "*.cgi">
    Options +ExecCGI
  </Files>
</VirtualHost>
`;
  const p = parseConfig({
    rootFile: '/s/h.conf',
    serverRoot: '/s',
    source: new MemoryFileSource({ '/s/h.conf': conf }),
    env: {},
  });
  const vhost = listVhosts(p.directives)[0];
  it.each([
    ['/var/www/html/x.php', undefined, ['ExecCGI', 'FollowSymLinks']],
    ['/var/www/app/x.php', undefined, ['Includes']],
    ['/var/www/private/x', undefined, ['FollowSymLinks']],
    ['/srv/x', undefined, ['FollowSymLinks']],
    ['/var/www/vh/x.php', vhost, ['ExecCGI', 'FollowSymLinks', 'Indexes']],
    ['/var/www/app/x.cgi', vhost, ['ExecCGI', 'Includes']],
  ])('%s', (file, v, expected) => {
    expect(effectiveOptions(p.directives, v, file).options).toEqual(expected);
  });
});

describe('effective Options and <Location>', () => {
  it('a <Location> section, even one whose path is no valid pattern, is not applied to a file and does not throw', () => {
    const conf = `<Directory /var/www/>\n  Options FollowSymLinks\n</Directory>\n<Location /a[>\n  Options +ExecCGI\n</Location>\n<LocationMatch "^/x">\n  Options +Includes\n</LocationMatch>\n`;
    const p = parseConfig({
      rootFile: '/s/h.conf',
      serverRoot: '/s',
      source: new MemoryFileSource({ '/s/h.conf': conf }),
      env: {},
    });
    expect(effectiveOptions(p.directives, undefined, '/var/www/a[/x.php').options).toEqual(['FollowSymLinks']);
  });
});
