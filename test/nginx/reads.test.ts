import { describe, expect, it } from 'vitest';
import {
  MemoryNginxSource,
  isFileRead,
  locateNginxRoot,
  nginxMasterOptions,
  readNginxConfig,
} from '../../src/nginx/index.js';

const debian = new MemoryNginxSource({
  '/etc/nginx/nginx.conf':
    'events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n  include /etc/nginx/sites-enabled/*;\n}\n',
  '/etc/nginx/conf.d/gzip.conf': 'gzip on;\n',
  '/etc/nginx/conf.d/old.conf.bak': 'gzip off;\n',
  '/etc/nginx/sites-available/default': 'server { listen 80; }\n',
  '/etc/nginx/sites-available/shop': 'server { listen 81; }\n',
  '/etc/nginx/sites-enabled/default': { symlink: '/etc/nginx/sites-available/default' },
  '/etc/nginx/snippets/x.conf': 'root /x;\n',
  '/usr/share/nginx/modules': { dir: true },
});

describe('isFileRead', () => {
  const config = readNginxConfig('/etc/nginx/nginx.conf', { source: debian });

  it('finds a file read through a symlink of sites-enabled/', () => {
    expect(isFileRead(config, '/etc/nginx/sites-available/default', debian)).toEqual({
      read: true,
      as: '/etc/nginx/sites-enabled/default',
      includedBy: '/etc/nginx/nginx.conf:4',
    });
  });

  it('says a site of sites-available/ is not linked, with the include that reads sites-enabled/', () => {
    expect(isFileRead(config, '/etc/nginx/sites-available/shop', debian)).toEqual({
      read: false,
      reason: 'not-linked',
      include: { site: '/etc/nginx/nginx.conf:4', pattern: '/etc/nginx/sites-enabled/*' },
    });
  });

  it('says a .conf.bak is not matched by conf.d/*.conf', () => {
    expect(isFileRead(config, '/etc/nginx/conf.d/old.conf.bak', debian)).toEqual({
      read: false,
      reason: 'no-match',
      include: { site: '/etc/nginx/nginx.conf:3', pattern: '/etc/nginx/conf.d/*.conf' },
    });
  });

  it('says when no include reads the directory at all', () => {
    expect(isFileRead(config, '/etc/nginx/snippets/x.conf', debian)).toEqual({ read: false, reason: 'no-include' });
  });
});

describe('locating the root', () => {
  it('reads -c and -p from the master title', () => {
    expect(nginxMasterOptions(['nginx: master process /usr/sbin/nginx -c /srv/n/nginx.conf -g daemon off;'])).toEqual({
      conf: '/srv/n/nginx.conf',
    });
    expect(nginxMasterOptions(['nginx: master process nginx -p/opt/n -cconf/a.conf'])).toEqual({
      conf: 'conf/a.conf',
      prefix: '/opt/n',
    });
    expect(nginxMasterOptions(['nginx: worker process'])).toBeUndefined();
  });

  it('prefers --root, then a running master, then the usual places', () => {
    expect(locateNginxRoot({ root: '/x/nginx.conf', source: debian })).toMatchObject({
      root: '/x/nginx.conf',
      how: 'option',
    });
    expect(
      locateNginxRoot({
        source: debian,
        commandLines: [
          ['/usr/sbin/php-fpm8.2'],
          ['nginx: master process /usr/sbin/nginx -p /opt/n/ -c conf/nginx.conf'],
        ],
      }),
    ).toEqual({
      root: '/opt/n/conf/nginx.conf',
      prefix: '/opt/n/',
      how: 'master',
      master: 'nginx: master process /usr/sbin/nginx -p /opt/n/ -c conf/nginx.conf',
    });
    expect(locateNginxRoot({ source: debian })).toEqual({
      root: '/etc/nginx/nginx.conf',
      prefix: '/usr/share/nginx/',
      how: 'well-known',
    });
    const source = new MemoryNginxSource({ '/usr/local/nginx/conf/nginx.conf': 'events {}' });
    expect(locateNginxRoot({ source })).toMatchObject({
      root: '/usr/local/nginx/conf/nginx.conf',
      prefix: '/usr/local/nginx/',
    });
    expect(locateNginxRoot({ source: new MemoryNginxSource({}) })).toBeUndefined();
  });

  it('gives the official image its /etc/nginx prefix', () => {
    const source = new MemoryNginxSource({ '/etc/nginx/nginx.conf': 'events {}', '/etc/nginx/modules': { dir: true } });
    expect(locateNginxRoot({ source })).toMatchObject({ prefix: '/etc/nginx/' });
  });
});
