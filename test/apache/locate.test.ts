import { describe, expect, it } from 'vitest';
import { loadServerConfig } from '../../src/apache/index.js';
import { locateRoot } from '../../src/apache/locate.js';
import { MemoryFileSource } from '../../src/apache/source.js';

const debian = () =>
  new MemoryFileSource({
    '/etc/apache2/apache2.conf': 'User ${APACHE_RUN_USER}\nIncludeOptional sites-enabled/*.conf\n',
    '/etc/apache2/envvars': 'export APACHE_RUN_USER=www-data\n',
    '/etc/apache2/sites-available/test': '<VirtualHost *:80>\n</VirtualHost>\n',
    '/etc/apache2/sites-available/ok.conf': '<VirtualHost *:80>\n</VirtualHost>\n',
    '/etc/apache2/sites-enabled/ok.conf': { symlink: '../sites-available/ok.conf' },
    '/etc/apache2/sites-enabled/test': { symlink: '../sites-available/test' },
  });

const rhel = () =>
  new MemoryFileSource({
    '/etc/httpd/conf/httpd.conf': 'ServerRoot "/etc/httpd"\nIncludeOptional conf.d/*.conf\n',
    '/etc/httpd/conf.d/site.conf': '',
  });

describe('locating the root configuration', () => {
  it.each([
    ['/etc/apache2/sites-available/test', '/etc/apache2/apache2.conf', 'debian'],
    ['/etc/apache2/sites-enabled/ok.conf', '/etc/apache2/apache2.conf', 'debian'],
    ['/etc/apache2', '/etc/apache2/apache2.conf', 'debian'],
    ['/etc/apache2/apache2.conf', '/etc/apache2/apache2.conf', 'debian'],
    [undefined, '/etc/apache2/apache2.conf', 'debian'],
  ])('from %s (Debian)', (target, root, layout) => {
    const l = locateRoot({ target, source: debian() });
    expect(l).toMatchObject({
      rootFile: root,
      serverRoot: '/etc/apache2',
      layout,
      envvarsFile: '/etc/apache2/envvars',
    });
  });
  it.each([['/etc/httpd/conf.d/site.conf'], ['/etc/httpd'], [undefined]])('from %s (RHEL)', (target) => {
    expect(locateRoot({ target, source: rhel() })).toMatchObject({
      rootFile: '/etc/httpd/conf/httpd.conf',
      serverRoot: '/etc/httpd',
      layout: 'rhel',
    });
  });
  it('honours --root and --server-root', () => {
    expect(locateRoot({ root: '/opt/web/main.conf', serverRoot: '/opt/web', source: debian() })).toMatchObject({
      rootFile: '/opt/web/main.conf',
      serverRoot: '/opt/web',
      layout: 'custom',
    });
  });
  it('a lone vhost with no server around it is analysed on its own', () => {
    const src = new MemoryFileSource({ '/home/me/site.conf': '<VirtualHost *:80>\n</VirtualHost>\n' });
    const l = locateRoot({ target: '/home/me/site.conf', source: src });
    expect(l).toMatchObject({ rootFile: '/home/me/site.conf', layout: 'standalone' });
    expect(l.notes[0]).toContain('analysed on its own');
  });
  it('nothing anywhere: a note, no throw', () => {
    const l = locateRoot({ source: new MemoryFileSource({}) });
    expect(l.notes[0]).toContain('No server configuration found');
  });
});

describe('is the named file read by the server?', () => {
  it('sites-available/test (no .conf) is never read, even symlinked: analysed as if enabled', () => {
    const c = loadServerConfig({ target: '/etc/apache2/sites-available/test', source: debian(), env: {} });
    expect(c.targetLoaded).toBe(false);
    expect(c.targetAnalysedAsEnabled).toBe(true);
    expect(c.parsed.files.map((f) => f.file)).toContain('/etc/apache2/sites-available/test');
  });
  it('sites-available/ok.conf is read through its sites-enabled symlink', () => {
    const c = loadServerConfig({ target: '/etc/apache2/sites-available/ok.conf', source: debian(), env: {} });
    expect(c.targetLoaded).toBe(true);
  });
  it('reads User through ${APACHE_RUN_USER} from envvars', () => {
    const c = loadServerConfig({ source: debian(), env: {} });
    expect(c.parsed.directives[0]?.args).toEqual(['www-data']);
  });
});
